"""HTTP API of the Trend Analysis Service (thin: validation in, store out)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Row

from trendpath.kit.db import SessionDep
from trendpath.kit.errors import ApiError
from trendpath.trends import store
from trendpath.trends.indicators import INDICATOR_META, INDICATORS
from trendpath.trends.schemas import (
    Contribution,
    CoreSkill,
    IndicatorHistory,
    IndicatorPoint,
    IndicatorSeries,
    TrendDetail,
    TrendPage,
    TrendSummary,
    VelocityHistory,
    VelocityNow,
    VelocityPoint,
)
from trendpath.trends.velocity import VelocityConfig

router = APIRouter(prefix="/v1", tags=["trends"])

Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="Trend slug")]
Since = Annotated[date | None, Query(alias="from", description="First week (inclusive)")]
Until = Annotated[date | None, Query(alias="to", description="Last week (inclusive)")]


def contributions(points: Sequence[float] | None) -> list[Contribution]:
    """Labelled per-indicator contributions, largest effect first."""
    if not points:
        return []
    items = [
        Contribution(
            indicator=name,
            label_ko=INDICATOR_META[name].ko,
            label_en=INDICATOR_META[name].en,
            points=round(float(p), 3),
        )
        for name, p in zip(INDICATORS, points, strict=True)
    ]
    return sorted(items, key=lambda c: abs(c.points), reverse=True)


def _velocity(row: Row[Any]) -> VelocityNow | None:
    if row.score is None:
        return None
    return VelocityNow(week=row.week, score=row.score, stability=row.stability)


def _summary(row: Row[Any]) -> TrendSummary:
    return TrendSummary(
        slug=row.slug,
        name_ko=row.name_ko,
        name_en=row.name_en,
        category=row.category,
        interest_tags=row.attrs.get("interest_tags", []),
        velocity=_velocity(row),
    )


def _trend_or_404(session: SessionDep, slug: str) -> Row[Any]:
    row = store.get_trend(session, slug)
    if row is None:
        raise ApiError(404, "not_found", f"no trend with slug {slug!r}")
    return row


def _check_range(start: date | None, end: date | None) -> None:
    if start and end and start > end:
        raise ApiError(422, "validation_error", "'from' must not be after 'to'")


@router.get("/trends", response_model=TrendPage, summary="List and search trends")
def list_trends(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=80, description="Name or keyword")] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    interest: Annotated[str | None, Query(max_length=40, description="Interest tag")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> TrendPage:
    """Trends ordered by their latest Velocity Score (fastest first)."""
    total, rows = store.list_trends(
        session, query=q, category=category, interest=interest, limit=limit, offset=offset
    )
    return TrendPage(total=total, items=[_summary(r) for r in rows])


@router.get("/trends/{slug}", response_model=TrendDetail, summary="One trend in full")
def trend_detail(session: SessionDep, slug: Slug) -> TrendDetail:
    """Catalog content, latest Velocity Score and why it is what it is."""
    row = _trend_or_404(session, slug)
    attrs = row.attrs
    return TrendDetail(
        **_summary(row).model_dump(),
        description_ko=row.description_ko,
        description_en=row.description_en,
        core_skills=[CoreSkill(**s) for s in attrs.get("core_skills", [])],
        value_profile=attrs.get("value_profile", {}),
        keywords_ko=attrs.get("keywords_ko", []),
        keywords_en=attrs.get("keywords_en", []),
        sources=attrs.get("sources", []),
        contributions=contributions(row.contributions),
    )


@router.get(
    "/trends/{slug}/indicators", response_model=IndicatorHistory, summary="Indicator history"
)
def indicator_history(
    session: SessionDep, slug: Slug, start: Since = None, end: Until = None
) -> IndicatorHistory:
    """Weekly values of the five indicators."""
    _check_range(start, end)
    trend = _trend_or_404(session, slug)
    by_indicator: dict[str, list[IndicatorPoint]] = {name: [] for name in INDICATORS}
    for r in store.indicator_history(session, trend.id, start, end):
        by_indicator[r.indicator].append(
            IndicatorPoint(week=r.week, value=r.value, source=r.source)
        )
    series = [
        IndicatorSeries(indicator=name, label_ko=INDICATOR_META[name].ko, points=points)
        for name, points in by_indicator.items()
    ]
    return IndicatorHistory(slug=slug, series=series)


@router.get(
    "/trends/{slug}/velocity", response_model=VelocityHistory, summary="Velocity Score history"
)
def velocity_history(
    session: SessionDep, slug: Slug, start: Since = None, end: Until = None
) -> VelocityHistory:
    """Weekly Velocity Scores, each with the contribution of every indicator."""
    _check_range(start, end)
    trend = _trend_or_404(session, slug)
    rows = store.velocity_history(session, trend.id, start, end)
    points = [
        VelocityPoint(
            week=r.week,
            score=r.score,
            stability=r.stability,
            contributions=contributions(r.contributions),
        )
        for r in rows
    ]
    version = rows[-1].config_version if rows else None
    return VelocityHistory(
        slug=slug, baseline=VelocityConfig().baseline, config_version=version, points=points
    )
