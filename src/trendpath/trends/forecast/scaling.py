"""Scaling: per-series statistics fitted on training weeks, and each window's own units.

Each series gets, per model column, a robust ``center`` (median) and ``scale`` (interquartile
range), and a ``step`` (mean absolute week-to-week change); and for the target a
``target_scale`` (mean absolute weekly change of the target, the MASE denominator). Models see:

- ``level`` channels: ``(x - center) / scale`` — where the series sits in its usual range;
- ``relative`` channels: ``(x - x_at_origin) / step`` — recent moves relative to the last value;

and learn the target change divided by ``target_scale``, so every series weighs about the same in
the loss whatever its units. Zero spreads fall back (IQR -> std -> 1) so nothing divides by zero.

Stats come from weeks up to the training cutoff only. A series unknown to the stats (new trend, or
too short at training time) is scaled with stats fitted on its own history up to the forecast
origin, which is still causal.

:func:`window_scales` offers the other choice (``mode="window"``, the served recipe's): the
``step`` of every column and of the target is measured on the window itself, over its last
weeks — still causal, and it follows a series whose volatility changed after training, which
per-series statistics frozen at the fit cannot (docs/forecasting.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trendpath.trends.forecast.data import Panel, Windows, WindowSpec, model_columns

CHANNELS = ("level", "relative")
_FLOOR = 1e-9


@dataclass(frozen=True, eq=False)
class ScalerStats:
    """Scaling statistics per series (rows follow ``series_ids``)."""

    series_ids: tuple[str, ...]
    center: np.ndarray  # (n_series, n_cols)
    scale: np.ndarray  # (n_series, n_cols)
    step: np.ndarray  # (n_series, n_cols)
    target_scale: np.ndarray  # (n_series,)

    def to_state(self) -> dict[str, object]:
        """Plain lists, safe for ``torch.load(weights_only=True)``."""
        return {
            "series_ids": list(self.series_ids),
            "center": self.center.tolist(),
            "scale": self.scale.tolist(),
            "step": self.step.tolist(),
            "target_scale": self.target_scale.tolist(),
        }

    @classmethod
    def from_state(cls, state: dict[str, object]) -> ScalerStats:
        """Inverse of :meth:`to_state`."""
        ids = tuple(str(s) for s in state["series_ids"])  # type: ignore[attr-defined]
        n = len(ids)

        def arr(key: str) -> np.ndarray:
            return np.asarray(state[key], dtype=np.float64).reshape(n, -1)

        return cls(ids, arr("center"), arr("scale"), arr("step"), arr("target_scale")[:, 0])


def _spread(values: np.ndarray) -> float:
    q75, q25 = np.percentile(values, [75, 25])
    for candidate in (q75 - q25, float(np.std(values))):
        if candidate > _FLOOR:
            return float(candidate)
    return 1.0


def _step(values: np.ndarray, fallback: float) -> float:
    step = float(np.mean(np.abs(np.diff(values)))) if values.size > 1 else 0.0
    return step if step > _FLOOR else fallback


def _series_stats(cols: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, ...]:
    """Stats of one series from its observed rows (cols (n, C), target (n,))."""
    n_cols = cols.shape[1]
    center = np.median(cols, axis=0)
    scale = np.array([_spread(cols[:, c]) for c in range(n_cols)])
    step = np.array([_step(cols[:, c], scale[c]) for c in range(n_cols)])
    t_scale = _step(target, _spread(target))
    return center, scale, step, np.array(t_scale)


def fit_scaler(
    panel: Panel, spec: WindowSpec, *, cutoff: int | None = None, min_obs: int | None = None
) -> ScalerStats:
    """Fit stats on weeks ``<= cutoff`` of every series with at least ``min_obs`` of them.

    ``min_obs`` defaults to ``history + horizon``; shorter series are left out (they get
    history-fitted stats at forecast time, see :func:`align_stats`).
    """
    cutoff = panel.n_weeks - 1 if cutoff is None else cutoff
    need = spec.history + spec.horizon if min_obs is None else min_obs
    cols = model_columns(panel, spec)[:, : cutoff + 1]
    target = panel.target[:, : cutoff + 1]
    ids: list[str] = []
    rows: list[tuple[np.ndarray, ...]] = []
    for i, sid in enumerate(panel.series_ids):
        ok = np.isfinite(cols[i]).all(axis=1) & np.isfinite(target[i])
        if ok.sum() >= need:
            ids.append(sid)
            rows.append(_series_stats(cols[i][ok], target[i][ok]))
    n_cols = cols.shape[2]
    if not rows:
        empty = np.zeros((0, n_cols))
        return ScalerStats((), empty, empty, empty, np.zeros(0))
    center, scale, step, t_scale = (np.stack(parts) for parts in zip(*rows, strict=True))
    return ScalerStats(tuple(ids), center, scale, step, t_scale)


def align_stats(stats: ScalerStats, panel: Panel, spec: WindowSpec, upto: int) -> ScalerStats:
    """Stats in ``panel`` series order; unknown series are fitted on their weeks ``<= upto``."""
    known = {sid: i for i, sid in enumerate(stats.series_ids)}
    missing = [sid for sid in panel.series_ids if sid not in known]
    extra = fit_scaler(panel.upto(upto), spec, min_obs=2) if missing else None
    extra_idx = {sid: i for i, sid in enumerate(extra.series_ids)} if extra else {}
    n_cols = model_columns(panel, spec).shape[2]
    out = [np.ones((len(panel.series_ids), n_cols)) for _ in range(3)]
    t_scale = np.ones(len(panel.series_ids))
    for row, sid in enumerate(panel.series_ids):
        src, j = (stats, known[sid]) if sid in known else (extra, extra_idx.get(sid, -1))
        if src is None or j < 0:
            continue  # cannot be forecast anyway (fewer than 2 observed weeks)
        out[0][row], out[1][row], out[2][row] = src.center[j], src.scale[j], src.step[j]
        t_scale[row] = src.target_scale[j]
    return ScalerStats(panel.series_ids, out[0], out[1], out[2], t_scale)


@dataclass(frozen=True, eq=False)
class WindowScales:
    """The units of each window: per column step (n, n_cols) and the target's (n,)."""

    step: np.ndarray
    target: np.ndarray


def window_scales(
    windows: Windows,
    stats: ScalerStats,
    *,
    mode: str = "series",
    recent: int | None = None,
    floor: float = 0.1,
) -> WindowScales:
    """Units of every window: the series' training-period steps, or each window's own.

    ``mode="window"`` measures the mean absolute weekly change over the window's last ``recent``
    weeks (all of it when None) at the origin: causal, and it follows a series whose volatility
    changed after training. It never drops below ``floor`` x the series' step, so a flat
    window does not blow tiny moves up. The target column is the window's last column
    (``target_as_input``); without it the series' target step is used.
    """
    s = windows.series
    step, target = stats.step[s], stats.target_scale[s]
    if mode == "series":
        return WindowScales(step, target)
    if mode != "window":
        raise ValueError(f"scaling mode must be 'series' or 'window', got {mode!r}")
    x = windows.x if recent is None else windows.x[:, -recent:]
    own = np.abs(np.diff(x, axis=1)).mean(axis=1) if x.shape[1] > 1 else np.zeros_like(step)
    step = np.maximum(own, floor * step)
    step = np.where(step > _FLOOR, step, 1.0)
    return WindowScales(step, step[:, -1] if windows.has_target else target)


def transform(
    windows: Windows,
    stats: ScalerStats,
    channels: tuple[str, ...],
    clip: float | None,
    scales: WindowScales | None = None,
) -> np.ndarray:
    """Model inputs (n, input_len, n_cols * len(channels)) as float32; stats in panel order."""
    unknown = set(channels) - set(CHANNELS)
    if unknown or not channels:
        raise ValueError(f"channels must be a non-empty subset of {CHANNELS}, got {channels}")
    s = windows.series
    step = stats.step[s] if scales is None else scales.step
    parts = []
    if "level" in channels:
        parts.append((windows.x - stats.center[s, None, :]) / stats.scale[s, None, :])
    if "relative" in channels:
        parts.append((windows.x - windows.x[:, -1:, :]) / step[:, None, :])
    out = np.concatenate(parts, axis=2)
    if clip is not None:
        out = np.clip(out, -clip, clip)
    return out.astype(np.float32)
