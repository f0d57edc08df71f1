"""The trend service's forecasts: train on the stored panel, predict every trend, store, serve.

The model code lives in :mod:`trendpath.trends.forecast`; this module feeds it the database's
indicator panel with the Velocity Score as target, keeps the registry under the state folder
(``<state_dir>/models/forecast``) and writes one forecast row per trend and origin week, labelled
with the model that made it (``model``, ``kind``, ``validation_rel_mse``) and, for a trend that
got a baseline instead, the ``reason``.

:func:`refresh` is the one entry point: the background job, ``trendpath trends forecast`` and
the scheduled retrain (``--retrain``) call it, and so can any job that changed indicators. It is
idempotent: run twice on the same data it writes the same rows.

Training data: the indicators in the database. Only when the database holds no indicator values
at all does the scheduled retrain fall back to the built-in demo panel; the log line and the
registry's ``data_source`` say which (``database``: collected or imported values are stored;
``demo``: only the demo generator's).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trendpath.kit.db import Database
from trendpath.kit.metrics import set_model_version
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import run_abandonable
from trendpath.kit.settings import Settings
from trendpath.trends import models as m
from trendpath.trends import store
from trendpath.trends.demo import DEMO_SOURCE
from trendpath.trends.forecast import (
    Forecast,
    LoadedModel,
    Panel,
    PanelError,
    RegistryError,
    ensure_model,
    predict_all,
)
from trendpath.trends.forecast.base import naive_forecast
from trendpath.trends.forecast.recipe import SERVED, Recipe
from trendpath.trends.forecast.train import STOP
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.recompute import load_panel
from trendpath.trends.store import save_forecasts as save_forecasts  # the public name, kept
from trendpath.trends.velocity import compute_velocity

log = logging.getLogger(__name__)

CHECK_EVERY_S = 3600.0
HORIZON = 4
COVERAGE = 0.8


@dataclass(frozen=True)
class ForecastRun:
    """What one refresh did."""

    model_version: str
    model: str
    kind: str
    status: str
    data_source: str
    validation_rel_mse: float | None
    week: str = ""
    stored: int = 0
    skipped: int = 0
    weeks: int = 0


def registry_dir(settings: Settings) -> Path:
    """Where forecast checkpoints live."""
    return settings.state_dir / "models" / "forecast"


def db_panel(session: Session) -> tuple[Panel, dict[str, int]]:
    """The stored indicators as a forecasting panel (target: Velocity Score) + slug → id."""
    ids, weeks, values = load_panel(session)
    slug_of = {tid: slug for slug, tid in store.trend_ids(session).items()}
    panel = Panel(
        series_ids=tuple(slug_of[t] for t in ids),
        weeks=tuple(weeks),
        features=INDICATORS,
        inputs=values,
        target=compute_velocity(values).score,
        target_name="velocity",
    )
    return panel, {slug_of[t]: t for t in ids}


def data_source(session: Session) -> str:
    """``database`` when collected or imported values are stored, else ``demo``."""
    return "database" if store.has_collected_data(session, DEMO_SOURCE) else "demo"


def _labels(model: LoadedModel) -> dict[str, Any]:
    rec = model.record
    return {
        "model_version": rec.version,
        "model": rec.model_kind,
        "kind": rec.family,
        "validation_rel_mse": rec.validation_rel_mse,
        "reason": None,
        "reason_detail": None,
    }


def forecast_rows(
    fc: Forecast, ids: dict[str, int], labels: dict[str, Any]
) -> list[dict[str, Any]]:
    """Rows for ``trends.forecast`` from a batched forecast."""
    return [
        {
            **labels,
            "trend_id": ids[sid],
            "week": fc.week,
            "horizon_weeks": fc.horizon,
            "point": float(p),
            "lo": float(min(lo, p)),
            "hi": float(max(hi, p)),
        }
        for sid, p, lo, hi in zip(fc.series_ids, fc.point, fc.lower, fc.upper, strict=True)
        if np.isfinite(p) and np.isfinite(lo) and np.isfinite(hi)
    ]


def _baseline_rows(
    panel: Panel,
    ids: dict[str, int],
    week: dt.date,
    why: dict[str, tuple[str, str]],
    base: dict[str, Any],
) -> list[dict[str, Any]]:
    """Naive forecasts (interval from past changes) for the trends in ``why``, with reasons."""
    where = [panel.series_ids.index(sid) for sid in why]
    fc = naive_forecast(panel.upto(panel.week_index(week)), where, HORIZON, COVERAGE, week)
    rows = forecast_rows(fc, ids, {**base, "model": "naive", "kind": "baseline"})
    for sid, row in zip(fc.series_ids, rows, strict=True):
        code, detail = why[sid]
        # Naive is the yardstick of the gate: relative to itself its MSE is 1 by definition.
        row.update(validation_rel_mse=1.0, reason=code, reason_detail=detail)
    return rows


def week_rows(
    model: LoadedModel, panel: Panel, ids: dict[str, int], week: dt.date
) -> tuple[list[dict[str, Any]], int]:
    """Forecast rows of every trend from ``week`` + how many got a baseline.

    A trend the model cannot read (too short, a gap, an enormous outlier ...) gets the naive
    forecast with an interval from its past changes, labelled with its reason — never an
    exception. So does a trend with no Velocity Score that week (the reason says so).
    """
    fc = predict_all(model, panel, week)
    labels = _labels(model)
    rows = forecast_rows(fc, ids, labels)
    why = {i.series_id: (i.code, i.message) for i in fc.fallback}
    naive = {**labels, "model": "naive", "kind": "baseline", "validation_rel_mse": 1.0}
    slug_of = {trend_id: sid for sid, trend_id in ids.items()}
    for row in rows:
        sid = slug_of[row["trend_id"]]
        if sid in why:
            # Naive is the yardstick of the gate: relative to itself its MSE is 1.
            row.update(naive, reason=why[sid][0], reason_detail=why[sid][1])
    unknown = {i.series_id: (i.code, i.message) for i in fc.skipped}
    if unknown:
        rows += _baseline_rows(panel, ids, week, unknown, labels)
    return rows, len(why) + len(unknown)


def _origins(
    session: Session, panel: Panel, ids: dict[str, int], slugs: Collection[str] | None
) -> dict[dt.date, set[int]]:
    """Origin week -> trends to forecast: the last week, plus stored weeks whose data changed."""
    wanted = {ids[s] for s in (ids if slugs is None else slugs) if s in ids}
    out: dict[dt.date, set[int]] = {panel.weeks[-1]: set(wanted)}
    on_calendar = set(panel.weeks)
    for trend_id, week in store.revised_forecasts(session):
        if trend_id in wanted and week in on_calendar:
            out.setdefault(week, set()).add(trend_id)
    return out


def _training_panel(session: Session, panel: Panel, retrain: bool) -> tuple[Panel | None, str]:
    if panel.series_ids:
        return panel, data_source(session)
    if not retrain:
        return None, "demo"
    from trendpath.trends.forecast import demo_panel

    return demo_panel(), "demo"  # an empty database: the built-in demo panel, labelled


def refresh(
    db: Database,
    settings: Settings,
    *,
    slugs: Collection[str] | None = None,
    retrain: bool = False,
    recipe: Recipe = SERVED,
) -> ForecastRun | None:
    """Forecast every trend (or ``slugs``) from the last week and re-forecast revised weeks.

    Gets the served model first (:func:`~trendpath.trends.forecast.ensure_model`: trains the
    served recipe when no model fits, always with ``retrain``; falls back to the last good
    model or a baseline when a new one fails the gate). Reading, training and writing use
    separate short units of work: no transaction stays open while a model trains. Idempotent.
    Returns None when there is nothing to forecast (and nothing was trained).
    """
    with forecast_lock(db):
        return _refresh(db, settings, slugs=slugs, retrain=retrain, recipe=recipe)


FORECAST_LOCK = 7_310_852_144_097_321_586
"""PostgreSQL advisory lock key held while one process refreshes forecasts."""


@contextmanager
def forecast_lock(db: Database) -> Iterator[None]:
    """One refresh at a time, across jobs and processes (the hourly check, the chain's
    forecast step, a worker process, the CLI): a second caller waits, then finds the model
    the first one trained instead of training a second one beside it."""
    with db.engine.connect() as conn:
        conn.execute(text("SET statement_timeout = 0"))  # waiting out a training is the point
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": FORECAST_LOCK})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": FORECAST_LOCK})
            conn.execute(text("RESET statement_timeout"))
            conn.commit()


def _refresh(
    db: Database,
    settings: Settings,
    *,
    slugs: Collection[str] | None,
    retrain: bool,
    recipe: Recipe,
) -> ForecastRun | None:
    with db.session_scope() as session:
        panel, ids = db_panel(session)
        train_on, source = _training_panel(session, panel, retrain)
    if train_on is None:
        return None
    try:
        model = ensure_model(
            registry_dir(settings), train_on, recipe=recipe, data_source=source, retrain=retrain
        )
    except PanelError as exc:  # no series can even fit a baseline: every trend gets naive
        log.warning("no model can be trained on these data", extra={"reason": str(exc)})
        return _store_naive(db, panel, ids, slugs, source, exc)
    run = _announce(model, source)
    if not panel.series_ids:
        return run
    with db.session_scope() as session:
        origins = _origins(session, panel, ids, slugs)
    rows: list[dict[str, Any]] = []
    skipped = 0
    for week, trend_ids in sorted(origins.items()):
        found, n_skipped = week_rows(model, panel, ids, week)
        rows += [r for r in found if r["trend_id"] in trend_ids]
        skipped += n_skipped if week == panel.weeks[-1] else 0
    return _save(db, rows, replace(run, skipped=skipped, weeks=len(origins)), panel)


def _announce(model: LoadedModel, source: str) -> ForecastRun:
    """Log and export which model serves (and what it was trained on)."""
    rec = model.record
    run = ForecastRun(
        model_version=rec.version,
        model=rec.model_kind,
        kind=rec.family,
        status=model.status,
        data_source=source,
        validation_rel_mse=rec.validation_rel_mse,
    )
    log.info(
        "forecast model ready",
        extra={
            "model": run.model,
            "version": run.model_version,
            "status": run.status,
            "data_source": source,
            "validation_rel_mse": run.validation_rel_mse,
        },
    )
    set_model_version("forecast", model.version)
    return run


def _store_naive(
    db: Database,
    panel: Panel,
    ids: dict[str, int],
    slugs: Collection[str] | None,
    source: str,
    exc: PanelError,
) -> ForecastRun | None:
    if not panel.series_ids:
        return None
    keep = set(ids) if slugs is None else set(slugs) & set(ids)
    why = {sid: (exc.code, str(exc)) for sid in panel.series_ids if sid in keep}
    base = {"model_version": "naive", "validation_rel_mse": 1.0}
    rows = _baseline_rows(panel, ids, panel.weeks[-1], why, base) if why else []
    run = ForecastRun("naive", "naive", "baseline", "fallback", source, 1.0, skipped=len(why))
    return _save(db, rows, run, panel)


def _save(db: Database, rows: list[dict[str, Any]], run: ForecastRun, panel: Panel) -> ForecastRun:
    with db.session_scope() as session:
        store.save_forecasts(session, rows)
    log.info("forecasts stored", extra={"model": run.model_version, "rows": len(rows)})
    return replace(run, week=panel.weeks[-1].isoformat(), stored=len(rows))


def is_stale(db: Database) -> bool:
    """True when the newest week has no forecast yet, or indicators changed since the last one."""
    with db.session_scope() as session:
        last_data = session.execute(select(func.max(m.velocity.c.week))).scalar()
        last_fc = session.execute(select(func.max(m.forecast.c.week))).scalar()
        if last_data is None:
            return False
        return last_fc is None or last_fc < last_data or store.forecasts_behind(session)


def _stoppable_refresh(stop: threading.Event, db: Database, settings: Settings) -> None:
    token = STOP.set(stop)  # this thread's training checks the event between batches
    try:
        refresh(db, settings)
    finally:
        STOP.reset(token)


async def forecast_job(runtime: Runtime) -> None:
    """Background job: forecast the newest week whenever it has none (first start trains).

    On shutdown a training in progress is stopped between two batches (nothing is registered)
    instead of being left inside torch while the interpreter exits.
    """
    while True:
        try:
            if await run_in_threadpool(is_stale, runtime.db):
                stop = threading.Event()
                await run_abandonable(
                    _stoppable_refresh, stop, runtime.db, runtime.settings, on_cancel=stop.set
                )
        except (RegistryError, PanelError) as exc:
            log.warning("forecasts not refreshed", extra={"reason": str(exc)})
        await asyncio.sleep(CHECK_EVERY_S)
