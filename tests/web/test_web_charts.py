"""Chart data: one 0–100 scale, the forecast drawn from the last score with its 80 % band,
sentences that follow the band, a table behind every chart; bars grow left when negative."""

from __future__ import annotations

from trendpath.web.charts import contribution_bars, meter, velocity_chart, week_ko
from trendpath.web.skillgraph import layout


def _weeks(scores: list[float]) -> list[dict[str, object]]:
    return [{"week": f"2025-03-{3 + 7 * i:02d}", "score": s} for i, s in enumerate(scores)]


def test_velocity_chart_draws_the_forecast_change_from_the_last_score() -> None:
    chart = velocity_chart(
        _weeks([40, 50, 60]), {"point": 10, "lo": 2, "hi": 20, "horizon_weeks": 4, "week": "w"}
    )
    assert chart is not None
    assert chart["scale"] == [0.0, 100.0]  # every chart on one scale
    assert chart["labels"][:3] == ["2025-03-03", "2025-03-10", "2025-03-17"]
    assert chart["labels"][-1] == "2025-04-14" and len(chart["labels"]) == 3 + 4
    assert chart["history"] == [40, 50, 60, None, None, None, None]
    assert chart["forecast_line"] == [None, None, 60, None, None, None, 70]
    assert chart["band_lo"][-1] == 62 and chart["band_hi"][-1] == 80
    assert chart["forecast"]["direction"] == "up"
    assert chart["summary"] == (
        "지난 3주 동안 성장 속도 지수가 40점에서 60점으로 올랐어요. "
        "4주 뒤 10.0점쯤 오를 것으로 보여요(80% 예측 구간 +2.0~+20.0점)."
    )
    assert chart["rows"][0] == {"week": "2025년 3월 3일 주", "score": 40}


def test_band_across_zero_is_uncertain_and_levels_stay_on_the_scale() -> None:
    chart = velocity_chart(_weeks([95, 97]), {"point": 3, "lo": -5, "hi": 12, "horizon_weeks": 4})
    assert chart is not None and chart["forecast"]["direction"] == "uncertain"
    assert "방향이 불확실해요" in chart["summary"] and "오를" not in chart["summary"]
    assert chart["band_hi"][-1] == 100  # clipped to the scale


def test_flat_history_reads_as_holding_not_from_40_to_40() -> None:
    chart = velocity_chart(_weeks([40.2, 39.8, 40.1]), None)
    assert chart is not None and chart["forecast"] is None
    assert chart["summary"] == "지난 3주 동안 성장 속도 지수는 40점 안팎을 오갔어요."
    assert velocity_chart([], None) is None
    assert week_ko("2026-01-05") == "2026년 1월 5일 주"


def test_contribution_bars_are_scaled_around_zero_without_minus_zero() -> None:
    bars = contribution_bars(
        [
            {"indicator": "a", "label_ko": "투자", "points": -8.0},
            {"indicator": "b", "label_ko": "특허", "points": 4.0},
            {"indicator": "c", "label_ko": "정책", "points": -0.01},
        ],
        width=200,
    )
    assert [(b.label, b.negative) for b in bars[:2]] == [("투자", True), ("특허", False)]
    assert bars[0].x == 0.0 and bars[0].width == 100.0  # the biggest fills its half
    assert bars[1].x == 100.0 and bars[1].width == 50.0
    assert bars[2].text == "0.0"
    assert contribution_bars([]) == []
    assert meter(0.466) == 47 and meter(None) is None and meter(1.7) == 100


def test_skill_map_puts_prerequisites_above_with_arrows_down() -> None:
    steps = [
        {"skill": "programming_basics", "state": "have", "prerequisites": []},
        {"skill": "python", "state": "todo", "prerequisites": ["programming_basics"]},
        {"skill": "data_analysis", "state": "todo", "prerequisites": ["python", "math"]},
    ]
    graph = layout(steps, lambda s: {"programming_basics": "프로그래밍 기초"}.get(s, s))
    assert graph is not None
    y = {n["skill"]: n["y"] for n in graph["nodes"]}
    assert y["programming_basics"] < y["python"] < y["data_analysis"]
    assert {(e["from"], e["to"]) for e in graph["edges"]} == {
        ("programming_basics", "python"),
        ("python", "data_analysis"),  # "math" is no step of this roadmap: no arrow
    }
    assert layout([], str) is None
