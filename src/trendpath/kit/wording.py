"""Korean wording of numbers the services and the dashboard show to people.

One place for the phrases more than one service writes, so a forecast or a waiting time reads the
same on every page: signed points without "-0.0", 0..1 indices as 0–100 points, waiting times in
minutes and hours rather than seconds, and forecast sentences that follow the prediction interval
(a band that spans zero is "방향이 불확실해요", never "오를 것").
"""

from __future__ import annotations

import math

VELOCITY_KO = "성장 속도 지수"
"""The one Korean name of the Velocity Score."""
STABILITY_KO = "안정성 지수"
"""The one Korean name of a trend's stability index."""
FLAT_POINTS = 0.05
"""A forecast change that rounds to 0.0 points is no change."""


def signed(value: float, digits: int = 1) -> str:
    """``+2.5`` / ``-2.5``; a value that rounds to zero is ``0.0`` (never ``-0.0``)."""
    rounded = round(float(value), digits)
    if rounded == 0:
        return f"{0:.{digits}f}"
    return f"{rounded:+.{digits}f}"


def score_100(value: float | None) -> int | None:
    """A 0..1 index as whole points out of 100 (None stays None)."""
    if value is None or math.isnan(float(value)):
        return None
    return max(0, min(100, round(float(value) * 100)))


def duration_ko(seconds: float) -> str:
    """A waiting time as people say it: "30초", "15분", "1시간", "1시간 30분"."""
    total = max(1, math.ceil(float(seconds)))
    if total < 60:
        return f"{total}초"
    minutes = math.ceil(total / 60)
    if minutes < 60:
        return f"{minutes}분"
    hours, rest = divmod(minutes, 60)
    return f"{hours}시간" + (f" {rest}분" if rest else "")


def interval_ko(lo: float, hi: float) -> str:
    """The forecast band as a phrase: "80% 예측 구간 -2.0~+8.0점"."""
    return f"80% 예측 구간 {signed(lo)}~{signed(hi)}점"


def direction(point: float, lo: float, hi: float) -> str:
    """``up`` / ``down`` when the whole band is on one side of zero, ``uncertain`` when it spans
    zero, ``flat`` when there is no change to speak of."""
    if lo < 0 < hi:
        return "uncertain"
    if abs(point) < FLAT_POINTS and abs(lo) < FLAT_POINTS and abs(hi) < FLAT_POINTS:
        return "flat"
    return "up" if point >= 0 else "down"


def forecast_ko(point: float, lo: float, hi: float, horizon: int = 4) -> str:
    """One sentence about a forecast change of ``point`` (band ``lo``–``hi``) in ``horizon``
    weeks, worded by the band: only a band wholly above (below) zero says it will rise (fall)."""
    band = interval_ko(lo, hi)
    way = direction(point, lo, hi)
    if way == "uncertain":
        return f"{horizon}주 뒤 방향이 불확실해요({band})."
    if way == "flat" or abs(point) < FLAT_POINTS:
        return f"{horizon}주 뒤에도 거의 변하지 않을 것으로 보여요({band})."
    verb = "오를" if way == "up" else "내릴"
    return f"{horizon}주 뒤 {abs(point):.1f}점쯤 {verb} 것으로 보여요({band})."
