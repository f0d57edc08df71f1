"""Read-only admin views of the Trend Analysis Service: data freshness and forecast models.

``GET /v1/admin/freshness`` tells an operator which trends' indicators stopped arriving (the
weekly collection fills the last complete ISO week, so an age of 1 week is normal);
``GET /v1/admin/models`` lists the forecast registry with each version's validation metrics and
which version the stored forecasts come from. Both need the ``admin`` scope.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Row

from trendpath.kit.auth import require_scopes
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import runtime_of
from trendpath.trends import store
from trendpath.trends.forecast.registry import GATE_METRIC, list_models, passes_gate
from trendpath.trends.forecasting import registry_dir
from trendpath.trends.indicators import INDICATOR_META, INDICATORS
from trendpath.trends.sources.base import iso_monday
from trendpath.trends.sources.ratelimit import korean_today

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[require_scopes("admin")])

STALE_AFTER_WEEKS = 2
"""Default: data older than this many weeks before the current ISO week is stale."""


class IndicatorFreshness(BaseModel):
    """The newest stored week of one indicator of one trend."""

    indicator: str
    label_ko: str
    label_en: str
    week: dt.date | None
    source: str | None
    age_weeks: int | None
    stale: bool


class TrendFreshness(BaseModel):
    """How current one trend's data is."""

    slug: str
    name_ko: str
    name_en: str
    velocity_week: dt.date | None
    forecast_week: dt.date | None
    indicators: list[IndicatorFreshness]
    stale: bool


class FreshnessOut(BaseModel):
    """Every active trend's data age, measured from the current ISO week (Korean time)."""

    current_week: dt.date
    stale_after_weeks: int
    stale_trends: int
    items: list[TrendFreshness]


class ModelVersion(BaseModel):
    """One registered forecast model version."""

    version: str
    model_kind: str
    kind: str = Field(description="network (the gated GRU + TST + ridge) or baseline (a fallback)")
    data_source: str = Field(description="what it was trained on: database, demo, or a file")
    created_at: dt.datetime
    data_version: str
    target_name: str
    metrics: dict[str, float]
    passes_gate: bool
    serving: bool


class ForecastVersion(BaseModel):
    """A model version the stored forecasts come from."""

    model_version: str
    latest_week: dt.date
    trends: int


class ModelsOut(BaseModel):
    """The forecast registry and the versions behind stored forecasts."""

    gate_metric: str
    models: list[ModelVersion]
    forecasts: list[ForecastVersion]


def _age(week: dt.date | None, current: dt.date) -> int | None:
    return None if week is None else max(0, (current - week).days // 7)


def _trend(rows: list[Row[Any]], current: dt.date, limit: int) -> TrendFreshness:
    found = {r.indicator: r for r in rows if r.indicator is not None}
    indicators = []
    for name in INDICATORS:
        row = found.get(name)
        age = _age(row.week if row else None, current)
        indicators.append(
            IndicatorFreshness(
                indicator=name,
                label_ko=INDICATOR_META[name].ko,
                label_en=INDICATOR_META[name].en,
                week=row.week if row else None,
                source=row.source if row else None,
                age_weeks=age,
                stale=age is None or age > limit,
            )
        )
    first = rows[0]
    return TrendFreshness(
        slug=first.slug,
        name_ko=first.name_ko,
        name_en=first.name_en,
        velocity_week=first.velocity_week,
        forecast_week=first.forecast_week,
        indicators=indicators,
        stale=any(i.stale for i in indicators),
    )


@router.get("/freshness", response_model=FreshnessOut, summary="How current each trend's data is")
def freshness(
    session: SessionDep,
    stale_after: Annotated[
        int, Query(ge=0, le=520, description="Weeks of age before data counts as stale")
    ] = STALE_AFTER_WEEKS,
) -> FreshnessOut:
    """Per trend and indicator: newest week, its source and age; stale when older than allowed."""
    current = iso_monday(korean_today())
    rows = store.data_freshness(session)
    items = [
        _trend(list(group), current, stale_after)
        for _, group in groupby(rows, key=lambda r: r.slug)
    ]
    return FreshnessOut(
        current_week=current,
        stale_after_weeks=stale_after,
        stale_trends=sum(i.stale for i in items),
        items=items,
    )


@router.get("/models", response_model=ModelsOut, summary="Forecast model versions and metrics")
def models(request: Request, session: SessionDep) -> ModelsOut:
    """Registered versions (newest first) with validation metrics, and what forecasts use."""
    records = list_models(registry_dir(runtime_of(request).settings))
    versions = store.forecast_versions(session)
    newest = versions[0].latest_week if versions else None
    serving = {v.model_version for v in versions if v.latest_week == newest}
    return ModelsOut(
        gate_metric=GATE_METRIC,
        models=[
            ModelVersion(
                version=r.version,
                model_kind=r.model_kind,
                kind=r.family,
                data_source=r.data_source,
                created_at=r.created_at,
                data_version=r.data_version,
                target_name=r.target_name,
                metrics=r.metrics,
                passes_gate=passes_gate(r.metrics),
                serving=r.version in serving,
            )
            for r in records
        ],
        forecasts=[
            ForecastVersion(
                model_version=v.model_version, latest_week=v.latest_week, trends=v.trends
            )
            for v in versions
        ],
    )
