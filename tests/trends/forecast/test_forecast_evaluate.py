"""Rolling-origin evaluation: the schedule never looks ahead, and the scores mean what they say."""

from __future__ import annotations

import numpy as np
import pytest

from trendpath.trends.forecast.base import Forecast
from trendpath.trends.forecast.baselines import NaiveForecaster, RidgeForecaster
from trendpath.trends.forecast.data import Panel, WindowSpec
from trendpath.trends.forecast.evaluate import (
    EvalConfig,
    evaluation_origins,
    fit_schedule,
    rolling_evaluation,
    truncate_before_test,
)
from trendpath.trends.forecast.synthetic import synthetic_panel

CFG = EvalConfig(n_cutoffs=20, short_n_cutoffs=10, short_len=100, refit_every=8, min_train=40)


class Spy:
    """A zero-change forecaster that records the last week of every panel it is shown."""

    name = "spy"
    spec = WindowSpec()

    def __init__(self, log: list[tuple[str, int]]) -> None:
        self.log = log

    def fit(self, panel: Panel) -> None:
        self.log.append(("fit", panel.n_weeks - 1))

    def predict(self, panel: Panel) -> Forecast:
        origin = panel.n_weeks - 1
        self.log.append(("predict", origin))
        point = np.zeros(len(panel.series_ids))
        return Forecast(panel.series_ids, panel.weeks[-1], 4, point, point - 1, point + 1, 0.8)


def test_models_only_see_weeks_up_to_each_origin() -> None:
    panel = synthetic_panel(n_series=3, n_weeks=120)
    log: list[tuple[str, int]] = []
    rolling_evaluation(panel, lambda: Spy(log), CFG)
    fit_at = -1
    for kind, week in log:
        if kind == "fit":
            fit_at = week
        else:
            assert fit_at <= week < fit_at + CFG.refit_every
    origins = sorted({w for k, w in log if k == "predict"})
    assert origins == list(range(120 - 1 - 4 - 19, 120 - 4))


def test_origins_per_series_follow_length_rules() -> None:
    panel = synthetic_panel(n_series=2, n_weeks=120)
    target = panel.target.copy()
    target[1, :30] = np.nan  # 90 observed weeks: a "short" series
    short = Panel(panel.series_ids, panel.weeks, panel.features, panel.inputs, target)
    long_o, short_o = evaluation_origins(short, CFG)
    assert long_o.size == 20 and short_o.size == 10
    assert long_o[-1] == short_o[-1] == 119 - 4
    assert fit_schedule(np.array([5, 6, 20, 7, 30]), 10)[0][1].tolist() == [5, 6, 7]


def test_naive_scores_one_and_a_useful_model_scores_below() -> None:
    panel = synthetic_panel(n_series=4, n_weeks=110, noise=0.3)
    naive = rolling_evaluation(panel, lambda: NaiveForecaster(WindowSpec()), CFG)
    assert naive.scores["rel_mse"] == pytest.approx(1.0)
    assert naive.scores["win_rate"] == 0.0
    ridge = rolling_evaluation(panel, lambda: RidgeForecaster(WindowSpec()), CFG)
    assert ridge.scores["rel_mse"] < 0.8 and ridge.scores["win_rate"] == 1.0
    assert ridge.scores["mase"] < naive.scores["mase"]
    per = ridge.per_series()
    rel = np.array([v["rel_mse"] for v in per.values()])
    assert ridge.scores["rel_mse"] == pytest.approx(float(np.exp(np.mean(np.log(rel)))))


def test_development_panel_ends_at_the_first_test_origin() -> None:
    panel = synthetic_panel(n_series=2, n_weeks=100)
    dev = truncate_before_test(panel, CFG)
    first = [int(o[0]) for o in evaluation_origins(panel, CFG)]
    for s, f in enumerate(first):
        assert np.isfinite(dev.target[s, f]) and np.isnan(dev.target[s, f + 1 :]).all()
