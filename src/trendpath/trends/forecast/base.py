"""The forecaster contract shared by our models, the baselines and the evaluation.

A forecaster is fitted on a panel that ends at the training cutoff (it may use every week of it)
and predicts, for a panel that ends at the forecast origin, the change of each series' target
``horizon`` weeks after that last week — with a prediction interval. Because evaluation hands
over panels that *end* at the cutoff/origin, no forecaster can look ahead.

:class:`ScaledRegressor` is the common skeleton of every learned model (ridge, LightGBM, GRU,
TST): scaling (per series, or per window: ``scaling.py``), a time-ordered validation split,
conformal calibration of the interval, optional shrinkage of the point forecast toward zero
change, and batched prediction in which a series the model cannot read (``check_panel``'s
issues) gets :func:`naive_forecast` and its reason instead of nothing.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field, replace
from typing import Any, NamedTuple, Protocol

import numpy as np

from trendpath.trends.forecast.data import (
    Issue,
    Panel,
    Policy,
    Windows,
    WindowSpec,
    check_panel,
    origin_windows,
    time_split,
    training_windows,
)
from trendpath.trends.forecast.scaling import (
    ScalerStats,
    WindowScales,
    align_stats,
    fit_scaler,
    transform,
    window_scales,
)
from trendpath.trends.forecast.uncertainty import (
    cqr_margin,
    interval_quantiles,
    residual_margin,
)


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
    fallback: tuple[Issue, ...] = ()
    """Series the model could not read (too short, a gap, an outlier ...): they got the naive
    forecast (:func:`naive_forecast`) instead, and this says why."""

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
    ``scaling`` / ``scale_weeks``: the units of each window (``scaling.window_scales``).
    ``target_clip``: clip scaled training targets at ± this many units (None: no clip).
    """

    channels: tuple[str, ...] = ("level", "relative")
    clip: float | None = 10.0
    val_weeks: int = 26
    coverage: float = 0.8
    shrink: bool = False
    refit: bool = True
    balance_series: bool = False
    policy: Policy = "raise"
    scaling: str = "series"
    scale_weeks: int | None = None
    target_clip: float | None = None


@dataclass
class Calibration:
    """What is learned on the validation split after fitting."""

    margin: float = 0.0
    shrink: float = 1.0
    metrics: dict[str, float] = field(default_factory=dict)


class ScaledRegressor(ABC):
    """Skeleton of a global model on per-series scaled windows; subclasses fit arrays."""

    name = "scaled"
    family = "baseline"

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
        scales = self._scales(win, stats)
        x = transform(win, stats, self.settings.channels, self.settings.clip, scales)
        y = (win.y / scales.target).astype(np.float32)
        if self.settings.target_clip is not None:
            # A jump of dozens of typical weeks (a launch, a crash) would dominate the MSE.
            y = np.clip(y, -self.settings.target_clip, self.settings.target_clip)
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

    def _scales(self, win: Windows, stats: ScalerStats) -> WindowScales:
        st = self.settings
        return window_scales(win, stats, mode=st.scaling, recent=st.scale_weeks)

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
            panel,
            self.spec,
            min_weeks=self.spec.history,
            policy="skip",
            outlier_weeks=self.spec.input_len,
        )
        win, more = origin_windows(checked, self.spec, origin)
        stats = align_stats(self.stats, checked, self.spec, origin)
        scales = self._scales(win, stats)
        x = transform(win, stats, self.settings.channels, self.settings.clip, scales)
        out = self._predict_arrays(x) if len(win.series) else np.zeros((0, 1))
        point = self.calibration.shrink * out[:, 0]
        m = self.calibration.margin
        lo = out[:, 1] - m if out.shape[1] >= 3 else point - m
        hi = out[:, 2] + m if out.shape[1] >= 3 else point + m
        lo, hi = np.minimum(lo, point), np.maximum(hi, point)
        s = win.series
        fc = Forecast(
            series_ids=tuple(checked.series_ids[i] for i in s),
            week=panel.weeks[origin],
            horizon=self.spec.horizon,
            point=point * scales.target,
            lower=lo * scales.target,
            upper=hi * scales.target,
            coverage=self.settings.coverage,
        )
        return with_fallback(fc, panel, [*issues, *more])

    # -- persistence (the registry) ----------------------------------------------------------------
    @property
    def metrics(self) -> dict[str, float]:
        """Validation metrics of the last fit."""
        return dict(self.calibration.metrics)

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild this forecaster, as plain data."""
        return {"kind": self.name, "spec": asdict(self.spec), "settings": asdict(self.settings)}

    def params(self) -> dict[str, Any]:
        """Learned parameters that are not tensors (plain data); none by default."""
        return {}

    def load_params(self, params: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Inverse of :meth:`params`."""

    def state(self) -> dict[str, Any]:
        """Fitted state besides tensors: scaler stats, calibration and plain parameters."""
        if self.stats is None:
            raise RuntimeError(f"{self.name} is not fitted")
        cal = self.calibration
        return {
            "scaler": self.stats.to_state(),
            "calibration": {"margin": cal.margin, "shrink": cal.shrink},
            "params": self.params(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Inverse of :meth:`state`."""
        self.stats = ScalerStats.from_state(state["scaler"])
        self.calibration = Calibration(**state["calibration"])
        self.load_params(state.get("params", {}))


def spec_from(config: dict[str, Any]) -> WindowSpec:
    """The :class:`WindowSpec` stored in a forecaster's :meth:`~ScaledRegressor.config`."""
    spec = dict(config["spec"])
    if spec.get("features") is not None:
        spec["features"] = tuple(spec["features"])
    return WindowSpec(**spec)


def settings_from(config: dict[str, Any]) -> FitSettings:
    """The :class:`FitSettings` stored in a forecaster's config."""
    settings = dict(config["settings"])
    settings["channels"] = tuple(settings["channels"])
    return FitSettings(**settings)


def naive_forecast(
    panel: Panel, series: list[int], horizon: int, coverage: float, week: dt.date
) -> Forecast:
    """Zero change for ``series`` with an interval from past ``horizon``-week changes.

    The band is the central ``coverage`` range of the series' own finite past changes when it
    has at least 8 of them (quantiles shrug off one bad value), else of every series' changes
    pooled (a new or broken trend moves like the others), else zero width.
    """
    lo_q, hi_q = interval_quantiles(coverage)

    def changes(rows: np.ndarray) -> np.ndarray:
        d = rows[..., horizon:] - rows[..., :-horizon]
        return d[np.isfinite(d)]

    pooled = changes(panel.target)
    lo, hi = [], []
    for s in series:
        own = changes(panel.target[s])
        source = own if own.size >= 8 else pooled
        q = np.quantile(source, [lo_q, hi_q]) if source.size else np.zeros(2)
        lo.append(min(float(q[0]), 0.0))
        hi.append(max(float(q[1]), 0.0))
    zeros = np.zeros(len(series))
    return Forecast(
        series_ids=tuple(panel.series_ids[s] for s in series),
        week=week,
        horizon=horizon,
        point=zeros,
        lower=np.asarray(lo),
        upper=np.asarray(hi),
        coverage=coverage,
    )


def with_fallback(fc: Forecast, panel: Panel, issues: list[Issue]) -> Forecast:
    """``fc`` plus the naive forecast for every series in ``issues`` observed at the origin.

    ``panel`` ends at the origin. A series whose target is unknown there has no level to stay
    at: it stays in ``skipped``.
    """
    row = {sid: i for i, sid in enumerate(panel.series_ids)}
    usable = [i for i in issues if np.isfinite(panel.target[row[i.series_id], -1])]
    if not usable:
        return replace(fc, skipped=tuple(issues))
    base = naive_forecast(
        panel, [row[i.series_id] for i in usable], fc.horizon, fc.coverage, fc.week
    )
    return replace(
        fc,
        series_ids=(*fc.series_ids, *base.series_ids),
        point=np.concatenate([fc.point, base.point]),
        lower=np.concatenate([fc.lower, base.lower]),
        upper=np.concatenate([fc.upper, base.upper]),
        skipped=tuple(i for i in issues if i not in usable),
        fallback=tuple(usable),
    )
