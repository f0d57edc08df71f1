"""Which way a trend's Velocity Score has been moving lately, for how long, and which indicator
moved it most — what a "slowing" or "accelerating" notice says.

A week counts as a move when the score changed by more than :data:`NOISE_POINTS` against the
week before; the streak is the run of consecutive moves in one direction that ends at the latest
week. The indicator that moved is the one whose contribution to the score changed most in that
direction over the streak (contributions add up to the score exactly, see
docs/velocity-score.md), so "투자 규모 증가율 −12점" means funding took 12 points off the score
since the streak began.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from trendpath.trends.indicators import INDICATOR_META, INDICATORS

NOISE_POINTS = 0.5
"""A weekly change within ±0.5 points is not a move."""
NOTICE_WEEKS = 3
"""Streaks of at least this many weeks are worth telling users about."""
LOOKBACK_WEEKS = 12
"""How many recent weeks are read to find the streak."""


def movement(
    scores: Sequence[float], contributions: Sequence[Sequence[float]]
) -> dict[str, Any] | None:
    """The streak ending at the last week (oldest first in the inputs); None without 2 weeks."""
    if len(scores) < 2 or len(scores) != len(contributions):
        return None
    steps = [b - a for a, b in pairwise(scores)]
    last = steps[-1]
    direction = "up" if last > NOISE_POINTS else "down" if last < -NOISE_POINTS else "flat"
    weeks = 0
    if direction != "flat":
        sign = 1 if direction == "up" else -1
        for step in reversed(steps):
            if step * sign <= NOISE_POINTS:
                break
            weeks += 1
    out: dict[str, Any] = {
        "direction": direction,
        "weeks": weeks,
        "change": round(scores[-1] - scores[-1 - weeks], 2) if weeks else 0.0,
    }
    if weeks:
        out.update(_mover(contributions[-1 - weeks], contributions[-1], direction))
    return out


def _mover(before: Sequence[float], after: Sequence[float], direction: str) -> dict[str, Any]:
    deltas = [b - a for a, b in zip(before, after, strict=True)]
    sign = 1 if direction == "up" else -1
    k = max(range(len(deltas)), key=lambda i: deltas[i] * sign)
    name = INDICATORS[k]
    return {
        "indicator": name,
        "label_ko": INDICATOR_META[name].ko,
        "points": round(deltas[k], 1),
    }


def noteworthy(move: dict[str, Any] | None) -> bool:
    """A streak long enough for a notice."""
    return bool(move) and move["direction"] != "flat" and move["weeks"] >= NOTICE_WEEKS  # type: ignore[index]
