"""Recompute the stored Velocity Score history from the stored indicators (weekly job)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from trendpath.trends import models as m
from trendpath.trends import store
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.velocity import VelocityConfig, compute_velocity


def load_panel(session: Session) -> tuple[list[int], list[date], np.ndarray]:
    """Every trend's indicators as (trend ids, weeks, values[n_trends, n_weeks, 5]); gaps = NaN."""
    rows = store.panel_values(session)
    ids = sorted({r.trend_id for r in rows})
    weeks = sorted({r.week for r in rows})
    tix = {t: i for i, t in enumerate(ids)}
    wix = {w: i for i, w in enumerate(weeks)}
    iix = {name: i for i, name in enumerate(INDICATORS)}
    values = np.full((len(ids), len(weeks), len(INDICATORS)), np.nan)
    for r in rows:
        values[tix[r.trend_id], wix[r.week], iix[r.indicator]] = r.value
    return ids, weeks, values


def velocity_rows(
    trend_ids: Sequence[int], weeks: Sequence[date], values: np.ndarray, cfg: VelocityConfig
) -> list[dict[str, object]]:
    """Rows for ``trends.velocity`` (weeks without a score are left out)."""
    result = compute_velocity(values, cfg)
    version = cfg.version  # hashes the config: once, not once per row (15k rows: ~1 s)
    rows: list[dict[str, object]] = []
    for t, trend_id in enumerate(trend_ids):
        for w, week in enumerate(weeks):
            score = result.score[t, w]
            if not np.isfinite(score):
                continue
            rows.append(
                {
                    "trend_id": trend_id,
                    "week": week,
                    "score": float(score),
                    "contributions": [float(c) for c in result.contributions[t, w]],
                    "stability": _finite_or_none(result.stability[t, w]),
                    "config_version": version,
                }
            )
    return rows


def _finite_or_none(x: float) -> float | None:
    # Stability needs enough policy data; without it the index is unknown, stored as NULL.
    return float(x) if np.isfinite(x) else None


def recompute_all(session: Session, cfg: VelocityConfig | None = None) -> int:
    """Recompute and store every trend's Velocity history; returns the number of rows written."""
    cfg = cfg or VelocityConfig()
    ids, weeks, values = load_panel(session)
    if not ids:
        return 0
    rows = velocity_rows(ids, weeks, values, cfg)
    store.replace_velocity(session, ids, rows)
    return len(rows)


def velocity_stale(session: Session) -> bool:
    """True when an indicator value was stored after the last Velocity recompute.

    Writers that store indicators and recompute in separate transactions (the collection job)
    can die between the two; the next run then finds nothing new to write, and without this
    check the Velocity history would stay behind its indicators for good.
    """
    return store.indicators_stored_after(session, m.velocity.c.computed_at)
