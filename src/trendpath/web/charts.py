"""Chart geometry for inline SVG, computed on the server (no chart library, no build step).

Functions here are pure: they take numbers from the services' answers and return the shapes a
template draws (SVG path data, bar extents) plus a text alternative, so the charts are readable
with a screen reader and without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sparkline:
    """A Velocity Score line with an optional forecast point and its interval band."""

    width: int
    height: int
    line: str
    band: str = ""
    forecast_line: str = ""
    forecast_dot: tuple[float, float] | None = None
    last_dot: tuple[float, float] | None = None
    summary_ko: str = ""


def _scale(lo: float, hi: float, size: float, pad: float) -> Any:
    span = (hi - lo) or 1.0

    def at(value: float) -> float:
        return round(pad + (size - 2 * pad) * (value - lo) / span, 1)

    return at


def _levels(last: float, forecast: dict[str, Any] | None) -> dict[str, float] | None:
    """The forecast as score levels: the trends service serves a *change* over the horizon."""
    if not forecast:
        return None
    return {
        "horizon": float(forecast.get("horizon_weeks", 4)),
        "change": float(forecast["point"]),
        "point": last + float(forecast["point"]),
        "lo": last + float(forecast["lo"]),
        "hi": last + float(forecast["hi"]),
    }


def sparkline(
    scores: list[float], forecast: dict[str, Any] | None, width: int = 240, height: int = 64
) -> Sparkline | None:
    """The history line, then a dashed segment to the forecast with its lo–hi band.

    ``forecast`` holds the forecast change of the score (``point``/``lo``/``hi``) over
    ``horizon_weeks``, as the trends service serves it; it is drawn from the last score.
    None when there is nothing to draw.
    """
    if not scores:
        return None
    fc = _levels(scores[-1], forecast)
    horizon = int(fc["horizon"]) if fc else 0
    values = list(scores) + ([fc["lo"], fc["hi"], fc["point"]] if fc else [])
    lo, hi = min(values), max(values)
    margin = max(2.0, (hi - lo) * 0.1)
    y_of = _scale(hi + margin, lo - margin, height, 4)
    x_of = _scale(0, max(1, len(scores) - 1 + horizon), width, 4)
    points = [(x_of(i), y_of(v)) for i, v in enumerate(scores)]
    line = "M" + " L".join(f"{x},{y}" for x, y in points)
    last = points[-1]
    summary = f"최근 {len(scores)}주 Velocity Score {scores[0]:.0f}에서 {scores[-1]:.0f}"
    if not fc:
        return Sparkline(width, height, line, last_dot=last, summary_ko=summary)
    fx, fy = x_of(len(scores) - 1 + horizon), y_of(fc["point"])
    band = f"M{last[0]},{last[1]} L{fx},{y_of(fc['hi'])} L{fx},{y_of(fc['lo'])} Z"
    summary += (
        f", {horizon}주 뒤 예측 {fc['point']:.0f}({fc['change']:+.1f}점, "
        f"범위 {fc['lo']:.0f}–{fc['hi']:.0f})"
    )
    return Sparkline(
        width,
        height,
        line,
        band=band,
        forecast_line=f"M{last[0]},{last[1]} L{fx},{fy}",
        forecast_dot=(fx, fy),
        last_dot=last,
        summary_ko=summary,
    )


@dataclass(frozen=True)
class Bar:
    """One indicator's contribution: a bar from the zero line, left when negative."""

    label: str
    points: float
    x: float
    width: float
    negative: bool


def contribution_bars(
    contributions: list[dict[str, Any]], width: int = 200, label: str = "label_ko"
) -> list[Bar]:
    """Bars for the per-indicator contributions (points of Velocity Score), zero in the middle.

    ``label`` names the field to show (``label_ko`` or ``label_en``), the indicator id if absent.
    """
    if not contributions:
        return []
    biggest = max(abs(float(c["points"])) for c in contributions) or 1.0
    half = width / 2
    bars = []
    for c in contributions:
        pts = float(c["points"])
        length = round(half * abs(pts) / biggest, 1)
        x = half - length if pts < 0 else half
        bars.append(Bar(str(c.get(label) or c["indicator"]), round(pts, 1), x, length, pts < 0))
    return bars


def meter(value: float | None) -> int | None:
    """A 0..1 value as a whole percentage for a meter, or None when unknown."""
    if value is None:
        return None
    return max(0, min(100, round(float(value) * 100)))
