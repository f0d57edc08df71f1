"""The trend service's forecasts: train on the stored panel, predict every trend, store, serve.

The model code lives in :mod:`trendpath.trends.forecast`; this module feeds it the database's
indicator panel with the Velocity Score as target, keeps the registry under the state folder
(``<state_dir>/models/forecast``) and writes one forecast row per trend and origin week.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trendpath.kit.db import Database
from trendpath.kit.metrics import set_model_version
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import run_abandonable
from trendpath.kit.settings import Settings
from trendpath.trends import models as m
from trendpath.trends import store
from trendpath.trends.forecast import (
    Forecast,
    LoadedModel,
    Panel,
    PanelError,
    RegistryError,
    ensure_model,
    predict_all,
)
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.recompute import load_panel
from trendpath.trends.velocity import compute_velocity

log = logging.getLogger(__name__)

CHECK_EVERY_S = 3600.0


@dataclass(frozen=True)
class ForecastRun:
    """What one refresh did."""

    model_version: str
    week: str
    stored: int
    skipped: int


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


def forecast_rows(fc: Forecast, ids: dict[str, int]) -> list[dict[str, Any]]:
    """Rows for ``trends.forecast`` from a batched forecast."""
    return [
        {
            "trend_id": ids[sid],
            "week": fc.week,
            "horizon_weeks": fc.horizon,
            "point": float(p),
            "lo": float(min(lo, p)),
            "hi": float(max(hi, p)),
            "model_version": fc.model_version,
        }
        for sid, p, lo, hi in zip(fc.series_ids, fc.point, fc.lower, fc.upper, strict=True)
        if np.isfinite(p) and np.isfinite(lo) and np.isfinite(hi)
    ]


def save_forecasts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Upsert forecast rows (re-running the same model and week replaces its values)."""
    if not rows:
        return
    stmt = insert(m.forecast).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["trend_id", "week", "model_version"],
        set_={c: stmt.excluded[c] for c in ("horizon_weeks", "point", "lo", "hi")},
    )
    session.execute(stmt)


def refresh(db: Database, settings: Settings, *, kind: str = "gru") -> ForecastRun | None:
    """Train a model if none fits the panel, predict every trend from the last week, store.

    Reading, training and writing use separate short units of work: no transaction stays open
    while a model trains. Returns None when there is no indicator data yet.
    """
    with db.session_scope() as session:
        panel, ids = db_panel(session)
    if not panel.series_ids:
        return None
    model: LoadedModel = ensure_model(registry_dir(settings), panel, kind=kind)
    fc = predict_all(model, panel)
    rows = forecast_rows(fc, ids)
    with db.session_scope() as session:
        save_forecasts(session, rows)
    set_model_version("forecast", model.version)
    log.info("forecasts stored", extra={"model": model.version, "rows": len(rows)})
    return ForecastRun(model.version, fc.week.isoformat(), len(rows), len(fc.skipped))


def is_stale(db: Database) -> bool:
    """True when indicators exist for a week that has no stored forecast yet."""
    with db.session_scope() as session:
        last_data = session.execute(select(func.max(m.velocity.c.week))).scalar()
        last_fc = session.execute(select(func.max(m.forecast.c.week))).scalar()
    return last_data is not None and (last_fc is None or last_fc < last_data)


async def forecast_job(runtime: Runtime) -> None:
    """Background job: forecast the newest week whenever it has none (first start trains)."""
    while True:
        try:
            if await run_in_threadpool(is_stale, runtime.db):
                await run_abandonable(refresh, runtime.db, runtime.settings)
        except (RegistryError, PanelError) as exc:
            log.warning("forecasts not refreshed", extra={"reason": str(exc)})
        await asyncio.sleep(CHECK_EVERY_S)
