"""The Velocity Score: how fast a trend is moving now compared with its own recent past (0–100).

Formula (details, reasons and a worked example in ``docs/velocity-score.md``). For each trend,
indicator ``k`` and week ``t``, using only weeks ``<= t``:

1. ``x`` = the indicator (patent counts as ``log1p``), non-finite or negative counts = missing;
   ``s_t`` = mean of the valid ``x`` over the last ``smooth[k]`` weeks.
2. ``z_t = clip((s_t - median) / max(1.4826 * MAD, min_scale[k]), -z_clip, z_clip)`` with median
   and MAD over the valid ``s`` of the trailing ``window`` weeks. ``z_t = 0`` (and ``valid`` is
   False) when ``s_t`` is missing or the window holds fewer than ``min_valid`` valid values.
3. ``raw_t = sum_k weights[k] * z_t[k]``; the policy weight is negative (instability).
4. ``score_t = 50 + 50 * tanh(raw_t / temperature)``, shared out as
   ``contribution_t[k] = 50 * tanh(raw_t / T) / raw_t * weights[k] * z_t[k]`` so that
   ``score_t = 50 + sum_k contribution_t[k]`` exactly (up to float rounding, < 1e-9).

``score`` is NaN only for weeks ``t < min_history - 1`` (too little history to have a "normal");
from then on it is always finite, whatever is missing: missing inputs are skipped, neutral (z = 0)
and flagged in ``valid``; ``coverage`` says what share of the weight had data.

Stability (0–1, 1 = stable) is ``exp(-(mean + std) / stability_scale)`` of the weekly policy
change counts over the trailing ``stability_window`` weeks: an absolute scale, comparable across
trends, for matching against a user's stability preference. NaN before ``min_history - 1`` and
where that window holds fewer than half its weeks of valid policy data.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, replace
from typing import ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from trendpath.trends.indicators import INDICATOR_META, INDICATORS

_N = len(INDICATORS)
_PATENTS = INDICATORS.index("patent_filing_rate")
_POLICY = INDICATORS.index("policy_change_frequency")
_COUNTS = [INDICATORS.index(s) for s in INDICATORS if INDICATOR_META[s].kind == "count"]
_MAD_TO_SD = 1.4826  # makes the MAD a consistent estimate of the std for normal data
_CHUNK_ELEMENTS = 2_000_000  # bounds the memory of the trailing-window sort


@dataclass(frozen=True)
class VelocityConfig:
    """Parameters of the Velocity Score; the defaults are the documented production setting.

    Tuples follow :data:`~trendpath.trends.indicators.INDICATORS` order.
    """

    window: int = 52
    """Trailing weeks that define a trend's "normal" (median and MAD)."""
    min_history: int = 26
    """Weeks of history before the first score (earlier weeks are NaN)."""
    min_valid: int = 13
    """Valid weeks an indicator needs in the window to count; below that it is neutral."""
    smooth: tuple[int, ...] = (1, 4, 1, 1, 4)
    """Trailing mean before standardising. Growth rates are already 4-over-4; counts are not."""
    weights: tuple[float, ...] = (0.25, 0.15, 0.25, 0.20, -0.15)
    """Signed weight per indicator; |weights| sum to 1. Policy is an instability penalty."""
    min_scale: tuple[float, ...] = (2.0, 0.05, 2.0, 2.0, 0.25)
    """Floor of the robust scale, in indicator units (%, log1p count, count): keeps a quiet
    series from turning one event into an extreme z-score."""
    z_clip: float = 3.0
    temperature: float = 1.5
    """Raw-score units per tanh unit: raw = ±1.5 (1 robust SD on every flow) maps to ~88/12."""
    stability_window: int = 26
    stability_scale: float = 1.5
    """Policy volatility (changes/week, mean + std) at which stability falls to exp(-1) = 0.37."""

    baseline: ClassVar[float] = 50.0
    """The neutral score; contributions are measured from it. Fixed: the scale is 0–100."""
    formula: ClassVar[str] = "v1"
    """Bumped by hand whenever the formula in this module changes."""

    @property
    def version(self) -> str:
        """``<formula>-<hash of the parameters>``: stored with every score to tell runs apart."""
        params = json.dumps(asdict(self), sort_keys=True)
        return f"{self.formula}-{hashlib.sha256(params.encode()).hexdigest()[:8]}"

    def __post_init__(self) -> None:
        for name in ("smooth", "weights", "min_scale"):
            if len(getattr(self, name)) != _N:
                raise ValueError(f"{name} needs {_N} entries (one per indicator)")
        if not all(math.isfinite(w) for w in self.weights) or not any(self.weights):
            raise ValueError("weights must be finite and not all zero")
        if min(self.smooth) < 1 or min(self.min_scale) <= 0:
            raise ValueError("smooth must be >= 1 and min_scale > 0")
        if not 1 <= self.min_valid <= self.window or self.min_history < 1:
            raise ValueError("need 1 <= min_valid <= window and min_history >= 1")
        if self.z_clip <= 0 or self.temperature <= 0 or self.stability_scale <= 0:
            raise ValueError("z_clip, temperature and stability_scale must be > 0")
        if self.stability_window < 2:
            raise ValueError("stability_window must be >= 2")


@dataclass(frozen=True)
class VelocityResult:
    """Scores and their explanation; leading axes follow the input (``(n_trends,)`` or none)."""

    score: np.ndarray
    """(…, n_weeks) in [0, 100]; NaN only before ``min_history``."""
    contributions: np.ndarray
    """(…, n_weeks, 5) score points per indicator; ``baseline + sum`` = ``score``."""
    stability: np.ndarray
    """(…, n_weeks) 0–1 stability index from policy volatility (1 = stable)."""
    zscores: np.ndarray
    """(…, n_weeks, 5) clipped robust z-scores (0 where not valid)."""
    valid: np.ndarray
    """(…, n_weeks, 5) True where the indicator had data and history enough to count."""
    coverage: np.ndarray
    """(…, n_weeks) share of total |weight| whose indicator was valid (0–1)."""
    smoothed: np.ndarray
    """(…, n_weeks, 5) the smoothed input, in indicator units (NaN where missing)."""
    typical: np.ndarray
    """(…, n_weeks, 5) the trailing median of ``smoothed`` (the trend's "normal")."""
    baseline: float = 50.0
    weights: tuple[float, ...] = VelocityConfig.weights
    """The signed weights the score was computed with (INDICATORS order)."""


def compute_velocity(values: np.ndarray, cfg: VelocityConfig = VelocityConfig()) -> VelocityResult:
    """Velocity Score, contributions and stability for (n_weeks, 5) or (n_trends, n_weeks, 5).

    Vectorised numpy; no look-ahead (week t uses weeks <= t only). Non-finite values are
    treated as missing, as are negative counts. See the module docstring for the formula.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim not in (2, 3) or arr.shape[-1] != _N:
        raise ValueError(f"values must be (n_weeks, {_N}) or (n_trends, n_weeks, {_N})")
    single = arr.ndim == 2
    x = _clean(arr[None] if single else arr)
    transformed = x.copy()
    transformed[..., _PATENTS] = np.log1p(x[..., _PATENTS])
    smoothed = np.stack(
        [_trailing_nanmean(transformed[..., k], cfg.smooth[k]) for k in range(_N)], axis=-1
    )
    median, mad, n_valid = _trailing_median_mad(smoothed, cfg.window)
    scale = np.maximum(_MAD_TO_SD * mad, np.asarray(cfg.min_scale))
    valid = np.isfinite(smoothed) & (n_valid >= cfg.min_valid)
    z = np.where(valid, np.clip((smoothed - median) / scale, -cfg.z_clip, cfg.z_clip), 0.0)
    score, contributions = _squash(z, cfg)
    weights = np.abs(np.asarray(cfg.weights))
    coverage = (valid * weights).sum(axis=-1) / weights.sum()
    stability = _stability(x[..., _POLICY], cfg)

    early = np.arange(x.shape[1]) < cfg.min_history - 1
    score[:, early] = np.nan
    contributions[:, early] = np.nan
    stability[:, early] = np.nan
    # Report patents in counts again (median commutes with the monotone log1p).
    smoothed[..., _PATENTS] = np.expm1(smoothed[..., _PATENTS])
    median[..., _PATENTS] = np.expm1(median[..., _PATENTS])
    out = (score, contributions, stability, z, valid, coverage, smoothed, median)
    if single:
        out = tuple(a[0] for a in out)
    return VelocityResult(*out, baseline=VelocityConfig.baseline, weights=tuple(cfg.weights))


def _clean(x: np.ndarray) -> np.ndarray:
    """A copy with non-finite values, and negative counts, replaced by NaN (= missing)."""
    out = np.where(np.isfinite(x), x, np.nan)
    counts = out[..., _COUNTS]
    out[..., _COUNTS] = np.where(counts >= 0, counts, np.nan)
    return out


def _squash(z: np.ndarray, cfg: VelocityConfig) -> tuple[np.ndarray, np.ndarray]:
    """Score = 50 + 50 tanh(raw / T), shared out in proportion to each weighted z-score."""
    weights = np.asarray(cfg.weights)
    raw = z @ weights
    amplitude = VelocityConfig.baseline
    tiny = np.abs(raw) < 1e-12  # the limit of tanh(r/T)/r at 0 is 1/T
    safe_raw = np.where(tiny, 1.0, raw)
    factor = np.where(
        tiny, amplitude / cfg.temperature, amplitude * np.tanh(raw / cfg.temperature) / safe_raw
    )
    contributions = factor[..., None] * z * weights
    score = np.clip(amplitude + contributions.sum(axis=-1), 0.0, 100.0)
    return score, contributions


def _trailing_nanmean(x: np.ndarray, weeks: int) -> np.ndarray:
    """Mean of the valid values among the last ``weeks`` (NaN when none), along axis 1."""
    if weeks == 1:
        return x.copy()
    ok = np.isfinite(x)
    zero = np.zeros_like(x[:, :1])
    csum = np.concatenate([zero, np.cumsum(np.where(ok, x, 0.0), axis=1)], axis=1)
    ccount = np.concatenate([zero, np.cumsum(ok, axis=1)], axis=1)
    hi = np.arange(1, x.shape[1] + 1)
    lo = np.maximum(hi - weeks, 0)
    total = csum[:, hi] - csum[:, lo]
    count = ccount[:, hi] - ccount[:, lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _trailing_median_mad(s: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, MAD and valid count of the trailing ``window`` values along axis 1 (NaN-aware).

    Missing values become +inf so that they sort last and the median of the first ``n``
    sorted entries is the median of the valid ones; both sorts work in place on one buffer.
    """
    ok = np.isfinite(s)
    csum = np.concatenate([np.zeros_like(ok[:, :1], dtype=np.int64), np.cumsum(ok, axis=1)], 1)
    hi = np.arange(1, s.shape[1] + 1)
    count = csum[:, hi] - csum[:, np.maximum(hi - window, 0)]
    filled = np.where(ok, s, np.inf)
    median = np.full(s.shape, np.nan)
    mad = np.full(s.shape, np.nan)
    per_trend = s.shape[1] * s.shape[2] * window
    step = max(1, _CHUNK_ELEMENTS // max(per_trend, 1))
    for lo in range(0, s.shape[0], step):
        part = filled[lo : lo + step]
        n = count[lo : lo + step]
        pad = np.full((part.shape[0], window - 1, part.shape[2]), np.inf)
        buf = np.sort(sliding_window_view(np.concatenate([pad, part], axis=1), window, axis=1))
        med = _sorted_median(buf, n)
        buf -= med[..., None]
        np.abs(buf, out=buf)
        buf.sort(axis=-1)
        median[lo : lo + step] = med
        mad[lo : lo + step] = _sorted_median(buf, n)
    return median, mad, count


def _sorted_median(ordered: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Median of the first ``n`` entries of each sorted row; NaN where n = 0."""
    idx = np.stack([np.maximum((n - 1) // 2, 0), n // 2], axis=-1)
    idx = np.minimum(idx, ordered.shape[-1] - 1)
    mid = np.take_along_axis(ordered, idx, -1).mean(axis=-1)
    return np.where(n > 0, mid, np.nan)


def _stability(policy: np.ndarray, cfg: VelocityConfig) -> np.ndarray:
    """exp(-(mean + std) / scale) of trailing policy counts; NaN if under half the window valid."""
    ok = np.isfinite(policy)
    v = np.where(ok, policy, 0.0)
    zero = np.zeros_like(v[:, :1])
    c1 = np.concatenate([zero, np.cumsum(v, axis=1)], axis=1)
    c2 = np.concatenate([zero, np.cumsum(v * v, axis=1)], axis=1)
    cn = np.concatenate([zero, np.cumsum(ok, axis=1)], axis=1)
    hi = np.arange(1, v.shape[1] + 1)
    lo = np.maximum(hi - cfg.stability_window, 0)
    n = cn[:, hi] - cn[:, lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c1[:, hi] - c1[:, lo]) / n
        var = np.maximum((c2[:, hi] - c2[:, lo]) / n - mean**2, 0.0)
        stability = np.exp(-(mean + np.sqrt(var)) / cfg.stability_scale)
    return np.where(n >= cfg.stability_window // 2, stability, np.nan)


@dataclass(frozen=True)
class Contribution:
    """One indicator's share of a Velocity Score (or of a change in it), ready to display."""

    indicator: str
    label_ko: str
    label_en: str
    points: float
    """Score points this indicator adds (negative: subtracts) relative to the baseline 50,
    or, from :func:`explain_change`, how much its share changed between two weeks."""
    zscore: float
    weight: float
    valid: bool
    value: float
    """The smoothed indicator value that week, in indicator units (NaN if missing)."""
    typical: float
    """The trend's trailing median of that value (its "normal")."""
    text_ko: str


def _pick(result: VelocityResult, trend_index: int | None) -> int | None:
    if result.score.ndim == 1:
        if trend_index not in (None, 0):
            raise IndexError("single-trend result: trend_index must be 0 or None")
        return None
    if trend_index is None:
        raise IndexError("multi-trend result: trend_index is required")
    return trend_index


def _at(arr: np.ndarray, trend: int | None, week: int) -> np.ndarray:
    return np.asarray(arr[week] if trend is None else arr[trend, week])


def _describe(slug: str, points: float, value: float, typical: float, valid: bool) -> str:
    meta = INDICATOR_META[slug]
    if not valid:
        return f"{meta.ko}: 데이터가 부족해 이번 주 점수에 반영하지 않았습니다"
    side = "높음" if value > typical else "낮음" if value < typical else "평소 수준"
    pts = round(points, 1) + 0.0  # no "-0.0점"
    if meta.kind == "growth":
        now, usual = f"{value:.1f}%", f"평소 {typical:.1f}%"
    else:
        now, usual = f"주당 {value:.1f}건", f"평소 {typical:.1f}건"
    return f"{meta.ko} {now} ({usual}, {side}) → {pts:+.1f}점"


def explain(result: VelocityResult, trend_index: int | None, week_index: int) -> list[Contribution]:
    """Per-indicator contributions of one trend-week, largest magnitude first.

    ``trend_index`` is required for multi-trend results and must be None or 0 otherwise.
    The ``points`` add up to ``score - baseline``. Raises ``ValueError`` for a week before
    ``min_history`` (no score yet).
    """
    trend = _pick(result, trend_index)
    contrib = _at(result.contributions, trend, week_index)
    if not np.all(np.isfinite(contrib)):
        raise ValueError(f"week {week_index} has no score yet (before min_history)")
    z = _at(result.zscores, trend, week_index)
    valid = _at(result.valid, trend, week_index)
    value = _at(result.smoothed, trend, week_index)
    typical = _at(result.typical, trend, week_index)
    out = [
        Contribution(
            indicator=slug,
            label_ko=INDICATOR_META[slug].ko,
            label_en=INDICATOR_META[slug].en,
            points=float(contrib[k]),
            zscore=float(z[k]),
            weight=float(result.weights[k]),
            valid=bool(valid[k]),
            value=float(value[k]),
            typical=float(typical[k]),
            text_ko=_describe(slug, float(contrib[k]), value[k], typical[k], bool(valid[k])),
        )
        for k, slug in enumerate(INDICATORS)
    ]
    return sorted(out, key=lambda c: -abs(c.points))


def explain_change(
    result: VelocityResult, trend_index: int | None, from_week: int, to_week: int
) -> list[Contribution]:
    """Why the score moved between two weeks: per-indicator change in points, largest first.

    The ``points`` add up to ``score[to_week] - score[from_week]``; the other fields describe
    ``to_week``.
    """
    before = {c.indicator: c.points for c in explain(result, trend_index, from_week)}
    out = []
    for c in explain(result, trend_index, to_week):
        delta = c.points - before[c.indicator]
        meta = INDICATOR_META[c.indicator]
        text = f"{meta.ko}: 점수 변화 {round(delta, 1) + 0.0:+.1f}점" if c.valid else c.text_ko
        out.append(replace(c, points=delta, text_ko=text))
    return sorted(out, key=lambda c: -abs(c.points))
