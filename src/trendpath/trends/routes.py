"""HTTP API of the Trend Analysis Service (thin: validation in, store out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import Row
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trendpath.kit.auth import require_scopes
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import runtime_of
from trendpath.kit.errors import ApiError, error_responses
from trendpath.kit.taxonomy import Taxonomy, load_taxonomy
from trendpath.trends import explore, provenance, store, store_chain, vectors
from trendpath.trends.catalog import load_categories
from trendpath.trends.indicators import INDICATOR_META, INDICATORS
from trendpath.trends.movement import LOOKBACK_WEEKS, movement
from trendpath.trends.schemas import (
    Contribution,
    CoreSkill,
    Facet,
    ForecastItem,
    ForecastNow,
    ForecastPage,
    IndicatorHistory,
    IndicatorPoint,
    IndicatorProvenance,
    IndicatorSeries,
    NearestIn,
    NearestItem,
    NearestOut,
    SourceUse,
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
ALIASES = "aliases.yaml"
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"


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


def _velocity(row: Row[Any], move: dict[str, Any] | None = None) -> VelocityNow | None:
    if row.score is None:
        return None
    return VelocityNow(
        week=row.week,
        score=row.score,
        stability=row.stability,
        synthetic_share=_share(row.synthetic_share),
        movement=move,
    )


def _share(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


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
        synthetic_share=_share(row.synthetic_share),
        model=row.model,
        kind=row.kind,
        validation_rel_mse=None
        if row.validation_rel_mse is None
        else round(row.validation_rel_mse, 4),
        reason=row.reason,
        reason_detail=row.reason_detail,
    )


def movements(session: Session, trend_ids: list[int]) -> dict[int, dict[str, Any] | None]:
    """Each trend's recent movement (streak and the indicator behind it)."""
    recent = store_chain.recent_velocity_of(session, trend_ids, LOOKBACK_WEEKS)
    return {
        tid: movement([r.score for r in rows], [list(r.contributions) for r in rows])
        for tid, rows in recent.items()
    }


def _summary(
    row: Row[Any],
    forecast: Row[Any] | None = None,
    categories: Mapping[str, Any] | None = None,
    move: dict[str, Any] | None = None,
) -> TrendSummary:
    fc = _forecast(forecast)
    category = (categories or {}).get(row.category)
    return TrendSummary(
        slug=row.slug,
        name_ko=row.name_ko,
        name_en=row.name_en,
        category=row.category,
        interest_tags=row.attrs.get("interest_tags", []),
        velocity=_velocity(row, move),
        forecast=fc,
        category_ko=category.ko if category else row.category,
        category_en=category.en if category else row.category,
        status=explore.status_of(row.score, fc.model_dump() if fc else None),
        core_skills=[CoreSkill(**s) for s in row.attrs.get("core_skills", [])],
    )


def _entry(
    row: Row[Any], forecast: Row[Any] | None, taxonomy: Taxonomy, cats: Mapping[str, Any]
) -> explore.Entry:
    """The explorer's view of a trend: its numbers and every label it can be found by."""
    attrs = row.attrs
    tags = [
        taxonomy.interests[t] for t in attrs.get("interest_tags", []) if t in taxonomy.interests
    ]
    skills = [s["skill"] for s in attrs.get("core_skills", [])]
    labels = [x for t in tags for x in (t.ko, t.en)]
    labels += [
        x
        for s in skills
        if s in taxonomy.skills
        for x in (taxonomy.skills[s].ko, taxonomy.skills[s].en)
    ]
    category = cats.get(row.category)
    labels += [category.ko, category.en] if category else []
    fc = _forecast(forecast)
    return explore.Entry(
        slug=row.slug,
        name_ko=row.name_ko,
        name_en=row.name_en,
        category=row.category,
        interest_tags=tuple(attrs.get("interest_tags", [])),
        core_skills=tuple(skills),
        score=row.score,
        forecast=fc.model_dump() if fc else None,
        fields=explore.searchable(
            [row.name_ko, row.name_en, row.slug],
            [*attrs.get("keywords_ko", []), *attrs.get("keywords_en", [])],
            labels,
        ),
    )


def _explorer(
    request: Request, session: SessionDep, **filters: Any
) -> tuple[list[explore.Entry], dict[str, tuple[Row[Any], Row[Any] | None]]]:
    """Every active trend matching the SQL filters as explorer entries, and rows by slug."""
    data_dir = runtime_of(request).settings.data_dir
    taxonomy, cats = load_taxonomy(data_dir), load_categories(data_dir)
    _, rows = store.list_trends(session, query=None, limit=100_000, offset=0, **filters)
    forecasts = store.latest_forecasts(session, [r.id for r in rows])
    entries = [_entry(r, forecasts.get(r.id), taxonomy, cats) for r in rows]
    by_slug = {r.slug: (r, forecasts.get(r.id)) for r in rows}
    return entries, by_slug


def _trend_or_404(session: SessionDep, slug: str) -> Row[Any]:
    row = store.get_trend(session, slug)
    if row is None:
        raise ApiError(404, "not_found", f"no trend with slug {slug!r}")
    return row


def _check_range(start: date | None, end: date | None) -> None:
    if start and end and start > end:
        raise ApiError(422, "validation_error", "'from' must not be after 'to'")


@router.get("/trends", response_model=TrendPage, summary="List, search and filter trends")
def list_trends(
    request: Request,
    session: SessionDep,
    q: Annotated[
        str | None,
        Query(
            max_length=80,
            pattern=NO_CONTROL,
            description="Names, keywords, skills, interests, aliases",
        ),
    ] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    interest: Annotated[str | None, Query(max_length=40, description="Interest tag")] = None,
    status: Annotated[
        Literal["surging", "rising", "steady", "falling"] | None,
        Query(description="급상승/상승/정체/하락"),
    ] = None,
    skill: Annotated[
        str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="A core skill (slug)")
    ] = None,
    sort: Annotated[
        Literal["velocity", "forecast", "name"] | None,
        Query(description="Default: relevance when searching, else Velocity Score"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> TrendPage:
    """Trends by their latest Velocity Score (fastest first), or by relevance to ``q``."""
    entries, by_slug = _explorer(request, session, category=category, interest=interest)
    aliases = explore.load_aliases(runtime_of(request).settings.data_dir / "trends" / ALIASES)
    chosen = explore.select(
        entries, query=q, status=status, skill=skill, sort=sort, aliases=aliases
    )
    data_dir = runtime_of(request).settings.data_dir
    cats = load_categories(data_dir)
    page = [by_slug[e.slug] for e in chosen[offset : offset + limit]]
    moves = movements(session, [r.id for r, _ in page])
    return TrendPage(
        total=len(chosen),
        items=[_summary(r, f, cats, moves.get(r.id)) for r, f in page],
        **_facets(entries, load_taxonomy(data_dir), cats),
    )


def _facets(
    entries: Sequence[explore.Entry], taxonomy: Taxonomy, cats: Mapping[str, Any]
) -> dict[str, list[Facet]]:
    """Categories (catalog order) and core skills (taxonomy order) with their trend counts."""
    by_cat = Counter(e.category for e in entries)
    by_skill = Counter(s for e in entries for s in e.core_skills)
    return {
        "categories": [
            Facet(slug=c.slug, ko=c.ko, en=c.en, count=by_cat[c.slug])
            for c in cats.values()
            if by_cat[c.slug]
        ],
        "skills": [
            Facet(slug=s.slug, ko=s.ko, en=s.en, count=by_skill[s.slug])
            for s in taxonomy.skills.values()
            if by_skill[s.slug]
        ],
    }


@router.get(
    "/trends/{slug}",
    response_model=TrendDetail,
    responses=error_responses(404),
    summary="One trend in full",
)
def trend_detail(request: Request, session: SessionDep, slug: Slug) -> TrendDetail:
    """Catalog content, latest Velocity Score, why it is what it is, and related trends."""
    row = _trend_or_404(session, slug)
    attrs = row.attrs
    entries, by_slug = _explorer(request, session, category=None, interest=None)
    target = next((e for e in entries if e.slug == slug), None)
    near = explore.related(target, entries) if target is not None else []
    cats = load_categories(runtime_of(request).settings.data_dir)
    forecast = store.latest_forecasts(session, [row.id]).get(row.id)
    move = movements(session, [row.id]).get(row.id)
    return TrendDetail(
        **_summary(row, forecast, cats, move).model_dump(),
        related=[_summary(by_slug[e.slug][0], by_slug[e.slug][1], cats) for e in near],
        description_ko=row.description_ko,
        description_en=row.description_en,
        value_profile=attrs.get("value_profile", {}),
        keywords_ko=attrs.get("keywords_ko", []),
        keywords_en=attrs.get("keywords_en", []),
        sources=attrs.get("sources", []),
        contributions=contributions(row.contributions),
        provenance=indicator_provenance(store_chain.origin_summary(session, row.id)),
    )


def indicator_provenance(rows: Sequence[Row[Any]]) -> list[IndicatorProvenance]:
    """Per indicator, its values' origins (most recent first) and the share of demo values."""
    out = []
    for name in INDICATORS:
        mine = [r for r in rows if r.indicator == name]
        total = sum(r.n for r in mine)
        demo = sum(r.n for r in mine if provenance.origin_of(r.source, r.import_file) == "demo")
        uses = []
        for r in mine:
            info = provenance.describe(r.source, r.import_file, None, r.fetched_at)
            uses.append(
                SourceUse(
                    origin=info["origin"],
                    source=r.source,
                    label_ko=str(info["label_ko"]),
                    url=info["url"],
                    import_file=r.import_file,
                    values=r.n,
                    last_week=r.last_week,
                    fetched_at=r.fetched_at,
                )
            )
        out.append(
            IndicatorProvenance(
                indicator=name,
                label_ko=INDICATOR_META[name].ko,
                label_en=INDICATOR_META[name].en,
                synthetic_share=round(demo / total, 4) if total else None,
                sources=uses,
            )
        )
    return out


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
            IndicatorPoint(
                week=r.week,
                value=r.value,
                source=r.source,
                origin=provenance.origin_of(r.source, r.import_file),
                import_file=r.import_file,
                import_row=r.import_row,
                fetched_at=r.ingested_at,
            )
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
            synthetic_share=_share(r.synthetic_share),
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

    def lookup() -> tuple[list[Row[Any]], dict[int, Row[Any]], dict[int, Row[Any]], Any]:
        with runtime.db.sessions() as session:
            rows = vectors.nearest(session, query, body.k)
            ids = [r.id for r in rows]
            return (
                rows,
                store.latest_velocity(session, ids),
                store.latest_forecasts(session, ids),
                movements(session, ids),
            )

    rows, velocity, forecasts, moves = await run_in_threadpool(lookup)
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
                velocity=_velocity(v, moves.get(r.id)) if v is not None else None,
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
