"""Recompute the stored Velocity Score history from the stored indicators (weekly job)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from trendpath.trends import models as m
from trendpath.trends import provenance, store
from trendpath.trends.demo import DEMO_SOURCE
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.velocity import VelocityConfig, compute_velocity


def load_panel(session: Session) -> tuple[list[int], list[date], np.ndarray]:
    """Every trend's indicators as (trend ids, weeks, values[n_trends, n_weeks, 5]); gaps = NaN."""
    ids, weeks, values, _ = load_panel_origin(session)
    return ids, weeks, values


def load_panel_origin(
    session: Session, trend_ids: Sequence[int] | None = None
) -> tuple[list[int], list[date], np.ndarray, np.ndarray]:
    """:func:`load_panel` plus a boolean array of the same shape: True where the value is
    demo-synthetic. With ``trend_ids``, only those trends, on the whole panel's week axis (so
    their scores are exactly what a full recompute gives them)."""
    rows = store.panel_values(session, trend_ids)
    ids = sorted({r.trend_id for r in rows})
    # A subset keeps the whole panel's week axis, so its scores equal a full recompute's.
    weeks = sorted({r.week for r in rows}) if trend_ids is None else store.panel_weeks(session)
    tix = {t: i for i, t in enumerate(ids)}
    wix = {w: i for i, w in enumerate(weeks)}
    iix = {name: i for i, name in enumerate(INDICATORS)}
    values = np.full((len(ids), len(weeks), len(INDICATORS)), np.nan)
    synthetic = np.zeros(values.shape, dtype=bool)
    for r in rows:
        at = tix[r.trend_id], wix[r.week], iix[r.indicator]
        values[at] = r.value
        synthetic[at] = r.source == DEMO_SOURCE
    return ids, weeks, values, synthetic


def velocity_rows(
    trend_ids: Sequence[int],
    weeks: Sequence[date],
    values: np.ndarray,
    cfg: VelocityConfig,
    synthetic: np.ndarray | None = None,
) -> list[dict[str, object]]:
    """Rows for ``trends.velocity`` (weeks without a score are left out).

    With ``synthetic`` (True where a value is demo data) each row carries the share of synthetic
    values behind it (:func:`~trendpath.trends.provenance.synthetic_share`).
    """
    result = compute_velocity(values, cfg)
    share = None
    if synthetic is not None:
        share = provenance.synthetic_share(np.isfinite(values), synthetic)
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
                    "synthetic_share": None if share is None else _finite_or_none(share[t, w]),
                }
            )
    return rows


def _finite_or_none(x: float) -> float | None:
    # Stability needs enough policy data; without it the index is unknown, stored as NULL.
    return float(x) if np.isfinite(x) else None


def recompute_all(
    session: Session, cfg: VelocityConfig | None = None, trend_ids: Sequence[int] | None = None
) -> int:
    """Recompute and store the Velocity history of every trend (or of ``trend_ids``: a trend's
    scores depend on its own values only); returns the number of rows written."""
    cfg = cfg or VelocityConfig()
    ids, weeks, values, synthetic = load_panel_origin(session, trend_ids)
    if trend_ids is not None:
        gone = sorted(set(trend_ids) - set(ids))
        if gone:  # trends left without values have no scores either
            store.replace_velocity(session, gone, [])
    if not ids:
        return 0
    rows = velocity_rows(ids, weeks, values, cfg, synthetic)
    store.replace_velocity(session, ids, rows)
    return len(rows)


def velocity_stale(session: Session) -> bool:
    """True when an indicator value was stored after the last Velocity recompute.

    Writers that store indicators and recompute in separate transactions (the collection job)
    can die between the two; the next run then finds nothing new to write, and without this
    check the Velocity history would stay behind its indicators for good.
    """
    return store.indicators_stored_after(session, m.velocity.c.computed_at)
