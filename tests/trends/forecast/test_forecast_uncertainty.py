"""Prediction intervals: conformal calibration math and coverage on held-out synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trendpath.trends.forecast.base import FitSettings
from trendpath.trends.forecast.baselines import RidgeForecaster
from trendpath.trends.forecast.data import WindowSpec
from trendpath.trends.forecast.synthetic import synthetic_panel
from trendpath.trends.forecast.train import NeuralForecaster, TrainConfig
from trendpath.trends.forecast.uncertainty import (
    cqr_margin,
    empirical_coverage,
    interval_quantiles,
    pinball_loss,
    residual_margin,
)


def test_interval_quantiles_and_pinball_loss() -> None:
    assert interval_quantiles(0.8) == pytest.approx((0.1, 0.9))
    with pytest.raises(ValueError):
        interval_quantiles(1.0)
    y = torch.tensor([1.0, 1.0])
    q = torch.tensor([0.1, 0.9])
    loss = pinball_loss(torch.tensor([[0.0, 0.0], [2.0, 2.0]]), y, q)
    # under-prediction by 1: 0.1 and 0.9; over-prediction by 1: 0.9 and 0.1 -> mean 0.5
    assert float(loss) == pytest.approx(0.5)


def test_conformal_margins_reach_the_nominal_coverage() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=2000)
    zeros = np.zeros_like(y)
    margin = cqr_margin(y[:1000], zeros[:1000], zeros[:1000], 0.8)
    assert empirical_coverage(y[1000:], -margin + zeros[1000:], margin + zeros[1000:]) == (
        pytest.approx(0.8, abs=0.04)
    )
    # too-wide quantiles get a negative margin (the band shrinks)
    assert cqr_margin(y, zeros - 5, zeros + 5, 0.8) < 0
    assert residual_margin(y, zeros, 0.8) == pytest.approx(1.2816, abs=0.1)


def _coverage_on_future(model_factory) -> float:
    # Heteroscedastic units across series; the interval must adapt per series.
    panel = synthetic_panel(n_series=8, n_weeks=200, noise=1.0, seed=4)
    model = model_factory()
    model.fit(panel.upto(150))
    hits = []
    for origin in range(150, 196, 3):
        fc = model.predict(panel.upto(origin))
        y = panel.target[:, origin + 4] - panel.target[:, origin]
        hits.append((y >= fc.lower) & (y <= fc.upper))
    return float(np.mean(hits))


def test_quantile_head_intervals_cover_held_out_weeks() -> None:
    cover = _coverage_on_future(
        lambda: NeuralForecaster(
            "gru", WindowSpec(), FitSettings(val_weeks=30), TrainConfig(epochs=10)
        )
    )
    assert 0.65 <= cover <= 0.95


def test_point_model_intervals_cover_held_out_weeks() -> None:
    cover = _coverage_on_future(lambda: RidgeForecaster(WindowSpec(), FitSettings(val_weeks=30)))
    assert 0.65 <= cover <= 0.95
