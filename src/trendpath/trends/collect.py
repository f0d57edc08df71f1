"""The weekly collection job: every configured source, the catalog's trends, the recent weeks.

Sources run concurrently (each behind its own rate limiter); a source without keys is skipped
with one log line naming the setting. Each source ends ``ok``, ``partial`` or ``failed`` (see
:mod:`trendpath.trends.collect_report`); a source whose every request failed is a failure,
never "ok". Each source's values are written in their own unit of work
through the idempotent upsert, so a second run over the same weeks changes nothing, and one
failing source never loses another's rows. When any value was new or changed, the Velocity
history is recomputed in a unit of work of its own - and also when an earlier run stored values
but died before that recompute (see :func:`~trendpath.trends.recompute.velocity_stale`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections.abc import Sequence
from functools import partial

from trendpath.kit.auth import service_tokens
from trendpath.kit.db import Database
from trendpath.kit.runtime import Runtime
from trendpath.trends import chain, store, store_chain
from trendpath.trends.catalog import Trend, load_catalog
from trendpath.trends.collect_report import CollectReport, SourceReport
from trendpath.trends.demo_data import trend_row
from trendpath.trends.indicators import INDICATOR_META
from trendpath.trends.recompute import velocity_stale
from trendpath.trends.sources.base import (
    Problem,
    Source,
    SourceNotConfigured,
    SourceResult,
    check_weeks,
    iso_monday,
    recent_weeks,
)
from trendpath.trends.sources.funding import NewsFundingSource
from trendpath.trends.sources.ratelimit import korean_today
from trendpath.trends.sources.registry import SOURCE_NAMES, build_source, source_class

log = logging.getLogger(__name__)


async def collect(
    runtime: Runtime,
    *,
    names: Sequence[str] | None = None,
    weeks: Sequence[dt.date] | None = None,
    trends: Sequence[Trend] | None = None,
    sources: Sequence[Source] | None = None,
) -> CollectReport:
    """Collect indicators for ``trends`` (default: the catalog) over ``weeks`` (default: the last
    ``trend_collect_weeks`` complete weeks) from ``sources`` (default: every source in ``names``
    or all, built from settings; unconfigured ones are skipped), store them and recompute Velocity.
    Sources passed in stay open; sources built here are closed.
    """
    settings = runtime.settings
    wanted = check_weeks(weeks or recent_weeks(settings.trend_collect_weeks, korean_today()))
    chosen = list(trends) if trends is not None else load_catalog(settings.data_dir)
    report = CollectReport(weeks=wanted)
    owned: list[Source] = []
    if sources is None:
        owned = _build(runtime, names or SOURCE_NAMES, report)
    active = list(sources) if sources is not None else owned
    try:
        results = await asyncio.gather(*(_run(s, chosen, wanted) for s in active))
    finally:
        for source in owned:
            await source.aclose()
    ids = await asyncio.to_thread(_trend_ids, runtime.db, chosen)
    for source, outcome in zip(active, results, strict=True):
        report.sources.append(await _store(runtime.db, source, outcome, ids, len(chosen)))
    await asyncio.to_thread(_record_runs, runtime.db, report)
    # Indicators and Velocity are separate units of work: a run killed between them leaves
    # Velocity behind, and the next run (which finds every value already stored) repairs it.
    if report.rows or await asyncio.to_thread(_velocity_stale, runtime.db):
        report.velocity_rows = await asyncio.to_thread(_recompute, runtime.db)
    return report


def _build(runtime: Runtime, names: Sequence[str], report: CollectReport) -> list[Source]:
    built: list[Source] = []
    for name in names:
        try:
            source = build_source(name, runtime.settings, runtime.clients)
        except SourceNotConfigured as exc:
            log.info("trend source skipped: %s", exc, extra={"source": name})
            indicator = source_class(name).indicator
            report.sources.append(SourceReport(name, indicator, "skipped", detail=str(exc)))
            continue
        auth_reachable = runtime.settings.service_url("auth") or "auth" in runtime.clients.apps
        if isinstance(source, NewsFundingSource) and auth_reachable:
            source.auth_headers = partial(service_tokens(runtime, "trends").headers, ["news:read"])
        built.append(source)
    return built


async def _run(
    source: Source, trends: Sequence[Trend], weeks: Sequence[dt.date]
) -> SourceResult | Exception:
    try:
        return await source.fetch(trends, weeks)
    except Exception as exc:  # a bug in one connector must not lose the others' data
        log.exception("trend source crashed", extra={"source": source.name})
        return exc


def _trend_ids(db: Database, trends: Sequence[Trend]) -> dict[str, int]:
    """slug → id, inserting catalog trends the database does not have yet."""
    with db.session_scope() as session:
        ids = store.trend_ids(session)
        missing = [t for t in trends if t.slug not in ids]
        if missing:
            ids.update(store.upsert_trends(session, [trend_row(t) for t in missing]))
    return ids


async def _store(
    db: Database,
    source: Source,
    outcome: SourceResult | Exception,
    ids: dict[str, int],
    trends: int,
) -> SourceReport:
    if isinstance(outcome, Exception):
        detail = f"crashed: {type(outcome).__name__}: {outcome}"
        return SourceReport(source.name, source.indicator, "failed", detail=detail, trends=trends)
    report = SourceReport(
        source.name, source.indicator, "ok", problems=list(outcome.problems), trends=trends
    )
    rows = _rows(outcome, ids, report.problems)
    report.values = len(rows)
    if rows:
        report.rows = await asyncio.to_thread(_write, db, rows, source.name)
    if outcome.documents:
        await asyncio.to_thread(_write_documents, db, outcome.documents, ids)
    report.settle()
    log.log(
        logging.INFO if report.status == "ok" else logging.WARNING,
        "trend source collected",
        extra={
            "source": source.name,
            "status": report.status,
            "values": report.values,
            "changed": report.rows,
            "problems": len(report.problems),
        },
    )
    return report


def _rows(
    result: SourceResult, ids: dict[str, int], problems: list[Problem]
) -> list[store.IndicatorRow]:
    counts = INDICATOR_META[result.indicator].kind == "count"
    current = iso_monday(korean_today())
    rows: list[store.IndicatorRow] = []
    unknown: set[str] = set()
    for (slug, week), value in sorted(result.values.items()):
        if slug not in ids:
            unknown.add(slug)
            continue
        if week > current:  # the import rules: a future week is refused, never stored
            problems.append(Problem(slug, f"dropped value for future week {week}"))
            continue
        if not math.isfinite(value) or (counts and value < 0):
            problems.append(Problem(slug, f"dropped invalid value {value!r} for {week}"))
            continue
        rows.append(store.IndicatorRow(ids[slug], result.indicator, week, value, result.source))
    problems += [Problem(s, "trend not in the database") for s in sorted(unknown)]
    return rows


def _write(db: Database, rows: list[store.IndicatorRow], source: str) -> int:
    # The Velocity job is enqueued with the values: a run killed before its own recompute
    # leaves the job behind for the service's worker.
    with db.session_scope() as session:
        changed = store.upsert_indicators(session, rows)
        if changed:
            chain.enqueue_velocity(session, f"collect:{source}", {r.trend_id for r in rows})
        return changed


def _write_documents(db: Database, documents: dict[str, list[dict]], ids: dict[str, int]) -> None:
    with db.session_scope() as session:
        for slug, docs in documents.items():
            if slug in ids:
                store_chain.upsert_policy_documents(session, ids[slug], docs)


def _record_runs(db: Database, report: CollectReport) -> None:
    with db.session_scope() as session:
        for s in report.sources:
            store_chain.record_source_run(
                session,
                {
                    "source": s.source,
                    "status": s.status,
                    "values": s.values,
                    "changed": s.rows,
                    "problems": len(s.problems),
                    "detail": (s.detail or "; ".join(p.message for p in s.problems[:3]))[:500],
                },
            )


def _velocity_stale(db: Database) -> bool:
    with db.session_scope() as session:
        return velocity_stale(session)


def _recompute(db: Database) -> int:
    with db.session_scope() as session:
        return chain.velocity_step(session).rows
