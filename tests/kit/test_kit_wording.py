"""Numbers in Korean sentences: signs, 0–100 points, waiting times, forecasts by their band."""

from __future__ import annotations

import pytest

from trendpath.kit.wording import direction, duration_ko, forecast_ko, score_100, signed


@pytest.mark.parametrize(
    ("value", "text"),
    [(2.46, "+2.5"), (-2.46, "-2.5"), (-0.04, "0.0"), (0.0, "0.0"), (0.04, "0.0")],
)
def test_signed_never_writes_minus_zero(value: float, text: str) -> None:
    assert signed(value) == text


def test_indices_become_points_out_of_100() -> None:
    assert score_100(0.63) == 63 and score_100(0.985) == 98 and score_100(1.2) == 100
    assert score_100(None) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "1초"), (30, "30초"), (60, "1분"), (900, "15분"), (3600, "1시간"), (5400, "1시간 30분")],
)
def test_waiting_times_read_as_people_say_them(seconds: int, text: str) -> None:
    assert duration_ko(seconds) == text


@pytest.mark.parametrize(
    ("point", "lo", "hi", "way", "text"),
    [
        (3.0, 1.0, 5.0, "up", "4주 뒤 3.0점쯤 오를 것으로 보여요(80% 예측 구간 +1.0~+5.0점)."),
        (-2.5, -6.0, -0.5, "down", "4주 뒤 2.5점쯤 내릴 것으로 보여요(80% 예측 구간 -6.0~-0.5점)."),
        (-2.5, -6.0, 1.0, "uncertain", "4주 뒤 방향이 불확실해요(80% 예측 구간 -6.0~+1.0점)."),
        (12.6, -10.0, 35.3, "uncertain", "4주 뒤 방향이 불확실해요(80% 예측 구간 -10.0~+35.3점)."),
        (
            0.0,
            0.0,
            0.0,
            "flat",
            "4주 뒤에도 거의 변하지 않을 것으로 보여요(80% 예측 구간 0.0~0.0점).",
        ),
    ],
)
def test_forecast_sentence_follows_the_interval(
    point: float, lo: float, hi: float, way: str, text: str
) -> None:
    assert direction(point, lo, hi) == way
    assert forecast_ko(point, lo, hi) == text
