"""The trend service's part of the automatic chain, run by its job queue (``trends.job``):

    indicators written ──► ``velocity`` job ──► ``forecast`` job ──► trend events (outbox)
    (import, collection)    recompute scores      refresh forecasts      followed by other services

* Every writer of indicators enqueues ``velocity`` in its own transaction
  (:func:`enqueue_velocity`), so the job exists exactly when the values do; a CSV import
  runs the step inline, in the same transaction, and the job finds nothing left to do.
* :func:`velocity_step` recomputes every score, writes a ``velocity`` event for each trend
  whose latest score moved, enqueues ``forecast`` and notifies live pages — one transaction,
  together with the job's completion.
* The ``forecast`` job refreshes forecasts (:func:`refresh_forecasts`, one function so the
  forecasting code can change behind it), then writes ``forecast`` events and completes in one
  transaction. A crash between the two re-runs the refresh, which replaces what it stored.

Trend events are served at ``GET /v1/events`` (the users service follows them to re-match
affected users) and announced with ``NOTIFY trendpath_trend_events``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from trendpath.kit import live
from trendpath.kit.jobqueue import Job, JobQueue, RetryPolicy
from trendpath.kit.jobworker import Worker
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import run_abandonable
from trendpath.kit.settings import Settings
from trendpath.trends import store, store_chain
from trendpath.trends.csvio import ImportReport, import_csv
from trendpath.trends.demo import DEMO_SOURCE
from trendpath.trends.movement import LOOKBACK_WEEKS, movement
from trendpath.trends.recompute import recompute_all

if TYPE_CHECKING:
    from trendpath.trends.forecasting import ForecastRun

log = logging.getLogger(__name__)

VELOCITY = "velocity"
FORECAST = "forecast"
ALL_TRENDS = "all-trends"
TREND_KEY = "trend:"
EVENT_KEEP_DAYS = 30


def queue(settings: Settings) -> JobQueue:
    """The trend service's job queue with the configured retry policy."""
    return JobQueue("trends", RetryPolicy.from_settings(settings))


def enqueue_velocity(session: Session, reason: str, trend_ids: Iterable[int] | None = None) -> None:
    """Ask for a Velocity recompute of ``trend_ids`` (None: every trend) once this transaction
    commits; it coalesces with a pending one (the payload collects the trends)."""
    payload: dict[str, Any] = {reason[:100]: True}
    if trend_ids is None:
        payload[ALL_TRENDS] = True
    else:
        payload.update({f"{TREND_KEY}{tid}": True for tid in trend_ids})
    JobQueue("trends").enqueue(session, VELOCITY, payload=payload)


def _payload_trends(payload: dict[str, Any]) -> set[int] | None:
    if ALL_TRENDS in payload:
        return None
    ids = {int(k[len(TREND_KEY) :]) for k in payload if k.startswith(TREND_KEY)}
    return ids or None


@dataclass
class StepReport:
    """What a chain step changed."""

    rows: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)


def velocity_step(session: Session, trend_ids: Iterable[int] | None = None) -> StepReport:
    """Recompute the scores of ``trend_ids`` (None: every trend; a trend's scores depend on its
    own values only); events and live notices for trends whose latest score changed; the
    forecast refresh enqueued. The caller's transaction holds it all.

    A pending Velocity job is taken over when this step covers it (every trend, or the job's
    trends are among ``trend_ids``)."""
    ids = None if trend_ids is None else sorted(set(trend_ids))
    _take_over_pending(session, ids)
    recent = store_chain.recent_velocity(session, LOOKBACK_WEEKS, ids)
    before = {tid: rows[-1] for tid, rows in recent.items()}
    report = StepReport(rows=recompute_all(session, trend_ids=ids))
    for tid, rows in store_chain.recent_velocity(session, LOOKBACK_WEEKS, ids).items():
        last, old = rows[-1], before.get(tid)
        if (
            old is not None
            and old.week == last.week
            and abs(old.score - last.score) < 1e-9
            and old.synthetic_share == last.synthetic_share
        ):
            continue
        report.events.append(
            {
                "kind": VELOCITY,
                "slug": last.slug,
                "week": last.week,
                "data": {
                    "name_ko": last.name_ko,
                    "score": round(last.score, 3),
                    "previous": round(old.score, 3) if old is not None else None,
                    "synthetic_share": last.synthetic_share,
                    "movement": movement(
                        [r.score for r in rows], [list(r.contributions) for r in rows]
                    ),
                },
            }
        )
    _announce(session, report.events)
    JobQueue("trends").enqueue(session, FORECAST, payload={"after_velocity": True})
    return report


def _take_over_pending(session: Session, ids: list[int] | None) -> None:
    pending = session.execute(
        text(
            "SELECT payload FROM trends.job WHERE kind = :kind AND key = '' AND state = 'pending'"
        ),
        {"kind": VELOCITY},
    ).scalar()
    if pending is None:
        return
    wanted = _payload_trends(dict(pending))
    if ids is None or (wanted is not None and wanted <= set(ids)):
        JobQueue("trends").discard_pending(session, VELOCITY)


def _announce(session: Session, events: list[dict[str, Any]]) -> None:
    newest = store_chain.insert_events(session, events)
    if newest is None:
        return
    topics = {f"trend:{e['slug']}" for e in events} | {"trends"}
    live.publish(session, topics, f"t{newest}")


def import_and_recompute(session: Session, raw: bytes, file_name: str) -> tuple[ImportReport, int]:
    """Import a CSV and, when it changed anything, run the Velocity step in the same transaction
    (scores, events, forecast job, live notices); (the import's report, scores written)."""
    report = import_csv(session, raw, source=f"csv:{file_name}", file_name=file_name)
    if not report.written:
        return report, 0
    return report, velocity_step(session, report.trend_ids).rows


def drop_demo(session: Session) -> tuple[int, int]:
    """Remove every demo-synthetic value, and the scores and forecasts of trends left without
    data; then the Velocity step. (values removed, scores written)."""
    removed = session.execute(
        text("DELETE FROM trends.indicator_value WHERE source = :demo"), {"demo": DEMO_SOURCE}
    ).rowcount  # type: ignore[attr-defined]
    for table in ("velocity", "forecast"):
        session.execute(
            text(
                f"DELETE FROM trends.{table} WHERE trend_id NOT IN "
                "(SELECT DISTINCT trend_id FROM trends.indicator_value)"
            )
        )
    return int(removed), velocity_step(session).rows


def refresh_forecasts(runtime: Runtime) -> ForecastRun | None:
    """Refresh every trend's forecast from the stored panel (the one call the chain makes into
    forecasting; it must be idempotent: a re-run replaces what the last one stored)."""
    # Imported here: the forecasting stack loads torch, which Velocity-only workers never need.
    from trendpath.trends.forecasting import refresh

    return refresh(runtime.db, runtime.settings)


def _forecast_snapshot(session: Session) -> dict[int, tuple[Any, ...]]:
    return {
        tid: (r.slug, r.week, r.point, r.lo, r.hi, r.model_version)
        for tid, r in store.latest_forecasts(session).items()
    }


async def _run_velocity(runtime: Runtime, job: Job) -> None:
    q = queue(runtime.settings)

    def step() -> None:
        with runtime.db.session_scope() as session:
            report = velocity_step(session, _payload_trends(job.payload))
            q.complete(session, job)
            store_chain.prune_events(session, EVENT_KEEP_DAYS)
        log.info("velocity recomputed", extra={"rows": report.rows, "events": len(report.events)})

    await run_abandonable(step)


async def _run_forecast(runtime: Runtime, job: Job) -> None:
    q = queue(runtime.settings)

    def snapshot() -> dict[int, tuple[Any, ...]]:
        with runtime.db.session_scope() as session:
            return _forecast_snapshot(session)

    before = await run_abandonable(snapshot)
    run = await run_abandonable(refresh_forecasts, runtime)

    def finish() -> int:
        with runtime.db.session_scope() as session:
            after = _forecast_snapshot(session)
            events = [
                {
                    "kind": FORECAST,
                    "slug": now[0],
                    "week": now[1],
                    "data": {"point": now[2], "lo": now[3], "hi": now[4], "model_version": now[5]},
                }
                for tid, now in sorted(after.items())
                if before.get(tid) != now
            ]
            _announce(session, events)
            q.complete(session, job)
            return len(events)

    changed = await run_abandonable(finish)
    log.info(
        "forecasts refreshed",
        extra={"model": run.model_version if run else None, "events": changed},
    )


def worker(settings: Settings) -> Worker:
    """The trend service's queue worker."""
    return Worker(
        queue(settings),
        {VELOCITY: _run_velocity, FORECAST: _run_forecast},
        poll_s=settings.jobs_poll_s,
    )


async def chain_job(runtime: Runtime) -> None:
    """Background job: drain the trend service's queue for as long as the service runs."""
    await worker(runtime.settings).run(runtime)
