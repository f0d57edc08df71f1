"""The Velocity Score: bounds, exact contributions, no look-ahead, missing data, stability."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from trendpath.trends.demo import generate_panel
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.velocity import (
    VelocityConfig,
    VelocityResult,
    compute_velocity,
    explain,
    explain_change,
)

END = dt.date(2024, 12, 30)
CFG = VelocityConfig()
FIRST = CFG.min_history - 1  # first week with a score
FUNDING, PATENTS, LEARNING, SEARCH, POLICY = range(5)


@pytest.fixture(scope="module")
def values() -> np.ndarray:
    return generate_panel([f"t{i}" for i in range(12)], weeks=260, end_week=END).values


@pytest.fixture(scope="module")
def result(values: np.ndarray) -> VelocityResult:
    return compute_velocity(values)


def test_shapes_and_bounds(values: np.ndarray, result: VelocityResult) -> None:
    n, t, k = values.shape
    assert result.score.shape == result.stability.shape == result.coverage.shape == (n, t)
    assert result.contributions.shape == result.zscores.shape == result.valid.shape == (n, t, k)
    assert np.all(np.isnan(result.score[:, :FIRST]))
    assert np.all(np.isnan(result.contributions[:, :FIRST]))
    scored = result.score[:, FIRST:]
    assert np.all(np.isfinite(scored))
    assert scored.min() >= 0.0 and scored.max() <= 100.0
    assert scored.std() > 5.0  # the score moves
    stab = result.stability[:, FIRST:]
    assert np.all((stab >= 0.0) & (stab <= 1.0))


def test_contributions_add_up_to_the_score(result: VelocityResult) -> None:
    total = result.baseline + result.contributions.sum(axis=-1)
    assert np.allclose(total[:, FIRST:], result.score[:, FIRST:], atol=1e-9, rtol=0)
    assert result.baseline == 50.0
    # The policy term can only pull the score down when policy changes are above normal.
    policy = result.contributions[:, FIRST:, POLICY]
    z = result.zscores[:, FIRST:, POLICY]
    assert np.all(policy * z <= 1e-12)


def test_no_look_ahead(values: np.ndarray, result: VelocityResult) -> None:
    cut = 150
    changed = values.copy()
    rng = np.random.default_rng(0)
    changed[:, cut + 1 :] = rng.uniform(-50, 300, changed[:, cut + 1 :].shape)
    changed[:, cut + 1 :, POLICY] = 9.0
    other = compute_velocity(changed)
    for name in ("score", "contributions", "stability", "zscores", "smoothed", "typical"):
        before = getattr(result, name)[:, : cut + 1]
        after = getattr(other, name)[:, : cut + 1]
        assert np.array_equal(before, after, equal_nan=True), name
    assert not np.allclose(result.score[:, cut + 1 :], other.score[:, cut + 1 :])


def test_single_trend_matches_batch_and_chunking() -> None:
    big = generate_panel([f"c{i}" for i in range(40)], weeks=520, end_week=END).values
    batch = compute_velocity(big)  # large enough to be processed in several chunks
    for i in (0, 17, 39):
        one = compute_velocity(big[i])
        assert one.score.shape == (520,)
        assert np.array_equal(one.score, batch.score[i], equal_nan=True)
        assert np.array_equal(one.contributions, batch.contributions[i], equal_nan=True)


def test_missing_and_infinite_values_are_skipped_not_propagated(values: np.ndarray) -> None:
    x = values[0].copy()
    x[100, SEARCH] = np.nan
    x[101, FUNDING] = np.inf
    x[102, PATENTS] = -np.inf
    x[103, POLICY] = -2.0  # a negative count is impossible: missing
    x[120:140, LEARNING] = np.nan  # a gap of several weeks
    res = compute_velocity(x)
    assert np.all(np.isfinite(res.score[FIRST:]))
    assert not res.valid[100, SEARCH] and res.contributions[100, SEARCH] == 0.0
    assert not res.valid[101, FUNDING]
    assert not res.valid[120:140, LEARNING].any()
    assert res.coverage[130] == pytest.approx(1 - abs(CFG.weights[LEARNING]))
    # A gap in one indicator leaves the other indicators' standardisation untouched.
    gap = values[0].copy()
    gap[120:140, LEARNING] = np.nan
    with_gap, clean = compute_velocity(gap), compute_velocity(values[0])
    others = [FUNDING, PATENTS, SEARCH, POLICY]
    assert np.array_equal(with_gap.zscores[..., others], clean.zscores[..., others])


def test_an_indicator_with_no_data_is_neutral_everywhere(values: np.ndarray) -> None:
    x = values[1].copy()
    x[:, PATENTS] = np.nan
    res = compute_velocity(x)
    assert not res.valid[:, PATENTS].any()
    assert np.all(res.contributions[FIRST:, PATENTS] == 0.0)
    assert np.all(np.isfinite(res.score[FIRST:]))
    assert np.allclose(res.coverage[FIRST:], 1 - abs(CFG.weights[PATENTS]))


def test_faster_flows_raise_and_policy_churn_lowers_the_score(values: np.ndarray) -> None:
    base = compute_velocity(values[2]).score[200]
    hotter = values[2].copy()
    hotter[200, SEARCH] += 40.0
    assert compute_velocity(hotter).score[200] > base
    churn = values[2].copy()
    churn[197:201, POLICY] += 6.0
    assert compute_velocity(churn).score[200] < base


def test_stability_falls_as_policy_volatility_rises() -> None:
    weeks = 200
    rng = np.random.default_rng(1)
    x = np.zeros((3, weeks, 5))
    x[:, :, [FUNDING, LEARNING, SEARCH]] = rng.normal(0, 5, (3, weeks, 3))
    x[:, :, PATENTS] = rng.poisson(20, (3, weeks))
    x[0, :, POLICY] = rng.poisson(0.1, weeks)
    x[1, :, POLICY] = rng.poisson(1.0, weeks)
    x[2, :, POLICY] = rng.poisson(3.0, weeks)
    stab = compute_velocity(x).stability[:, FIRST:]
    assert np.all(stab[0] > stab[1]) and np.all(stab[1] > stab[2])
    assert stab[0].mean() > 0.7 and stab[2].mean() < 0.2
    # Within one trend, a burst of policy changes lowers stability, which recovers later.
    y = x[0].copy()
    y[100:106, POLICY] = 5.0
    burst = compute_velocity(y).stability
    assert burst[110] < burst[99] - 0.3
    assert burst[199] > burst[110]


def test_stability_is_unknown_without_policy_data(values: np.ndarray) -> None:
    x = values[3].copy()
    x[:, POLICY] = np.nan
    res = compute_velocity(x)
    assert np.all(np.isnan(res.stability))
    assert np.all(np.isfinite(res.score[FIRST:]))


def test_explain_lists_indicators_by_impact(result: VelocityResult) -> None:
    items = explain(result, 4, 200)
    assert [c.indicator for c in items] != []
    assert sorted(c.indicator for c in items) == sorted(INDICATORS)
    assert [abs(c.points) for c in items] == sorted((abs(c.points) for c in items), reverse=True)
    assert sum(c.points for c in items) == pytest.approx(result.score[4, 200] - 50.0, abs=1e-9)
    policy = next(c for c in items if c.indicator == "policy_change_frequency")
    assert policy.label_ko == "정책 변화 빈도" and policy.weight < 0
    assert all(c.text_ko.endswith("점") for c in items)
    with pytest.raises(ValueError, match="no score yet"):
        explain(result, 4, 3)
    with pytest.raises(IndexError):
        explain(result, None, 200)


def test_explain_change_accounts_for_the_move(result: VelocityResult) -> None:
    items = explain_change(result, 5, 180, 184)
    delta = result.score[5, 184] - result.score[5, 180]
    assert sum(c.points for c in items) == pytest.approx(delta, abs=1e-9)
    single = compute_velocity(np.asarray(result.smoothed[5]))
    assert explain(single, None, 200)  # single-trend results take no trend index


def test_worked_example_of_the_docs() -> None:
    """docs/velocity-score.md's worked example, number for number (z-scores, MAD centre, scale)."""
    panel = generate_panel(["generative-ai"], weeks=260, end_week=dt.date(2025, 6, 2), seed=7)
    res = compute_velocity(panel.values[0])
    assert res.score[-1] == pytest.approx(50.8, abs=0.05)
    assert res.score[-5] == pytest.approx(59.7, abs=0.05)
    assert res.stability[-1] == pytest.approx(0.75, abs=0.005)
    assert res.contributions[-1] == pytest.approx([2.16, -1.43, 4.22, -4.14, 0.0], abs=0.005)
    assert res.zscores[-1] == pytest.approx([0.26, -0.29, 0.51, -0.62, 0.0], abs=0.005)
    # the medians ("평소") the dashboard shows, in the indicators' own units
    assert res.typical[-1, FUNDING] == pytest.approx(-3.61, abs=0.005)
    assert res.typical[-1, PATENTS] == pytest.approx(5.64, abs=0.005)
    assert res.typical[-1, LEARNING] == pytest.approx(6.16, abs=0.005)
    assert res.typical[-1, SEARCH] == pytest.approx(0.71, abs=0.005)
    change = {c.indicator: c.points for c in explain_change(res, None, 255, 259)}
    assert change["funding_volume_growth"] == pytest.approx(-12.5, abs=0.05)
    assert change["search_volume_growth"] == pytest.approx(-11.5, abs=0.05)
    assert change["learning_demand_growth"] == pytest.approx(15.1, abs=0.05)
    assert change["patent_filing_rate"] == pytest.approx(0.0, abs=0.05)
    assert change["policy_change_frequency"] == 0.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"smooth": (1, 4, 1, 1)}, "smooth needs 5 entries"),
        ({"min_scale": (2.0,) * 6}, "min_scale needs 5 entries"),
        ({"weights": (0.25, 0.15, 0.25, 0.2, float("inf"))}, "must be finite"),
        ({"smooth": (1, 4, 0, 1, 4)}, "smooth must be >= 1"),
        ({"min_scale": (2.0, 0.05, 0.0, 2.0, 0.25)}, "min_scale > 0"),
        ({"min_valid": 0}, "1 <= min_valid <= window"),
        ({"min_valid": 53}, "1 <= min_valid <= window"),
        ({"min_history": 0}, "min_history >= 1"),
        ({"z_clip": 0.0}, "z_clip, temperature and stability_scale must be > 0"),
        ({"temperature": 0.0}, "z_clip, temperature and stability_scale must be > 0"),
        ({"stability_scale": 0.0}, "z_clip, temperature and stability_scale must be > 0"),
        ({"stability_window": 1}, "stability_window must be >= 2"),
    ],
)
def test_each_config_bound_is_refused_just_past_it(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        VelocityConfig(**changes)  # type: ignore[arg-type]


def test_config_bounds_themselves_are_accepted() -> None:
    # Each limit is inclusive where the message says so: the edge itself is a valid setting.
    edge = VelocityConfig(
        smooth=(1, 1, 1, 1, 1),
        min_scale=(1e-9,) * 5,
        min_valid=52,
        min_history=1,
        z_clip=1e-9,
        temperature=1e-9,
        stability_scale=1e-9,
        stability_window=2,
    )
    assert edge.min_valid == edge.window and edge.stability_window == 2
    assert VelocityConfig(min_valid=1).min_valid == 1


def test_config_is_validated_and_versioned() -> None:
    with pytest.raises(ValueError, match="weights needs 5 entries"):
        VelocityConfig(weights=(1.0, 0.0))
    with pytest.raises(ValueError, match="not all zero"):
        VelocityConfig(weights=(0.0,) * 5)
    with pytest.raises(ValueError, match="finite"):
        VelocityConfig(weights=(0.25, float("nan"), 0.25, 0.2, -0.15))
    assert VelocityConfig(weights=(0.0, 0.0, 0.0, 0.0, -0.1)).weights[4] == -0.1
    with pytest.raises(ValueError, match="min_valid"):
        VelocityConfig(min_valid=100)
    assert CFG.version == VelocityConfig().version
    assert VelocityConfig(window=26).version != CFG.version
    with pytest.raises(ValueError, match="n_weeks"):
        compute_velocity(np.zeros((10, 4)))


def test_an_indicator_counts_from_exactly_min_valid_values() -> None:
    rng = np.random.default_rng(0)
    x = np.full((120, 5), np.nan)
    x[40:, FUNDING] = rng.normal(10, 3, 80)  # funding is not smoothed: one value per week
    x[:, LEARNING] = rng.normal(10, 3, 120)
    res = compute_velocity(x)
    first = int(np.argmax(res.valid[:, FUNDING]))
    assert first - 40 + 1 == CFG.min_valid  # the window holds exactly min_valid values
    assert not res.valid[first - 1, FUNDING] and res.zscores[first - 1, FUNDING] == 0.0


def test_z_scores_are_clipped_on_both_sides() -> None:
    rng = np.random.default_rng(1)
    x = np.abs(rng.normal(10, 3, (120, 5)))
    low, high = x.copy(), x.copy()
    low[100, FUNDING], high[100, FUNDING] = -1e6, 1e6  # growth rates may be negative
    assert compute_velocity(low).zscores[100, FUNDING] == -CFG.z_clip
    assert compute_velocity(high).zscores[100, FUNDING] == CFG.z_clip


def test_any_numeric_input_is_computed_in_float64(values: np.ndarray) -> None:
    narrow = values[0].astype(np.float32)
    res = compute_velocity(narrow)
    same = compute_velocity(narrow.astype(np.float64))
    assert res.score.dtype == np.float64
    assert np.array_equal(res.score, same.score, equal_nan=True)
    assert res.baseline == 50.0 == VelocityConfig.baseline


def test_coverage_is_a_share_of_the_weights_whatever_their_sum() -> None:
    rng = np.random.default_rng(2)
    x = np.abs(rng.normal(10, 3, (120, 5)))
    doubled = VelocityConfig(weights=(0.5, 0.3, 0.5, 0.4, -0.3))
    assert compute_velocity(x, doubled).coverage[-1] == pytest.approx(1.0)
    x[:, POLICY] = np.nan  # |−0.3| of 2.0 missing
    assert compute_velocity(x, doubled).coverage[-1] == pytest.approx(1.7 / 2.0)
