"""Enormous outliers: one value a series cannot plausibly have (a typo, a wrong unit).

Such a value would dominate a window's scale or a training target, so ``check_panel`` reports it
(code ``outlier``) and the series gets the naive forecast with that reason instead. The rule is
deliberately loose: only values that no real series in the benchmark comes near are flagged.
"""

from __future__ import annotations

import numpy as np

OUTLIER_FACTOR = 1000.0
"""A value this many typical weekly moves (of the rest of the series) from its median is an error.

Real series stay far below it: at any forecast origin of the benchmark the most extreme value of
the 17 public weekly series scores 38, of the demo panel 40 (by :func:`outlier_at`'s measure); a
value typed in the wrong unit (x 1,000) lands in the tens of thousands. Smaller slips are
bounded by the input clipping instead."""


def outlier_at(values: np.ndarray, start: int, pooled: float) -> int | None:
    """Index of the most extreme value at or after ``start`` if it is an enormous outlier.

    Its distance from the median must exceed :data:`OUTLIER_FACTOR` times both the mean absolute
    weekly change of the rest of the series (the two changes that touch it left out, so it
    cannot hide itself) and ``pooled``, the typical weekly change of that column across the
    panel: a takeoff from a flat zero (its own history has no moves) is judged against how much
    other series move.
    """
    if values.size < 3:
        return None
    dev = np.abs(values - np.median(values))
    i = start + int(np.argmax(dev[start:]))
    steps = np.abs(np.diff(values))
    rest = np.delete(steps, [j for j in (i - 1, i) if 0 <= j < steps.size])
    spread = max(float(rest.mean()) if rest.size else 0.0, pooled)
    return i if spread > 0 and dev[i] > OUTLIER_FACTOR * spread else None


def pooled_steps(cols: np.ndarray) -> np.ndarray:
    """Per column, the median over series of each series' mean absolute weekly change.

    ``cols`` is (n_series, n_weeks, n_cols) with NaN/inf for unobserved weeks.
    """
    d = np.abs(np.diff(cols, axis=1))
    valid = np.isfinite(d)
    counts = valid.sum(axis=1)
    means = np.where(valid, d, 0.0).sum(axis=1) / np.maximum(counts, 1)
    out = np.zeros(cols.shape[2])
    for c in range(cols.shape[2]):
        seen = means[counts[:, c] > 0, c]
        out[c] = float(np.median(seen)) if seen.size else 0.0
    return out
