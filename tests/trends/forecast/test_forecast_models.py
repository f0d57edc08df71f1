"""GRU, TST and the baselines: they learn, they are deterministic, baselines do what they say."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trendpath.trends.forecast.base import Batch, FitSettings
from trendpath.trends.forecast.baselines import (
    LightGBMForecaster,
    MeanForecaster,
    NaiveForecaster,
    RidgeForecaster,
)
from trendpath.trends.forecast.data import WindowSpec
from trendpath.trends.forecast.gru import GRUConfig, GRUForecaster
from trendpath.trends.forecast.synthetic import synthetic_panel
from trendpath.trends.forecast.train import NeuralForecaster, TrainConfig, train_network
from trendpath.trends.forecast.tst import TSTConfig, TSTForecaster

FAST = TrainConfig(epochs=8, batch_size=64, seed=3)


@pytest.mark.parametrize(
    "net",
    [
        GRUForecaster(GRUConfig(n_inputs=3, input_len=4, hidden=16)),
        TSTForecaster(TSTConfig(n_inputs=3, input_len=4, d_model=16, n_heads=2, layers=1)),
        TSTForecaster(TSTConfig(n_inputs=3, input_len=6, d_model=16, n_heads=2, patch_len=4)),
    ],
)
def test_each_network_overfits_a_tiny_panel(net: torch.nn.Module) -> None:
    rng = np.random.default_rng(0)
    length = net.cfg.input_len
    x = rng.normal(size=(64, length, 3)).astype(np.float32)
    y = (x[:, -1, 0] * 2 + x[:, 0, 1] ** 2).astype(np.float32)
    cfg = TrainConfig(epochs=150, batch_size=64, lr=1e-2, weight_decay=0.0, seed=0)
    result = train_network(net, Batch(x, y, np.ones_like(y)), None, (0.1, 0.9), cfg)
    assert result.train_loss[-1] < 0.1 * result.train_loss[0]


@pytest.mark.parametrize("kind", ["gru", "tst"])
def test_training_is_deterministic_with_a_seed(kind: str) -> None:
    panel = synthetic_panel(n_series=4, n_weeks=70)
    settings = FitSettings(val_weeks=10)

    def fitted(seed: int) -> np.ndarray:
        model = NeuralForecaster(kind, WindowSpec(), settings, TrainConfig(epochs=3, seed=seed))
        model.fit(panel)
        return model.predict(panel).point

    first = fitted(1)
    np.testing.assert_array_equal(first, fitted(1))
    assert not np.array_equal(first, fitted(2))


def test_gru_learns_the_signal_of_a_synthetic_panel() -> None:
    panel = synthetic_panel(n_series=6, n_weeks=120, noise=0.3)
    model = NeuralForecaster("gru", WindowSpec(), FitSettings(val_weeks=20), FAST)
    model.fit(panel)
    assert model.metrics["val_rel_mse"] < 0.8
    assert model.results[0].train_loss[-1] < model.results[0].train_loss[0]


def test_naive_forecasts_zero_and_mean_returns_to_the_recent_mean() -> None:
    panel = synthetic_panel(n_series=3, n_weeks=60)
    spec = WindowSpec()
    naive, mean = NaiveForecaster(spec), MeanForecaster(spec)
    naive.fit(panel.upto(50))
    mean.fit(panel.upto(50))
    fc = naive.predict(panel.upto(55))
    np.testing.assert_array_equal(fc.point, 0.0)
    assert (fc.lower < 0).all() and (fc.upper > 0).all()
    expected = panel.target[:, 52:56].mean(axis=1) - panel.target[:, 55]
    np.testing.assert_allclose(mean.predict(panel.upto(55)).point, expected, rtol=1e-6)


@pytest.mark.parametrize("cls", [RidgeForecaster, LightGBMForecaster])
def test_learned_baselines_beat_naive_on_a_learnable_panel(cls: type) -> None:
    panel = synthetic_panel(n_series=6, n_weeks=150, noise=0.3)
    model = cls(WindowSpec(), FitSettings(val_weeks=20))
    model.fit(panel.upto(120))
    errors, naive = [], []
    for origin in range(120, 146):
        y = panel.target[:, origin + 4] - panel.target[:, origin]
        errors.append((model.predict(panel.upto(origin)).point - y) ** 2)
        naive.append(y**2)
    assert np.sum(errors) < 0.8 * np.sum(naive)


def test_seed_ensemble_averages_its_members() -> None:
    panel = synthetic_panel(n_series=4, n_weeks=70)
    model = NeuralForecaster(
        "gru", WindowSpec(), FitSettings(val_weeks=10), TrainConfig(epochs=2, ensemble=2)
    )
    model.fit(panel)
    assert model.net is not None and len(model.net.members) == 2
    x = torch.randn(2, 4, 8)  # 3 features + target, level and relative channels
    with torch.no_grad():
        mean = (model.net.members[0](x) + model.net.members[1](x)) / 2
        torch.testing.assert_close(model.net(x), mean)


def test_training_stops_between_batches_when_asked() -> None:
    import threading

    from trendpath.trends.forecast.train import STOP, TrainingStopped

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4, 3)).astype(np.float32)
    data = Batch(x, x[:, -1, 0].copy(), np.ones(64, dtype=np.float32))
    net = GRUForecaster(GRUConfig(n_inputs=3, input_len=4, hidden=8))
    stop = threading.Event()
    token = STOP.set(stop)
    try:
        train_network(net, data, None, (0.1, 0.9), TrainConfig(epochs=2, batch_size=16))
        stop.set()  # e.g. the service shuts down while the job trains
        with pytest.raises(TrainingStopped):
            train_network(net, data, None, (0.1, 0.9), TrainConfig(epochs=2, batch_size=16))
    finally:
        STOP.reset(token)
    train_network(net, data, None, (0.1, 0.9), TrainConfig(epochs=1))  # other callers unaffected


def test_a_ridge_member_weighs_like_one_more_network_and_moves_the_interval() -> None:
    panel = synthetic_panel(n_series=4, n_weeks=70)
    settings = FitSettings(val_weeks=10, refit=False)
    model = NeuralForecaster("gru+tst+ridge", WindowSpec(), settings, TrainConfig(epochs=2))
    model.fit(panel)
    assert model.net is not None and len(model.net.members) == 2 and model.ridge is not None
    coef, intercept, alpha = model.ridge
    assert alpha in (0.1, 1.0, 10.0, 100.0, 1000.0)
    x = np.random.default_rng(0).normal(size=(3, 4, 8)).astype(np.float32)
    with torch.no_grad():
        nets = model.net(torch.from_numpy(x)).numpy().astype(np.float64)
    linear = x.reshape(3, -1).astype(np.float64) @ coef + intercept
    out = model._predict_arrays(x)
    np.testing.assert_allclose(out[:, 0], (2 * nets[:, 0] + linear) / 3, rtol=1e-6, atol=1e-9)
    # The quantile outputs keep their distance from the point.
    np.testing.assert_allclose(out[:, 1:] - out[:, :1], nets[:, 1:] - nets[:, :1], atol=1e-5)


def test_simplex_weights_find_the_constrained_least_squares_optimum() -> None:
    from trendpath.trends.forecast.train import simplex_weights

    rng = np.random.default_rng(3)
    truth = rng.normal(size=400)
    good = truth + 0.1 * rng.normal(size=400)
    noisy = truth + 1.0 * rng.normal(size=400)
    anti = -truth  # a member that only hurts gets no weight
    p = np.stack([noisy, good, anti], axis=1)
    w = np.ones(400)
    a = simplex_weights(p, truth, w)
    assert a.shape == (3,) and a.min() >= 0 and a.sum() == pytest.approx(1.0)
    assert a[2] == 0 and a[1] > 0.9
    # No point of a fine grid over the simplex does better.
    loss = float(np.sum((truth - p @ a) ** 2))
    grid = [(i / 40, j / 40) for i in range(41) for j in range(41 - i)]
    for i, j in grid:
        b = np.array([i, j, 1 - i - j])
        assert loss <= float(np.sum((truth - p @ b) ** 2)) + 1e-9
    # Weights count: observations of weight 0 do not pull the optimum.
    w2 = np.concatenate([np.ones(200), np.zeros(200)])
    p2 = p.copy()
    p2[200:, 0] = truth[200:]  # member 0 perfect only where the weight is 0
    assert simplex_weights(p2, truth, w2)[1] > 0.9
    assert simplex_weights(p[:, :1], truth, w).tolist() == [1.0]


def test_validation_member_weights_are_fitted_used_and_saved() -> None:
    panel = synthetic_panel(n_series=4, n_weeks=70)
    settings = FitSettings(val_weeks=10, refit=False)
    cfg = TrainConfig(epochs=2, member_weights="validation")
    model = NeuralForecaster("gru+tst+ridge", WindowSpec(), settings, cfg)
    model.fit(panel)
    a = model.member_weights
    assert a.shape == (3,) and a.min() >= 0 and a.sum() == pytest.approx(1.0)
    x = np.random.default_rng(0).normal(size=(3, 4, 8)).astype(np.float32)
    per_kind = model._kind_outputs(x)
    out = model._predict_arrays(x)
    np.testing.assert_allclose(out[:, 0], a @ per_kind[:, :, 0], rtol=1e-9)
    assert model.params()["member_weights"] == a.tolist()
    fresh = NeuralForecaster("gru+tst+ridge", WindowSpec(), settings, cfg)
    fresh.load_params(model.params())
    np.testing.assert_array_equal(fresh.member_weights, a)
    with pytest.raises(ValueError, match="member_weights"):
        NeuralForecaster("gru+tst", train=TrainConfig(member_weights="best"))


def test_a_linear_share_weighs_the_ridge_member_against_the_networks() -> None:
    from trendpath.trends.forecast.train import fixed_weights

    kinds = ("gru", "tst", "ridge")
    assert fixed_weights(kinds).tolist() == pytest.approx([1 / 3] * 3)
    assert fixed_weights(kinds, 0.5).tolist() == pytest.approx([0.25, 0.25, 0.5])
    assert fixed_weights(("gru", "tst"), 0.5).tolist() == [0.5, 0.5]  # no linear member
    with pytest.raises(ValueError, match="linear_share"):
        fixed_weights(kinds, 1.5)
    panel = synthetic_panel(n_series=4, n_weeks=70)
    settings = FitSettings(val_weeks=10, refit=False)
    model = NeuralForecaster(
        "gru+tst+ridge", WindowSpec(), settings, TrainConfig(epochs=2, linear_share=2 / 3)
    )
    model.fit(panel)
    assert model.member_weights.tolist() == pytest.approx([1 / 6, 1 / 6, 2 / 3])
    x = np.random.default_rng(1).normal(size=(3, 4, 8)).astype(np.float32)
    per_kind = model._kind_outputs(x)
    out = model._predict_arrays(x)
    np.testing.assert_allclose(out[:, 0], model.member_weights @ per_kind[:, :, 0], rtol=1e-9)


@pytest.mark.parametrize("kind", ["ridge", "gru+gru", "gru+lstm", "ridge+ridge"])
def test_a_kind_needs_a_network_and_known_distinct_members(kind: str) -> None:
    with pytest.raises(ValueError, match="unknown model kind"):
        NeuralForecaster(kind)
