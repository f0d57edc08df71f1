"""Chart geometry: the forecast is drawn from the last score, bars grow left when negative."""

from __future__ import annotations

from trendpath.web.charts import contribution_bars, meter, sparkline


def test_sparkline_draws_the_forecast_change_from_the_last_score() -> None:
    chart = sparkline([40, 50, 60], {"point": 10, "lo": -5, "hi": 20, "horizon_weeks": 4})
    assert chart is not None and chart.forecast_dot is not None and chart.last_dot is not None
    # Higher scores are higher on screen (smaller y): the forecast (70) sits above the last (60).
    assert chart.forecast_dot[1] < chart.last_dot[1]
    assert chart.forecast_dot[0] > chart.last_dot[0]
    assert chart.band.startswith(f"M{chart.last_dot[0]},{chart.last_dot[1]}")
    assert "4주 뒤 예측 70(+10.0점, 범위 55–80)" in chart.summary_ko
    plain = sparkline([40, 50], None)
    assert plain is not None and plain.band == "" and plain.forecast_dot is None
    assert sparkline([], None) is None


def test_contribution_bars_are_scaled_around_zero() -> None:
    bars = contribution_bars(
        [
            {"indicator": "a", "label_ko": "투자", "points": -8.0},
            {"indicator": "b", "label_ko": "특허", "points": 4.0},
        ],
        width=200,
    )
    assert [(b.label, b.negative) for b in bars] == [("투자", True), ("특허", False)]
    assert bars[0].x == 0.0 and bars[0].width == 100.0  # the biggest fills its half
    assert bars[1].x == 100.0 and bars[1].width == 50.0
    assert contribution_bars([]) == []
    assert meter(0.466) == 47 and meter(None) is None and meter(1.7) == 100
