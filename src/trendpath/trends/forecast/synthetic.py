"""Small synthetic panels with a known, learnable signal, and the served recipe shrunk to fit them
(for tests, docs and smoke runs).

Each series has AR(1) input features; its target level drifts by ``signal`` x the first feature
plus noise, so the 4-week change is partly predictable from the window. Series differ in level and
unit (scale factors up to 100x), which per-series scaling must absorb.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from trendpath.trends.forecast.data import Panel
from trendpath.trends.forecast.gru import GRUConfig
from trendpath.trends.forecast.recipe import SERVED, Recipe
from trendpath.trends.forecast.tst import TSTConfig


def synthetic_panel(
    n_series: int = 6,
    n_weeks: int = 120,
    n_features: int = 3,
    *,
    signal: float = 1.0,
    noise: float = 0.5,
    seed: int = 0,
    start: dt.date = dt.date(2020, 1, 6),
) -> Panel:
    """A panel whose target change is driven by feature ``f0`` (AR(1), persistence 0.9)."""
    rng = np.random.default_rng(seed)
    feats = np.zeros((n_series, n_weeks, n_features))
    shocks = rng.normal(size=(n_series, n_weeks, n_features))
    for t in range(1, n_weeks):
        feats[:, t] = 0.9 * feats[:, t - 1] + shocks[:, t]
    steps = signal * feats[:, :, 0] + noise * rng.normal(size=(n_series, n_weeks))
    unit = 10.0 ** rng.uniform(-1, 1, size=(n_series, 1))
    level = 50.0 + rng.normal(0, 10, size=(n_series, 1))
    target = level + unit * np.cumsum(steps, axis=1)
    inputs = feats * unit[:, :, None] + rng.normal(0, 5, size=(n_series, 1, n_features))
    return Panel(
        series_ids=tuple(f"s{i:02d}" for i in range(n_series)),
        weeks=tuple(start + dt.timedelta(weeks=w) for w in range(n_weeks)),
        features=tuple(f"f{k}" for k in range(n_features)),
        inputs=inputs,
        target=target,
    )


def tiny_recipe(epochs: int = 5, batch_size: int = 64) -> Recipe:
    """The served recipe for panels of a few series and ~100 weeks: 8-week windows, narrow nets.

    Everything else — scaling, clipping, the GRU + TST average, the training code — is the
    served one, so tests exercise the product's path in seconds.
    """
    return SERVED.with_(
        input_len=8,
        min_history=4,
        scale_weeks=4,
        val_weeks=16,
        gru=GRUConfig(hidden=8),
        tst=TSTConfig(d_model=8, n_heads=2, d_ff=16, layers=1),
        train_epochs=epochs,
        train_batch_size=batch_size,
    )
