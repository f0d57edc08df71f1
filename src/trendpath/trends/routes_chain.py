"""Trend events (the chain's outbox, followed by other services) and the laws behind a trend's
``policy_change_frequency``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from trendpath.kit.auth import require_scopes
from trendpath.kit.db import SessionDep
from trendpath.kit.errors import ApiError, error_responses
from trendpath.trends import store, store_chain
from trendpath.trends.provenance import SOURCES
from trendpath.trends.routes import Slug
from trendpath.trends.schemas import LawItem, LawPage, TrendEvent, TrendEventPage

router = APIRouter(prefix="/v1", tags=["trends"], dependencies=[require_scopes("trends:read")])


@router.get("/events", response_model=TrendEventPage, summary="Trend changes after a cursor")
def events(
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="Last event id already handled")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> TrendEventPage:
    """New Velocity Scores and forecasts, oldest first. Follow with ``after = next_after``;
    ids grow in commit order, so a follower never misses one. Events are kept 30 days."""
    rows = store_chain.events_after(session, after, limit)
    items = [
        TrendEvent(
            id=r.id,
            kind=r.kind,
            slug=r.trend_slug,
            week=r.week,
            data=dict(r.data),
            created_at=r.created_at,
        )
        for r in rows
    ]
    return TrendEventPage(items=items, next_after=items[-1].id if items else after)


@router.get(
    "/trends/{slug}/laws",
    response_model=LawPage,
    responses=error_responses(404),
    summary="Laws behind policy changes",
)
def laws(
    session: SessionDep,
    slug: Slug,
    since: Annotated[date | None, Query(description="Only promulgated on or after")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> LawPage:
    """Laws and administrative rules the law.go.kr source counted for this trend, newest first
    (empty until a collection with ``TRENDPATH_TREND_LAWGO_OC`` has run)."""
    row = store.get_trend(session, slug)
    if row is None:
        raise ApiError(404, "not_found", f"no trend with slug {slug!r}")
    docs = store_chain.policy_documents(session, row.id, since, limit)
    info = SOURCES["law-go-kr"]
    return LawPage(
        slug=slug,
        source="law-go-kr",
        source_url=info.url or "",
        items=[
            LawItem(
                target=d.target,
                serial=d.serial,
                title=d.title,
                kind=d.kind,
                promulgated=d.promulgated,
                effective=d.effective,
                link=d.link,
            )
            for d in docs
        ],
    )
