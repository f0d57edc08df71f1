"""Pure parts of provenance and movement: the synthetic share behind a score (its 56-week
span) and the streak a notice names."""

from __future__ import annotations

import numpy as np
import pytest

from trendpath.trends.movement import movement
from trendpath.trends.provenance import INPUT_SPAN_WEEKS, describe, origin_of, synthetic_share


def test_the_share_counts_demo_values_within_the_span_behind_each_week() -> None:
    weeks = INPUT_SPAN_WEEKS + 10
    present = np.ones((2, weeks, 5), dtype=bool)
    synthetic = np.zeros_like(present)
    synthetic[0] = True  # trend 0: all demo
    synthetic[1, :10] = True  # trend 1: demo only in its first 10 weeks
    present[1, :, 4] = False  # and no policy values at all (absent values do not count)
    share = synthetic_share(present, synthetic)
    assert share[0].tolist() == [1.0] * weeks
    assert share[1, 9] == 1.0
    assert share[1, INPUT_SPAN_WEEKS - 1] == pytest.approx(10 / INPUT_SPAN_WEEKS)
    assert share[1, INPUT_SPAN_WEEKS + 9] == 0.0  # the demo weeks left the span
    nothing = synthetic_share(np.zeros((1, 3, 5), dtype=bool), np.zeros((1, 3, 5), dtype=bool))
    assert np.isnan(nothing).all()


def test_origins_are_named_from_the_stored_columns() -> None:
    assert origin_of("demo-synthetic", "x.csv") == "demo"  # the label travels with the value
    assert origin_of("naver-datalab", None) == "api"
    assert origin_of("naver-datalab", "survey.csv") == "csv"
    csv = describe("naver-datalab", "survey.csv", 12, None)
    assert (
        csv["label_ko"]
        == "CSV 가져오기 survey.csv 12행 (파일의 출처 표기: 네이버 데이터랩 검색어 트렌드)"
    )
    assert describe("kipris-plus", None, None, None)["url"] == "https://www.kipris.or.kr/"
    assert describe("news-deals", None, None, None)["url"] is None


def test_a_streak_names_the_indicator_that_moved_most_in_its_direction() -> None:
    scores = [50.0, 52.0, 49.0, 45.0, 40.0]
    contributions = [[0.0] * 5 for _ in scores]
    contributions[1] = [1.0, 0.0, 1.0, 0.0, 0.0]
    contributions[4] = [-11.0, 1.0, -1.0, -1.0, 0.0]  # funding fell 12 points over the streak
    move = movement(scores, contributions)
    assert move == {
        "direction": "down",
        "weeks": 3,
        "change": -12.0,
        "indicator": "funding_volume_growth",
        "label_ko": "투자 규모 증가율",
        "points": -12.0,
    }


def test_noise_is_not_a_move_and_short_histories_say_nothing() -> None:
    assert movement([50.0, 50.3], [[0.0] * 5, [0.0] * 5]) == {
        "direction": "flat",
        "weeks": 0,
        "change": 0.0,
    }
    rising = movement([40.0, 40.2, 45.0], [[0.0] * 5, [0.0] * 5, [0.0, 0.0, 0.0, 5.0, 0.0]])
    assert rising is not None and (rising["direction"], rising["weeks"]) == ("up", 1)
    assert rising["indicator"] == "search_volume_growth"
    assert movement([50.0], [[0.0] * 5]) is None
