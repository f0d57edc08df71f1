"""Per-series scaling: fitted on training weeks only, robust to flat series, restorable."""

from __future__ import annotations

import numpy as np

from trendpath.trends.forecast.data import Panel, WindowSpec, training_windows
from trendpath.trends.forecast.scaling import (
    ScalerStats,
    align_stats,
    fit_scaler,
    transform,
    window_scales,
)
from trendpath.trends.forecast.synthetic import synthetic_panel


def _replace_after(panel: Panel, week: int, value: float) -> Panel:
    target, inputs = panel.target.copy(), panel.inputs.copy()
    target[:, week + 1 :] = value
    inputs[:, week + 1 :] = value
    return Panel(panel.series_ids, panel.weeks, panel.features, inputs, target)


def _stats_equal(a: ScalerStats, b: ScalerStats) -> bool:
    return all(
        np.array_equal(getattr(a, k), getattr(b, k))
        for k in ("center", "scale", "step", "target_scale")
    )


def test_scaler_uses_only_weeks_up_to_the_cutoff() -> None:
    panel = synthetic_panel(n_series=3, n_weeks=80)
    spec = WindowSpec()
    stats = fit_scaler(panel, spec, cutoff=50)
    assert _stats_equal(stats, fit_scaler(_replace_after(panel, 50, 1e9), spec, cutoff=50))
    # ...and it does depend on the training weeks (the check above can fail)
    assert not _stats_equal(stats, fit_scaler(_replace_after(panel, 40, 1e9), spec, cutoff=50))


def test_scaled_series_are_comparable_whatever_their_units() -> None:
    panel = synthetic_panel(n_series=6, n_weeks=100)
    spec = WindowSpec()
    stats = fit_scaler(panel, spec)
    win = training_windows(panel, spec)
    y = win.y / window_scales(win, stats).target
    per_series = [np.mean(np.abs(y[win.series == s])) for s in range(6)]
    assert max(per_series) / min(per_series) < 3  # raw units differ by up to 100x
    x = transform(win, stats, ("level", "relative"), clip=None)
    assert x.shape == (win.x.shape[0], 4, 2 * win.x.shape[2]) and x.dtype == np.float32
    np.testing.assert_array_equal(x[:, -1, win.x.shape[2] :], 0.0)  # relative to the origin


def test_flat_series_get_finite_scales() -> None:
    panel = synthetic_panel(n_series=2, n_weeks=40, n_features=1)
    inputs, target = panel.inputs.copy(), panel.target.copy()
    inputs[0] = 5.0
    target[0] = 7.0
    flat = Panel(panel.series_ids, panel.weeks, panel.features, inputs, target)
    stats = fit_scaler(flat, WindowSpec())
    for arr in (stats.scale, stats.step, stats.target_scale):
        assert np.isfinite(arr).all() and (arr > 0).all()


def test_unknown_series_are_scaled_on_their_own_history() -> None:
    panel = synthetic_panel(n_series=3, n_weeks=60)
    spec = WindowSpec()
    trained = fit_scaler(panel.select([0, 1]), spec, cutoff=40)
    aligned = align_stats(trained, panel, spec, upto=59)
    own = fit_scaler(panel.select([2]), spec, cutoff=59, min_obs=2)
    np.testing.assert_array_equal(aligned.center[2], own.center[0])
    np.testing.assert_array_equal(aligned.center[:2], trained.center)


def test_stats_survive_a_plain_data_round_trip() -> None:
    stats = fit_scaler(synthetic_panel(n_series=3, n_weeks=40), WindowSpec())
    assert _stats_equal(stats, ScalerStats.from_state(stats.to_state()))


def test_window_scaling_follows_each_windows_own_volatility() -> None:
    panel = synthetic_panel(n_series=2, n_weeks=60, n_features=1)
    target = panel.target.copy()
    target[0, 40:] = target[0, 40] + 50 * np.cumsum(np.sign(np.sin(np.arange(20))))  # wilder
    wild = Panel(panel.series_ids, panel.weeks, panel.features, panel.inputs, target)
    spec = WindowSpec(input_len=8)
    stats = fit_scaler(wild, spec, cutoff=39)  # trained before the change
    win = training_windows(wild, spec)
    own = window_scales(win, stats, mode="window", recent=4)
    fixed = window_scales(win, stats, mode="series")
    late = (win.series == 0) & (win.origin >= 50)
    assert (own.target[late] > 5 * fixed.target[late]).all()  # it follows the new regime
    recent = np.abs(np.diff(win.x[:, -4:, -1], axis=1)).mean(axis=1)
    np.testing.assert_allclose(own.target[late], recent[late])  # from the last 4 weeks only
    assert (own.target >= 0.1 * fixed.target - 1e-12).all()  # never below the floor
