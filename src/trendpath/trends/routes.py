"""HTTP API of the Trend Analysis Service (thin: validation in, store out)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import Row
from starlette.concurrency import run_in_threadpool

from trendpath.kit.auth import require_scopes
from trendpath.kit.db import SessionDep
from trendpath.kit.errors import ApiError, error_responses
from trendpath.kit.service import runtime_of
from trendpath.trends import store, vectors
from trendpath.trends.indicators import INDICATOR_META, INDICATORS
from trendpath.trends.schemas import (
    Contribution,
    CoreSkill,
    ForecastItem,
    ForecastNow,
    ForecastPage,
    IndicatorHistory,
    IndicatorPoint,
    IndicatorSeries,
    NearestIn,
    NearestItem,
    NearestOut,
    TrendDetail,
    TrendPage,
    TrendSummary,
    VelocityHistory,
    VelocityNow,
    VelocityPoint,
)
from trendpath.trends.velocity import VelocityConfig

router = APIRouter(prefix="/v1", tags=["trends"], dependencies=[require_scopes("trends:read")])

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


def _forecast(row: Row[Any] | None) -> ForecastNow | None:
    if row is None:
        return None
    return ForecastNow(
        week=row.week,
        horizon_weeks=row.horizon_weeks,
        point=round(row.point, 3),
        lo=round(row.lo, 3),
        hi=round(row.hi, 3),
        model_version=row.model_version,
        model=row.model,
        kind=row.kind,
        validation_rel_mse=None
        if row.validation_rel_mse is None
        else round(row.validation_rel_mse, 4),
        reason=row.reason,
        reason_detail=row.reason_detail,
    )


def _summary(row: Row[Any], forecast: Row[Any] | None = None) -> TrendSummary:
    return TrendSummary(
        slug=row.slug,
        name_ko=row.name_ko,
        name_en=row.name_en,
        category=row.category,
        interest_tags=row.attrs.get("interest_tags", []),
        velocity=_velocity(row),
        forecast=_forecast(forecast),
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
    forecasts = store.latest_forecasts(session, [r.id for r in rows])
    return TrendPage(total=total, items=[_summary(r, forecasts.get(r.id)) for r in rows])


@router.get(
    "/trends/{slug}",
    response_model=TrendDetail,
    responses=error_responses(404),
    summary="One trend in full",
)
def trend_detail(session: SessionDep, slug: Slug) -> TrendDetail:
    """Catalog content, latest Velocity Score and why it is what it is."""
    row = _trend_or_404(session, slug)
    attrs = row.attrs
    forecast = store.latest_forecasts(session, [row.id]).get(row.id)
    return TrendDetail(
        **_summary(row, forecast).model_dump(),
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
    "/trends/{slug}/indicators",
    response_model=IndicatorHistory,
    responses=error_responses(404),
    summary="Indicator history",
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
    "/trends/{slug}/velocity",
    response_model=VelocityHistory,
    responses=error_responses(404),
    summary="Velocity Score history",
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


@router.post(
    "/nearest",
    response_model=NearestOut,
    responses=error_responses(409, 503),
    summary="Trends nearest to a persona vector",
)
async def nearest_trends(body: NearestIn, request: Request) -> NearestOut:
    """Cosine-nearest trends (pgvector HNSW) with each persona block's share of the similarity."""
    runtime = runtime_of(request)
    space = await vectors.persona_space(runtime)
    if len(body.vector) != space["dim"]:
        raise ApiError(422, "validation_error", f"vector must have {space['dim']} dimensions")
    if body.version is not None and body.version != space["version"]:
        raise ApiError(
            409, "conflict", f"vector version {body.version} differs from {space['version']}"
        )
    query = np.asarray(body.vector, dtype=np.float32)
    query /= np.linalg.norm(query)

    def lookup() -> tuple[list[Row[Any]], dict[int, Row[Any]], dict[int, Row[Any]]]:
        with runtime.db.sessions() as session:
            rows = vectors.nearest(session, query, body.k)
            ids = [r.id for r in rows]
            return rows, store.latest_velocity(session, ids), store.latest_forecasts(session, ids)

    rows, velocity, forecasts = await run_in_threadpool(lookup)
    items = []
    for r in rows:
        if r.version != space["version"]:
            continue  # being re-embedded: not comparable with the query
        trend_vec = np.asarray(r.embedding, dtype=np.float32)
        v = velocity.get(r.id)
        items.append(
            NearestItem(
                slug=r.slug,
                name_ko=r.name_ko,
                name_en=r.name_en,
                similarity=round(float(query @ trend_vec), 6),
                blocks=vectors.block_contributions(query, trend_vec, space["blocks"]),
                velocity=_velocity(v) if v is not None else None,
                forecast=_forecast(forecasts.get(r.id)),
            )
        )
    return NearestOut(version=space["version"], items=items)


@router.get("/forecasts/latest", response_model=ForecastPage, summary="Latest forecasts")
def latest_forecasts(session: SessionDep) -> ForecastPage:
    """Each trend's newest forecast of the 4-week Velocity change, with its interval."""
    rows = store.latest_forecasts(session)
    items = [
        ForecastItem(slug=r.slug, **_forecast(r).model_dump())  # type: ignore[union-attr]
        for r in sorted(rows.values(), key=lambda r: r.slug)
    ]
    return ForecastPage(items=items)
