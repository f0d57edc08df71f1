"""Request and response bodies of the News Service API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FeedStatus = Literal["new", "ok", "failing", "parked", "disabled"]


class FeedIn(BaseModel):
    """A feed to add. The URL must be http(s) and resolve to public addresses only."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2048, description="RSS/Atom feed URL")
    title: str = Field(default="", max_length=200, description="Display name; empty = feed's own")
    lang: str | None = Field(default=None, pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")


class FeedPatch(BaseModel):
    """Changes to a feed."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool


class FeedOut(BaseModel):
    """A feed with its fetch state."""

    id: int
    url: str
    title: str
    lang: str | None
    enabled: bool
    status: FeedStatus = Field(description="new, ok, failing, parked or disabled")
    parked: bool
    error_count: int
    parse_error_count: int
    last_outcome: str | None
    last_status: int | None
    last_error: str | None
    last_success_at: dt.datetime | None
    last_fetched_at: dt.datetime | None
    next_check_at: dt.datetime | None
    fetching: bool = Field(description="A worker holds a lease on it right now")
    articles: int
    added_by: str
    created_at: dt.datetime

    @classmethod
    def of(cls, row: Any, now: dt.datetime) -> FeedOut:
        """From a ``store.get_feed``/``list_feeds`` row."""
        fields = {name: getattr(row, name) for name in cls.model_fields if name != "fetching"}
        return cls(**fields, fetching=row.lease_until is not None and row.lease_until > now)


class FeedPage(BaseModel):
    """A page of feeds."""

    total: int
    items: list[FeedOut]


class FetchOut(BaseModel):
    """What a "fetch now" did."""

    outcome: str
    status: int | None
    new_articles: int
    error: str | None
    feed: FeedOut


class DealOut(BaseModel):
    """A funding deal reported in an article."""

    round: str | None
    amount_krw: int | None
    currency: str | None
    amount_text: str | None


class ArticleOut(BaseModel):
    """An article (the first report of its story)."""

    id: int
    feed_id: int
    source: str = Field(description="The feed's title")
    url: str | None
    title: str
    summary: str
    published_at: dt.datetime
    keywords: list[str]
    copies: int = Field(description="Articles of the same story (near-duplicates) collapsed here")
    deal: DealOut | None
    sample: bool = Field(
        default=False, description="A sample written for the offline demo, not a real report"
    )

    @staticmethod
    def fields(row: Any, copies: int) -> dict[str, Any]:
        """The common fields from a query row."""
        deal = None
        if row.deal_round is not None or row.deal_amount_krw is not None:
            deal = DealOut(
                round=row.deal_round,
                amount_krw=row.deal_amount_krw,
                currency=row.deal_currency,
                amount_text=row.deal_amount_text,
            )
        return {
            "id": row.id,
            "feed_id": row.feed_id,
            "source": row.source,
            "url": row.url,
            "title": row.title,
            "summary": row.summary,
            "published_at": row.published_at,
            "keywords": list(row.keywords),
            "copies": copies,
            "deal": deal,
            "sample": bool(getattr(row, "sample", False)),
        }


class TrendArticle(ArticleOut):
    """An article tagged with the trend, with its tag score."""

    score: float


class TrendArticles(BaseModel):
    """A page of a trend's stories, newest first."""

    trend: str
    total: int
    items: list[TrendArticle]


class SearchHit(ArticleOut):
    """A search result with its scores (0..1)."""

    score: float
    keyword_score: float
    semantic_score: float


class SearchOut(BaseModel):
    """Search results; ``mode`` is the one used (hybrid becomes keyword without embeddings)."""

    query: str
    mode: Literal["hybrid", "keyword", "semantic"]
    terms: list[str]
    items: list[SearchHit]


class ArticleSignal(BaseModel):
    """Stories about one trend first reported in one ISO week."""

    trend: str
    week: dt.date = Field(description="ISO-week Monday (Korea time)")
    articles: int = Field(description="Stories, near-duplicates counted once")
    mentions: int = Field(description="Articles including near-duplicate copies")


class ArticleSignals(BaseModel):
    """Body of ``GET /v1/signals/articles``."""

    items: list[ArticleSignal]


class DealSignal(BaseModel):
    """Funding deals reported for one trend in one ISO week."""

    trend: str
    week: dt.date = Field(description="ISO-week Monday (Korea time)")
    deals: int
    amount_krw: float = Field(description="Sum of the stated deal sizes, in won")


class DealSignals(BaseModel):
    """Body of ``GET /v1/signals/deals`` (the trend service's funding connector reads it)."""

    items: list[DealSignal]
