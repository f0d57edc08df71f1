"""The forecaster contract shared by our models, the baselines and the evaluation.

A forecaster is fitted on a panel that ends at the training cutoff (it may use every week of it)
and predicts, for a panel that ends at the forecast origin, the change of each series' target
``horizon`` weeks after that last week — with a prediction interval. Because evaluation hands
over panels that *end* at the cutoff/origin, no forecaster can look ahead.

:class:`ScaledRegressor` is the common skeleton of every learned model (ridge, LightGBM, GRU,
TST): per-series scaling fitted at ``fit``, a time-ordered validation split, conformal
calibration of the interval, optional shrinkage of the point forecast toward zero change, and
batched prediction.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import NamedTuple, Protocol

import numpy as np

from trendpath.trends.forecast.data import (
    Issue,
    Panel,
    Policy,
    WindowSpec,
    check_panel,
    origin_windows,
    time_split,
    training_windows,
)
from trendpath.trends.forecast.scaling import (
    ScalerStats,
    align_stats,
    fit_scaler,
    scale_target,
    transform,
    unscale_target,
)
from trendpath.trends.forecast.uncertainty import cqr_margin, residual_margin


@dataclass(frozen=True, eq=False)
class Forecast:
    """Forecasts of the target change from ``week`` to ``week + horizon`` weeks, per series."""

    series_ids: tuple[str, ...]
    week: dt.date
    horizon: int
    point: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    coverage: float
    skipped: tuple[Issue, ...] = ()
    model_version: str = ""

    def as_dict(self) -> dict[str, dict[str, float]]:
        """``{series_id: {"point", "lower", "upper"}}`` for serialising."""
        return {
            sid: {"point": float(p), "lower": float(lo), "upper": float(hi)}
            for sid, p, lo, hi in zip(
                self.series_ids, self.point, self.lower, self.upper, strict=True
            )
        }


class Forecaster(Protocol):
    """What evaluation and serving need from any model."""

    name: str
    spec: WindowSpec

    def fit(self, panel: Panel) -> None:
        """Learn from every week of ``panel`` (it ends at the training cutoff)."""

    def predict(self, panel: Panel) -> Forecast:
        """Forecast from the last week of ``panel`` for every series that allows it."""


class Batch(NamedTuple):
    """Scaled windows ``x``, scaled target changes ``y`` and per-window loss weights ``w``."""

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray

    def subset(self, mask: np.ndarray) -> Batch:
        """The windows selected by a boolean mask."""
        return Batch(self.x[mask], self.y[mask], self.w[mask])


@dataclass
class FitSettings:
    """Options every scaled regressor shares.

    ``channels``: which scaled views of the window the model sees (see ``scaling.py``).
    ``val_weeks``: the last weeks of each series held out for early stopping and calibration.
    ``coverage``: nominal coverage of the prediction interval.
    ``refit``: after calibration, refit on all windows including validation (baselines).
    ``shrink``: scale the point forecast toward zero change by a factor fitted on validation.
    ``balance_series``: weight each window by 1 / (its series' window count), so a long series
    does not outvote short ones. Both are off: they hurt on the development period
    (docs/forecasting.md). ``policy``: what training does with bad series (``check_panel``).
    """

    channels: tuple[str, ...] = ("level", "relative")
    clip: float | None = 10.0
    val_weeks: int = 26
    coverage: float = 0.8
    shrink: bool = False
    refit: bool = True
    balance_series: bool = False
    policy: Policy = "raise"


@dataclass
class Calibration:
    """What is learned on the validation split after fitting."""

    margin: float = 0.0
    shrink: float = 1.0
    metrics: dict[str, float] = field(default_factory=dict)


class ScaledRegressor(ABC):
    """Skeleton of a global model on per-series scaled windows; subclasses fit arrays."""

    name = "scaled"

    def __init__(self, spec: WindowSpec, settings: FitSettings) -> None:
        self.spec = spec
        self.settings = settings
        self.stats: ScalerStats | None = None
        self.calibration = Calibration()

    @abstractmethod
    def _fit_arrays(self, train: Batch, val: Batch) -> None:
        """Fit on scaled training windows; ``val`` may drive early stopping or tuning."""

    @abstractmethod
    def _predict_arrays(self, x: np.ndarray) -> np.ndarray:
        """(n, 1) point or (n, 3) point + lower + upper quantiles, in scaled units."""

    def _refit(self, data: Batch) -> None:  # noqa: B027 - optional hook
        """Refit on train + validation windows after calibration (default: keep the model)."""

    # -- fit / predict --------------------------------------------------------------------------
    def fit(self, panel: Panel) -> None:
        """Scale, split by time, fit, then calibrate interval and shrinkage on validation."""
        if self.spec.features is None:
            # Pin the columns by name: a later panel must provide the same features.
            self.spec = replace(self.spec, features=panel.features)
        panel, _ = check_panel(panel, self.spec, policy=self.settings.policy)
        self.stats = fit_scaler(panel, self.spec)
        stats = align_stats(self.stats, panel, self.spec, panel.n_weeks - 1)
        win = training_windows(panel, self.spec)
        x = transform(win, stats, self.settings.channels, self.settings.clip)
        y = scale_target(win.y, win.series, stats).astype(np.float32)
        w = np.ones(y.size, dtype=np.float32)
        if self.settings.balance_series:
            counts = np.bincount(win.series)
            w = (y.size / (counts.size * counts[win.series])).astype(np.float32)
        data = Batch(x, y, w)
        train, val = time_split(win, self.spec, self.settings.val_weeks)
        self._fit_arrays(data.subset(train), data.subset(val))
        self.calibration = self._calibrate(self._predict_arrays(x[val]), y[val])
        if self.settings.refit:
            # The most recent weeks matter most for a forecast; calibration stays the one
            # measured on held-out validation windows.
            self._refit(data)

    def _calibrate(self, out: np.ndarray, y: np.ndarray) -> Calibration:
        point = out[:, 0]
        shrink = 1.0
        if self.settings.shrink and float(point @ point) > 0:
            shrink = float(np.clip((point @ y) / (point @ point), 0.0, 1.0))
        cov = self.settings.coverage
        if out.shape[1] >= 3:
            raw_cov = float(np.mean((y >= out[:, 1]) & (y <= out[:, 2])))
            margin = cqr_margin(y, out[:, 1], out[:, 2], cov)
        else:
            raw_cov = float("nan")
            margin = residual_margin(y, shrink * point, cov)
        naive = float(np.mean(y**2))
        mse = float(np.mean((y - shrink * point) ** 2))
        metrics = {
            "val_mse_scaled": mse,
            "val_naive_mse_scaled": naive,
            "val_rel_mse": mse / naive if naive > 0 else float("inf"),
            "val_raw_quantile_coverage": raw_cov,
            "val_windows": float(y.size),
        }
        return Calibration(margin=margin, shrink=shrink, metrics=metrics)

    def predict(self, panel: Panel) -> Forecast:
        """Batched forecast from the panel's last week; unusable series are listed, not NaN."""
        if self.stats is None:
            raise RuntimeError(f"{self.name} is not fitted")
        origin = panel.n_weeks - 1
        checked, issues = check_panel(
            panel, self.spec, min_weeks=1, policy="skip", require_change=False
        )
        win, more = origin_windows(checked, self.spec, origin)
        stats = align_stats(self.stats, checked, self.spec, origin)
        x = transform(win, stats, self.settings.channels, self.settings.clip)
        out = self._predict_arrays(x) if len(win.series) else np.zeros((0, 1))
        point = self.calibration.shrink * out[:, 0]
        m = self.calibration.margin
        lo = out[:, 1] - m if out.shape[1] >= 3 else point - m
        hi = out[:, 2] + m if out.shape[1] >= 3 else point + m
        lo, hi = np.minimum(lo, point), np.maximum(hi, point)
        s = win.series
        return Forecast(
            series_ids=tuple(checked.series_ids[i] for i in s),
            week=panel.weeks[origin],
            horizon=self.spec.horizon,
            point=unscale_target(point, s, stats),
            lower=unscale_target(lo, s, stats),
            upper=unscale_target(hi, s, stats),
            coverage=self.settings.coverage,
            skipped=(*issues, *more),
        )
