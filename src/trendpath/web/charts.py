"""Chart data for the dashboard, computed on the server as pure functions.

The Velocity chart is drawn in the browser by Chart.js (vendored under ``static/vendor``, served
by the package: no CDN, works offline) from the series computed here; the same numbers are
rendered as a data table behind every chart, so the chart reads with a screen reader and without
JavaScript. Every Velocity chart uses the same 0–100 scale, so two trends compared side by side
are on one scale (each chart scaling itself made 78 → 44 look flat). The forecast is served by the
trends service as a *change* over the horizon; it is drawn from the last score, with its 80 %
prediction interval shaded and named, and worded by the interval (:func:`kit.wording.forecast_ko`).

Contribution bars stay inline SVG (a zero line, a bar per indicator, its value written beside).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trendpath.kit.josa import josa
from trendpath.kit.wording import VELOCITY_KO, direction, forecast_ko, signed

SCALE = (0.0, 100.0)
"""The one y-axis of every Velocity chart."""


def _clip(value: float) -> float:
    return round(max(SCALE[0], min(SCALE[1], value)), 1)


def week_ko(iso: str) -> str:
    """An ISO week date as Korean text: ``2025-03-03`` → "2025년 3월 3일 주"."""
    day = dt.date.fromisoformat(iso[:10])
    return f"{day.year}년 {day.month}월 {day.day}일 주"


def _history_sentence(scores: Sequence[float]) -> str:
    first, last, n = round(scores[0]), round(scores[-1]), len(scores)
    if n == 1:
        return f"{josa(VELOCITY_KO, '은')} {last}점이에요."
    if first == last:
        return f"지난 {n}주 동안 {josa(VELOCITY_KO, '은')} {last}점 안팎을 오갔어요."
    way = "올랐어요" if last > first else "내렸어요"
    return f"지난 {n}주 동안 {josa(VELOCITY_KO, '이')} {first}점에서 {last}점으로 {way}."


def _forecast_part(last_week: dt.date, last: float, forecast: Mapping[str, Any]) -> dict[str, Any]:
    horizon = int(forecast.get("horizon_weeks", 4))
    change, lo, hi = float(forecast["point"]), float(forecast["lo"]), float(forecast["hi"])
    return {
        "weeks": [(last_week + dt.timedelta(weeks=k)).isoformat() for k in range(1, horizon + 1)],
        "horizon": horizon,
        "change": round(change, 1),
        "change_text": signed(change),
        "point": _clip(last + change),
        "lo": _clip(last + lo),
        "hi": _clip(last + hi),
        "direction": direction(change, lo, hi),
        "sentence": forecast_ko(change, lo, hi, horizon),
    }


def velocity_chart(
    points: Sequence[Mapping[str, Any]], forecast: Mapping[str, Any] | None, weeks: int = 52
) -> dict[str, Any] | None:
    """The series, labels, table rows and summary of a Velocity chart (None without history).

    ``points`` are the trends service's weekly ``{"week", "score"}`` (oldest first); the last
    ``weeks`` of them are shown.
    """
    shown = [p for p in points if p.get("score") is not None][-weeks:]
    if not shown:
        return None
    dates = [str(p["week"])[:10] for p in shown]
    scores = [round(float(p["score"]), 1) for p in shown]
    fc = (
        _forecast_part(dt.date.fromisoformat(dates[-1]), scores[-1], forecast) if forecast else None
    )
    pad: list[float | None] = [None] * (len(scores) - 1)
    chart: dict[str, Any] = {
        "labels": dates + (fc["weeks"] if fc else []),
        "history": scores + ([None] * fc["horizon"] if fc else []),
        "scale": list(SCALE),
        "rows": [{"week": week_ko(d), "score": s} for d, s in zip(dates, scores, strict=True)],
        "summary": _history_sentence(scores),
        "forecast": fc,
    }
    if fc:
        blank = [None] * (fc["horizon"] - 1)
        chart["forecast_line"] = [*pad, scores[-1], *blank, fc["point"]]
        chart["band_lo"] = [*pad, scores[-1], *blank, fc["lo"]]
        chart["band_hi"] = [*pad, scores[-1], *blank, fc["hi"]]
        chart["summary"] += " " + fc["sentence"]
    return chart


@dataclass(frozen=True)
class Bar:
    """One indicator's contribution: a bar from the zero line, left when negative."""

    label: str
    points: float
    text: str
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
        pts = round(float(c["points"]), 1)
        length = round(half * abs(pts) / biggest, 1)
        x = half - length if pts < 0 else half
        name = str(c.get(label) or c["indicator"])
        bars.append(Bar(name, pts, signed(pts), x, length, pts < 0))
    return bars


def meter(value: float | None) -> int | None:
    """A 0..1 value as a whole percentage for a meter, or None when unknown."""
    if value is None:
        return None
    return max(0, min(100, round(float(value) * 100)))
