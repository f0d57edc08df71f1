"""HTTP API of the News Service (thin: validation in, store out). Every route needs a token.

* Feed admin (``/v1/feeds...``): a token with ``admin``, or a *service* token with ``news:write``
  (a user's ``news:write`` alone does not let them point our fetcher at URLs).
* Reading (articles, search, signals): ``news:read``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from trendpath.kit.auth import CurrentPrincipal, Principal, require_scopes
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import RuntimeDep
from trendpath.kit.errors import ApiError, error_responses
from trendpath.news import search as find
from trendpath.news import signals, store
from trendpath.news.analysis import nouns
from trendpath.news.config import allow_hosts
from trendpath.news.embedder import EmbeddingUnavailable, ServiceEncoder
from trendpath.news.feed_url import FeedURLError, check_feed_url
from trendpath.news.schemas import (
    ArticleOut,
    ArticleSignal,
    ArticleSignals,
    DealSignal,
    DealSignals,
    FeedIn,
    FeedOut,
    FeedPage,
    FeedPatch,
    FeedStatus,
    FetchOut,
    SearchHit,
    SearchOut,
    TrendArticle,
    TrendArticles,
)
from trendpath.news.search import SearchMode
from trendpath.news.worker import Worker

router = APIRouter(prefix="/v1", tags=["news"])

MAX_SIGNAL_WEEKS = 530
FeedId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="Trend slug")]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=10_000)]
# Bounded so the Korea-time instants around a week stay within what ``datetime`` can hold.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)
Since = Annotated[
    dt.date,
    Query(
        alias="from",
        ge=EARLIEST_DAY,
        le=LATEST_DAY,
        description="First ISO week (its Monday); 1900-01-01 to 2999-12-31",
    ),
]
Until = Annotated[
    dt.date,
    Query(
        alias="to",
        ge=EARLIEST_DAY,
        le=LATEST_DAY,
        description="Last ISO week (inclusive); 1900-01-01 to 2999-12-31",
    ),
]
Reader = Annotated[Principal, require_scopes("news:read")]


async def feed_admin(principal: CurrentPrincipal) -> Principal:
    """Admins, or services holding ``news:write``."""
    if "admin" in principal.scopes or (principal.is_service and "news:write" in principal.scopes):
        return principal
    raise ApiError(
        403,
        "insufficient_scope",
        "feed administration needs the admin scope (or a service token with news:write)",
        headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="admin"'},
    )


FeedAdmin = Annotated[Principal, Depends(feed_admin)]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _feed_or_404(session: SessionDep, feed_id: int) -> FeedOut:
    row = store.get_feed(session, feed_id)
    if row is None:
        raise ApiError(404, "not_found", f"no feed with id {feed_id}")
    return FeedOut.of(row, _now())


# --- feeds -------------------------------------------------------------------------------------


@router.get("/feeds", response_model=FeedPage, summary="List feeds with their fetch state")
def list_feeds(
    session: SessionDep,
    _: FeedAdmin,
    status: Annotated[FeedStatus | None, Query(description="Only feeds in this state")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> FeedPage:
    """Feeds in the order they were added, each with status, errors and article count."""
    total, rows = store.list_feeds(session, status=status, limit=limit, offset=offset)
    now = _now()
    return FeedPage(total=total, items=[FeedOut.of(r, now) for r in rows])


@router.post(
    "/feeds",
    response_model=FeedOut,
    status_code=201,
    responses=error_responses(409),
    summary="Add a feed",
)
async def add_feed(body: FeedIn, runtime: RuntimeDep, who: FeedAdmin) -> FeedOut:
    """Add a feed after checking its URL against the SSRF guard; it is fetched at the next cycle."""
    try:
        url = await check_feed_url(body.url, allow_hosts(runtime.settings))
    except FeedURLError as exc:
        raise ApiError(
            422, "validation_error", f"url: {exc}", details=[{"field": "url", "message": str(exc)}]
        ) from None

    def insert() -> FeedOut | None:
        with runtime.db.session_scope() as session:
            row = store.add_feed(
                session, url, added_by=who.subject, title=body.title.strip(), lang=body.lang
            )
            if row is None:
                return None
            return _feed_or_404(session, row.id)

    added = await run_in_threadpool(insert)
    if added is None:
        raise ApiError(409, "conflict", f"feed {url} is already registered")
    return added


@router.get(
    "/feeds/{feed_id}", response_model=FeedOut, responses=error_responses(404), summary="One feed"
)
def get_feed(session: SessionDep, feed_id: FeedId, _: FeedAdmin) -> FeedOut:
    """A feed with its fetch state."""
    return _feed_or_404(session, feed_id)


@router.patch(
    "/feeds/{feed_id}",
    response_model=FeedOut,
    responses=error_responses(404),
    summary="Enable or disable a feed",
)
def patch_feed(session: SessionDep, feed_id: FeedId, body: FeedPatch, _: FeedAdmin) -> FeedOut:
    """A disabled feed keeps its articles but is not fetched."""
    if not store.set_enabled(session, feed_id, body.enabled):
        raise ApiError(404, "not_found", f"no feed with id {feed_id}")
    session.commit()
    return _feed_or_404(session, feed_id)


@router.delete(
    "/feeds/{feed_id}",
    status_code=204,
    responses=error_responses(404),
    summary="Remove a feed and its articles",
)
def delete_feed(session: SessionDep, feed_id: FeedId, _: FeedAdmin) -> Response:
    """Remove the feed, its articles, their tags and deals."""
    if not store.delete_feed(session, feed_id):
        raise ApiError(404, "not_found", f"no feed with id {feed_id}")
    session.commit()
    return Response(status_code=204)


@router.post(
    "/feeds/{feed_id}/unpark",
    response_model=FeedOut,
    responses=error_responses(404),
    summary="Unpark a feed",
)
def unpark_feed(session: SessionDep, feed_id: FeedId, _: FeedAdmin) -> FeedOut:
    """Clear the error counters and make the feed due now."""
    if not store.unpark_feed(session, feed_id, _now()):
        raise ApiError(404, "not_found", f"no feed with id {feed_id}")
    session.commit()
    return _feed_or_404(session, feed_id)


@router.post(
    "/feeds/{feed_id}/fetch",
    response_model=FetchOut,
    responses=error_responses(404, 409),
    summary="Fetch a feed now",
)
async def fetch_now(runtime: RuntimeDep, feed_id: FeedId, _: FeedAdmin) -> FetchOut:
    """Fetch, analyse and store the feed now (parked or not), whatever its schedule."""
    report = await Worker(runtime).fetch_now(feed_id)

    def current() -> FeedOut:
        with runtime.db.session_scope() as session:
            return _feed_or_404(session, feed_id)

    feed = await run_in_threadpool(current)
    if report is None:
        raise ApiError(409, "conflict", "the feed is being fetched by a worker right now")
    return FetchOut(
        outcome=report.outcome,
        status=report.status,
        new_articles=report.new_articles,
        error=report.error,
        feed=feed,
    )


# --- articles ----------------------------------------------------------------------------------


@router.get("/trends/{slug}/articles", response_model=TrendArticles, summary="A trend's articles")
def trend_articles(
    session: SessionDep, slug: Slug, _: Reader, limit: Limit = 20, offset: Offset = 0
) -> TrendArticles:
    """Articles tagged with the trend, newest first, near-duplicates collapsed into one story."""
    total, rows = find.trend_articles(session, slug, limit=limit, offset=offset)
    items = [TrendArticle(**ArticleOut.fields(r, r.copies), score=r.score) for r in rows]
    return TrendArticles(trend=slug, total=total, items=items)


@router.get("/search", response_model=SearchOut, summary="Search articles")
async def search_articles(
    runtime: RuntimeDep,
    _: Reader,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Search text")],
    mode: Annotated[SearchMode, Query(description="hybrid, keyword or semantic")] = "hybrid",
    trend: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> SearchOut:
    """Keyword, semantic or blended search over titles, summaries, keywords and embeddings."""
    terms = find.query_terms(q, await run_in_threadpool(nouns, q))
    vector = None
    used: SearchMode = mode
    if mode != "keyword":
        try:
            vector = (await ServiceEncoder.here(runtime).aencode([q]))[0]
        except EmbeddingUnavailable as exc:
            if mode == "semantic":
                raise ApiError(503, "unavailable", f"semantic search unavailable: {exc}") from None
            used = "keyword"

    def run() -> list[find.Hit]:
        with runtime.db.sessions() as session:
            return find.search(
                session, terms=terms, vector=vector, mode=used, trend=trend, limit=limit,
                offset=offset,
            )  # fmt: skip

    hits = await run_in_threadpool(run)
    items = [
        SearchHit(
            **ArticleOut.fields(h.row, h.copies),
            score=round(h.score, 6),
            keyword_score=round(h.keyword_score, 6),
            semantic_score=round(h.semantic_score, 6),
        )
        for h in hits
    ]
    return SearchOut(query=q, mode=used, terms=terms, items=items)


# --- signals -----------------------------------------------------------------------------------


def _check_range(first: dt.date, last: dt.date) -> None:
    if first > last:
        raise ApiError(422, "validation_error", "'from' must not be after 'to'")
    if (last - first).days > MAX_SIGNAL_WEEKS * 7:
        raise ApiError(422, "validation_error", f"at most {MAX_SIGNAL_WEEKS} weeks at once")


@router.get(
    "/signals/articles", response_model=ArticleSignals, summary="Weekly article counts per trend"
)
def article_signals(session: SessionDep, _: Reader, first: Since, last: Until) -> ArticleSignals:
    """Stories per trend and ISO week, near-duplicates counted once (weeks without any omitted)."""
    _check_range(first, last)
    rows = signals.article_counts(session, first, last)
    return ArticleSignals(
        items=[
            ArticleSignal(trend=r.trend, week=r.week, articles=r.articles, mentions=r.mentions)
            for r in rows
        ]
    )


@router.get("/signals/deals", response_model=DealSignals, summary="Weekly funding deals per trend")
def deal_signals(session: SessionDep, _: Reader, first: Since, last: Until) -> DealSignals:
    """Deal stories and their summed size per trend and ISO week (weeks without deals omitted)."""
    _check_range(first, last)
    rows = signals.deal_totals(session, first, last)
    return DealSignals(
        items=[
            DealSignal(trend=r.trend, week=r.week, deals=r.deals, amount_krw=r.amount_krw)
            for r in rows
        ]
    )
