"""Panels of weekly series and the windows the forecasters learn from.

A :class:`Panel` holds many series on one weekly calendar: ``inputs`` (n_series, n_weeks,
n_features) and ``target`` (n_series, n_weeks), the *level* whose future change is forecast
(the Velocity Score for trends; the series itself for a univariate panel). The forecast target at
origin week ``t`` is ``target[t + horizon] - target[t]``.

Series may start late or end early (leading/trailing NaN = not observed): each series has one
contiguous *span* of weeks where every used feature and the target are finite. Everything else is
bad input, reported by :func:`check_panel` with a stable code:

``non_finite``  an inf anywhere in a used column
``gap``         a NaN inside the span (a missing week)
``too_short``   fewer observed weeks than the caller needs
``constant``    the target never changes (its change is always 0; scaling is undefined)
``outlier``     one value lies more than ``outliers.OUTLIER_FACTOR`` typical weekly moves from the
                series' median: a unit or typing error, not a trend (checked over the whole span
                for training, over the input window for a forecast)

Under ``policy="raise"`` the first issue raises :class:`PanelError`; under ``policy="skip"`` the bad
series are dropped and listed. Unknown feature names always raise.

No look-ahead: a training window with origin ``t`` is used only when its target week ``t + horizon``
is at or before the cutoff, and its inputs end at ``t``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from trendpath.trends.forecast.outliers import outlier_at, pooled_steps

Policy = Literal["raise", "skip"]
ISSUE_CODES = (
    "non_finite",
    "gap",
    "too_short",
    "constant",
    "outlier",
    "unknown_feature",
    "shape",
)


class PanelError(ValueError):
    """Bad panel input; ``code`` is one of :data:`ISSUE_CODES`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Issue:
    """One series that was dropped from a panel, and why."""

    series_id: str
    code: str
    message: str


@dataclass(frozen=True, eq=False)
class Panel:
    """Weekly series on one calendar. Arrays are float64; NaN marks unobserved weeks."""

    series_ids: tuple[str, ...]
    weeks: tuple[dt.date, ...]
    features: tuple[str, ...]
    inputs: np.ndarray
    target: np.ndarray
    target_name: str = "target"

    def __post_init__(self) -> None:
        inputs = np.asarray(self.inputs, dtype=np.float64)
        target = np.asarray(self.target, dtype=np.float64)
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "target", target)
        n_s, n_w, n_f = len(self.series_ids), len(self.weeks), len(self.features)
        if inputs.shape != (n_s, n_w, n_f):
            raise PanelError("shape", f"inputs shape {inputs.shape} != {(n_s, n_w, n_f)}")
        if target.shape != (n_s, n_w):
            raise PanelError("shape", f"target shape {target.shape} != {(n_s, n_w)}")
        if len(set(self.series_ids)) != n_s:
            raise PanelError("shape", "series ids must be unique")
        if len(set(self.features)) != n_f:
            raise PanelError("shape", "feature names must be unique")
        steps = {(b - a).days for a, b in zip(self.weeks, self.weeks[1:], strict=False)}
        if steps - {7}:
            raise PanelError("gap", "weeks must be consecutive 7-day steps, sorted ascending")

    @property
    def n_weeks(self) -> int:
        """Number of weeks on the calendar."""
        return len(self.weeks)

    def feature_index(self, names: tuple[str, ...] | None) -> list[int]:
        """Column positions of ``names`` (all features when None); unknown names raise."""
        if names is None:
            return list(range(len(self.features)))
        unknown = [n for n in names if n not in self.features]
        if unknown:
            raise PanelError(
                "unknown_feature", f"unknown features {unknown}; panel has {list(self.features)}"
            )
        return [self.features.index(n) for n in names]

    def week_index(self, week: dt.date) -> int:
        """Position of ``week`` on the calendar; KeyError when it is not on it."""
        try:
            return self.weeks.index(week)
        except ValueError:
            span = f"{self.weeks[0]}..{self.weeks[-1]}" if self.weeks else "empty"
            raise KeyError(f"week {week} is not in the panel ({span})") from None

    def upto(self, last: int) -> Panel:
        """The panel as it was known at week index ``last`` (later weeks removed)."""
        if not 0 <= last < self.n_weeks:
            raise IndexError(f"week index {last} outside 0..{self.n_weeks - 1}")
        return replace(
            self,
            weeks=self.weeks[: last + 1],
            inputs=self.inputs[:, : last + 1],
            target=self.target[:, : last + 1],
        )

    def select(self, keep: list[int]) -> Panel:
        """A panel with only the series at positions ``keep``."""
        return replace(
            self,
            series_ids=tuple(self.series_ids[i] for i in keep),
            inputs=self.inputs[keep],
            target=self.target[keep],
        )

    def version(self) -> str:
        """Content hash (ids, calendar, features, values): the data version of a model."""
        h = hashlib.sha256()
        h.update("|".join(self.series_ids).encode())
        h.update("|".join(w.isoformat() for w in (self.weeks[0], self.weeks[-1])).encode())
        h.update("|".join((*self.features, self.target_name)).encode())
        h.update(np.ascontiguousarray(self.inputs).tobytes())
        h.update(np.ascontiguousarray(self.target).tobytes())
        return h.hexdigest()[:16]


@dataclass(frozen=True)
class WindowSpec:
    """How windows are cut: input length, horizon and which columns feed the model.

    ``features`` None means every panel feature. ``target_as_input`` appends the target level as
    one more input column (it is known at the origin, so this is not look-ahead).
    ``min_history`` (default ``input_len``) lets long windows start on series with less history:
    the weeks before a series' first observation repeat the origin's value (a flat past).
    """

    input_len: int = 4
    horizon: int = 4
    features: tuple[str, ...] | None = None
    target_as_input: bool = True
    min_history: int | None = None

    def __post_init__(self) -> None:
        if self.input_len < 1 or self.horizon < 1:
            raise ValueError("input_len and horizon must be >= 1")
        if self.min_history is not None and not 1 <= self.min_history <= self.input_len:
            raise ValueError("min_history must be in 1..input_len")

    @property
    def history(self) -> int:
        """Observed weeks a window needs up to its origin."""
        return self.input_len if self.min_history is None else self.min_history


@dataclass(frozen=True)
class Windows:
    """Raw (unscaled) windows: ``x`` (n, input_len, n_cols), ``y`` change, series and origin."""

    x: np.ndarray
    y: np.ndarray
    series: np.ndarray
    origin: np.ndarray
    last_level: np.ndarray = field(repr=False)
    has_target: bool = True  # the target level is the last column of ``x``


def model_columns(panel: Panel, spec: WindowSpec) -> np.ndarray:
    """The model's input columns (n_series, n_weeks, n_cols): chosen features [+ target]."""
    cols = panel.inputs[:, :, panel.feature_index(spec.features)]
    if spec.target_as_input:
        cols = np.concatenate([cols, panel.target[:, :, None]], axis=2)
    return cols


def spans(panel: Panel, spec: WindowSpec) -> tuple[np.ndarray, np.ndarray]:
    """First and last observed week index per series (-1, -2 for an empty series).

    Assumes a checked panel (no gaps): the span is where all used columns are finite.
    """
    ok = np.isfinite(model_columns(panel, spec)).all(axis=2) & np.isfinite(panel.target)
    any_ok = ok.any(axis=1)
    first = np.where(any_ok, ok.argmax(axis=1), -1)
    last = np.where(any_ok, panel.n_weeks - 1 - ok[:, ::-1].argmax(axis=1), -2)
    return first, last


def _series_issue(
    cols: np.ndarray,
    target: np.ndarray,
    min_weeks: int,
    require_change: bool,
    outlier_weeks: int | None,
    pooled: np.ndarray,
) -> tuple[str, str] | None:
    """The first problem with one series (cols (n_weeks, n_cols)), or None when it is usable."""
    if np.isinf(cols).any() or np.isinf(target).any():
        return "non_finite", "contains inf"
    ok = np.isfinite(cols).all(axis=1) & np.isfinite(target)
    seen = np.flatnonzero(ok)
    if seen.size == 0:
        return "too_short", "no observed week"
    a, b = int(seen[0]), int(seen[-1])
    if seen.size != b - a + 1:
        missing = int(np.flatnonzero(~ok[a : b + 1])[0]) + a
        return "gap", f"missing or NaN value inside the series at week index {missing}"
    if seen.size < min_weeks:
        return "too_short", f"{seen.size} observed weeks, need at least {min_weeks}"
    if require_change and np.ptp(target[a : b + 1]) == 0.0:
        return "constant", "the target never changes"
    recent = a if outlier_weeks is None else max(a, b - outlier_weeks + 1)
    for c in range(cols.shape[1]):
        week = outlier_at(cols[a : b + 1, c], recent - a, pooled[c])
        if week is not None:
            return "outlier", f"one value at week index {week + a} is far outside the series"
    return None


def check_panel(
    panel: Panel,
    spec: WindowSpec,
    *,
    min_weeks: int | None = None,
    policy: Policy = "raise",
    require_change: bool = True,
    outlier_weeks: int | None = None,
) -> tuple[Panel, list[Issue]]:
    """Validate every series; raise on the first issue, or drop bad series under ``skip``.

    ``min_weeks`` defaults to ``history + horizon`` (one complete training window).
    ``require_change=False`` accepts a constant target (fine to forecast from, useless to train).
    ``outlier_weeks``: look for an enormous outlier in the last that many weeks only (a forecast
    reads its input window; an old error outside it does not matter); None: the whole span.
    """
    need = spec.history + spec.horizon if min_weeks is None else min_weeks
    cols = model_columns(panel, spec)  # raises unknown_feature
    with np.errstate(invalid="ignore"):  # inf - inf in a series that holds inf
        pooled = pooled_steps(cols)
    issues: list[Issue] = []
    keep: list[int] = []
    for i, sid in enumerate(panel.series_ids):
        found = _series_issue(cols[i], panel.target[i], need, require_change, outlier_weeks, pooled)
        if found is None:
            keep.append(i)
            continue
        code, msg = found
        if policy == "raise":
            raise PanelError(code, f"series {sid!r}: {msg}")
        issues.append(Issue(sid, code, msg))
    if not keep:
        raise PanelError("too_short", "no usable series left in the panel")
    return (panel if len(keep) == len(panel.series_ids) else panel.select(keep)), issues


def _gather(
    panel: Panel,
    spec: WindowSpec,
    series: np.ndarray,
    origin: np.ndarray,
    first: np.ndarray,
    with_y: bool,
) -> Windows:
    cols = model_columns(panel, spec)
    offsets = np.arange(-spec.input_len + 1, 1)
    weeks = origin[:, None] + offsets[None, :]
    # Weeks before the series began repeat the origin's value: "no change", not a fake history.
    weeks = np.where(weeks < first[series][:, None], origin[:, None], weeks)
    x = cols[series[:, None], weeks]
    level = panel.target[series, origin]
    y = panel.target[series, origin + spec.horizon] - level if with_y else np.full_like(level, 0)
    return Windows(
        x=x,
        y=y,
        series=series,
        origin=origin,
        last_level=level,
        has_target=spec.target_as_input,
    )


def training_windows(panel: Panel, spec: WindowSpec, *, cutoff: int | None = None) -> Windows:
    """Every complete window whose target week is <= ``cutoff`` (default: the last week).

    This is the no-look-ahead rule: nothing after ``cutoff`` is read.
    """
    cutoff = panel.n_weeks - 1 if cutoff is None else cutoff
    first, last = spans(panel, spec)
    series_parts, origin_parts = [], []
    for s in range(len(panel.series_ids)):
        lo = first[s] + spec.history - 1
        hi = min(last[s], cutoff) - spec.horizon
        if first[s] >= 0 and hi >= lo:
            origins = np.arange(lo, hi + 1)
            series_parts.append(np.full(origins.size, s))
            origin_parts.append(origins)
    if not series_parts:
        raise PanelError("too_short", "no complete window (input_len + horizon) before the cutoff")
    series, origins = np.concatenate(series_parts), np.concatenate(origin_parts)
    return _gather(panel, spec, series, origins, first, with_y=True)


def origin_windows(panel: Panel, spec: WindowSpec, origin: int) -> tuple[Windows, list[Issue]]:
    """Input windows ending at week ``origin`` for every series that can be forecast there.

    Series not observed at ``origin`` or with fewer than ``spec.history`` weeks up to it are
    skipped and reported (``too_short``); their forecast is absent, never NaN.
    """
    first, last = spans(panel, spec)
    ok = (first >= 0) & (first <= origin - spec.history + 1) & (last >= origin)
    issues = [
        Issue(sid, "too_short", f"not observed for {spec.history} weeks up to the origin")
        for sid, good in zip(panel.series_ids, ok, strict=True)
        if not good
    ]
    series = np.flatnonzero(ok)
    windows = _gather(panel, spec, series, np.full(series.size, origin), first, with_y=False)
    return windows, issues


def time_split(windows: Windows, spec: WindowSpec, val_weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Time-ordered train/validation masks, per series: validation = its last ``val_weeks`` origins.

    A series' training windows must have their target week before its first validation origin,
    so no training target overlaps its validation period. (On a panel whose series share one
    calendar this is the same as one global split; on a ragged panel every series still gets
    its most recent weeks validated.)
    """
    if windows.origin.size == 0:
        raise PanelError("too_short", "no windows to split")
    n_series = int(windows.series.max()) + 1
    last = np.full(n_series, -1)
    np.maximum.at(last, windows.series, windows.origin)
    val_start = last[windows.series] - val_weeks + 1
    val = windows.origin >= val_start
    train = windows.origin + spec.horizon < val_start
    if not train.any() or not val.any():
        raise PanelError("too_short", f"too few weeks for a {val_weeks}-week validation split")
    return train, val


def rolling_origins(
    first: int, last: int, horizon: int, n_cutoffs: int, min_train: int
) -> np.ndarray:
    """The last ``n_cutoffs`` forecast origins of a series spanning [first, last].

    Each origin ``t`` has its actual value at ``t + horizon <= last``; origins leave at least
    ``min_train`` observed weeks before them (fewer origins when the series is too short).
    """
    hi = last - horizon
    lo = max(hi - n_cutoffs + 1, first + min_train - 1)
    return np.arange(lo, hi + 1) if hi >= lo else np.arange(0)
