"""Admin API of the Trend Analysis Service: add or edit trends, trigger collection and refresh."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from trendpath.kit.auth import require_scopes
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import runtime_of
from trendpath.kit.errors import ApiError, error_responses
from trendpath.kit.taxonomy import load_taxonomy
from trendpath.trends import store
from trendpath.trends.catalog import CatalogError, Trend, load_categories, parse_trend
from trendpath.trends.chain import import_and_recompute
from trendpath.trends.collect import collect
from trendpath.trends.csvio import CsvFormatError, ImportReport
from trendpath.trends.demo_data import trend_row
from trendpath.trends.forecast import PanelError, RegistryError
from trendpath.trends.forecasting import refresh
from trendpath.trends.recompute import recompute_all
from trendpath.trends.sources.registry import SOURCE_NAMES

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[require_scopes("admin")])


class SavedTrend(BaseModel):
    """What an add/edit did."""

    slug: str
    created: bool


class CollectIn(BaseModel):
    """Which sources to run over how many recent weeks."""

    sources: list[str] | None = Field(default=None, max_length=len(SOURCE_NAMES))
    weeks: int | None = Field(default=None, ge=1, le=520)


class JobOut(BaseModel):
    """A job's human-readable report."""

    lines: list[str]


def _validate(raw: dict[str, Any], request: Request) -> Trend:
    data_dir = runtime_of(request).settings.data_dir
    try:
        return parse_trend(raw, load_taxonomy(data_dir), load_categories(data_dir))
    except CatalogError as exc:
        raise ApiError(422, "validation_error", str(exc)) from None


def _save(session: SessionDep, trend: Trend) -> bool:
    existed = store.get_trend(session, trend.slug) is not None
    store.upsert_trends(session, [trend_row(trend)])
    session.commit()
    return not existed


TrendBody = Annotated[dict[str, Any], Body(description="A trend in the catalog's format")]


@router.post(
    "/trends",
    response_model=SavedTrend,
    status_code=201,
    responses=error_responses(409),
    summary="Add a trend",
)
def add_trend(session: SessionDep, request: Request, body: TrendBody) -> SavedTrend:
    """Add a trend (409 if the slug exists; its vector is embedded by the next refresh)."""
    trend = _validate(body, request)
    if store.get_trend(session, trend.slug) is not None:
        raise ApiError(409, "conflict", f"trend {trend.slug!r} exists; use PUT to edit it")
    return SavedTrend(slug=trend.slug, created=_save(session, trend))


@router.put(
    "/trends/{slug}",
    response_model=SavedTrend,
    responses=error_responses(404),
    summary="Edit a trend",
)
def edit_trend(session: SessionDep, request: Request, slug: str, body: TrendBody) -> SavedTrend:
    """Replace a trend's catalog fields (the slug in the body must match the path)."""
    trend = _validate(body, request)
    if trend.slug != slug:
        raise ApiError(422, "validation_error", "slug in the body differs from the path")
    if store.get_trend(session, slug) is None:
        raise ApiError(404, "not_found", f"no trend with slug {slug!r}")
    return SavedTrend(slug=slug, created=_save(session, trend))


@router.post("/collect", response_model=JobOut, summary="Collect indicators now")
async def trigger_collect(request: Request, body: CollectIn) -> JobOut:
    """Run the weekly collection now (unconfigured sources are reported as skipped)."""
    unknown = [s for s in body.sources or [] if s not in SOURCE_NAMES]
    if unknown:
        raise ApiError(422, "validation_error", f"unknown source {unknown[0]!r}")
    runtime = runtime_of(request)
    weeks = None
    if body.weeks is not None:
        from trendpath.trends.sources.base import recent_weeks
        from trendpath.trends.sources.ratelimit import korean_today

        weeks = recent_weeks(body.weeks, korean_today())
    report = await collect(runtime, names=body.sources, weeks=weeks)
    return JobOut(lines=report.lines())


class ImportOut(BaseModel):
    """What a CSV import did (rejected rows with their line and reason)."""

    accepted: int
    new: int
    revised: int
    rejected: int
    velocity_rows: int
    rejects: list[dict[str, Any]]


FileName = Annotated[
    str,
    Query(pattern=r"^[\w.\-]{1,80}$", description="Name recorded as the values' origin"),
]


@router.post(
    "/indicators/import",
    response_model=ImportOut,
    responses=error_responses(422),
    summary="Import indicator values (CSV)",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_indicators(request: Request, file_name: FileName = "upload.csv") -> ImportOut:
    """The CSV import of ``trendpath trends import`` (same rules) over HTTP; changed values
    start the chain at once: Velocity, events, live pages, then forecasts and matches."""
    runtime = runtime_of(request)
    raw = await request.body()

    def run() -> tuple[ImportReport, int]:
        with runtime.db.session_scope() as session:
            return import_and_recompute(session, raw, file_name)

    try:
        report, scores = await run_in_threadpool(run)
    except CsvFormatError as exc:
        raise ApiError(422, "validation_error", str(exc)) from None
    return ImportOut(
        accepted=report.accepted,
        new=report.new,
        revised=report.revised,
        rejected=report.rejected_total,
        velocity_rows=scores,
        rejects=[{"line": r.line, "reason": r.reason} for r in report.rejected[:100]],
    )


@router.post("/recompute", response_model=JobOut, summary="Recompute Velocity and forecasts")
async def trigger_recompute(request: Request) -> JobOut:
    """Recompute every Velocity Score from stored indicators, then forecast the newest week."""
    runtime = runtime_of(request)

    def velocity() -> int:
        with runtime.db.session_scope() as session:
            return recompute_all(session)

    lines = [f"{await run_in_threadpool(velocity)} Velocity Scores recomputed"]
    try:
        run = await run_in_threadpool(refresh, runtime.db, runtime.settings)
    except (PanelError, RegistryError) as exc:
        lines.append(f"forecasts not refreshed: {exc}")
    else:
        lines.append(f"forecasts: {run.stored} stored by {run.model_version}" if run else "no data")
    return JobOut(lines=lines)
