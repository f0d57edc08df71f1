"""Rolling-origin evaluation of any forecaster on any panel.

Protocol (the same for every model, so their numbers compare):

- per series, the forecast origins are its last ``n_cutoffs`` weeks whose actual value
  ``horizon`` weeks later is known (``short_n_cutoffs`` for series of <= ``short_len`` points);
- the forecaster is fitted **once**, on the development panel (every series cut at its own first
  test origin, :func:`truncate_before_test`), and then forecasts every test origin from
  ``panel.upto(origin)`` with those weights: no model ever sees a week after the origin it
  forecasts from, and no test week ever reaches a weight. (``refit_every=N`` is the labelled
  variant that refits every N weeks on the panel as it was at that week);
- scores per series: MSE relative to the naive zero-change forecast, MASE (mean absolute error over
  the in-sample mean absolute ``horizon``-week change, measured before the first origin), win
  (MSE below naive), interval coverage. Aggregates: geometric mean of relative MSE over series,
  median MASE, win rate, coverage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from trendpath.trends.forecast.base import Forecast, Forecaster
from trendpath.trends.forecast.data import Panel, rolling_origins


@dataclass(frozen=True)
class EvalConfig:
    """The rolling-origin protocol.

    ``refit_every`` None (the default, the honest protocol): one fit on the development panel
    (each series cut at its own first test origin), then every test origin is forecast with
    those weights. An integer refits every that many weeks on the panel as it was (a labelled
    variant; local models such as AutoETS fit at every origin by nature).
    """

    horizon: int = 4
    n_cutoffs: int = 52
    short_n_cutoffs: int = 26
    short_len: int = 130
    refit_every: int | None = None
    min_train: int = 52


@dataclass
class EvalResult:
    """Forecast records and scores of one model."""

    name: str
    series_ids: tuple[str, ...]
    series: np.ndarray  # record -> series position
    origin: np.ndarray  # record -> origin week index
    actual: np.ndarray
    point: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    scale: np.ndarray  # per series: in-sample mean |h-week change|
    fit_seconds: float = 0.0
    n_fits: int = 0
    predict_ms: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)

    def per_series(self) -> dict[str, dict[str, float]]:
        """``{series_id: {"mse", "naive_mse", "rel_mse", "mase", "coverage"}}``."""
        out = {}
        for s, sid in enumerate(self.series_ids):
            m = self.series == s
            if not m.any():
                continue
            err, y = self.point[m] - self.actual[m], self.actual[m]
            mse, naive = float(np.mean(err**2)), float(np.mean(y**2))
            inside = (y >= self.lower[m]) & (y <= self.upper[m])
            out[sid] = {
                "mse": mse,
                "naive_mse": naive,
                "rel_mse": mse / naive if naive > 0 else float("nan"),
                "mase": float(np.mean(np.abs(err))) / self.scale[s],
                "coverage": float(np.mean(inside)),
            }
        return out


def summarize(result: EvalResult) -> dict[str, float]:
    """Aggregate scores: geo-mean relative MSE, median MASE, win rate, coverage, timings."""
    per = [v for v in result.per_series().values() if np.isfinite(v["rel_mse"])]
    if not per:
        raise ValueError("no series with a non-zero naive error to score")
    rel = np.array([v["rel_mse"] for v in per])
    inside = (result.actual >= result.lower) & (result.actual <= result.upper)
    return {
        "rel_mse": float(np.exp(np.mean(np.log(np.maximum(rel, 1e-12))))),
        "mase": float(np.median([v["mase"] for v in per])),
        "win_rate": float(np.mean(rel < 1.0)),
        "coverage": float(np.mean(inside)),
        "n_series": float(len(per)),
        "n_forecasts": float(result.actual.size),
        "fit_s": result.fit_seconds,
        "n_fits": float(result.n_fits),
        "predict_ms": result.predict_ms,
    }


def evaluation_origins(panel: Panel, cfg: EvalConfig) -> list[np.ndarray]:
    """Origins to forecast from, per series (empty for series too short to evaluate)."""
    ok = np.isfinite(panel.target)
    out = []
    for s in range(len(panel.series_ids)):
        seen = np.flatnonzero(ok[s])
        if seen.size == 0:
            out.append(np.arange(0))
            continue
        first, last = int(seen[0]), int(seen[-1])
        n = cfg.short_n_cutoffs if seen.size <= cfg.short_len else cfg.n_cutoffs
        out.append(rolling_origins(first, last, cfg.horizon, n, cfg.min_train))
    return out


def _in_sample_scale(target: np.ndarray, before: int, horizon: int) -> float:
    hist = target[: before + 1]
    hist = hist[np.isfinite(hist)]
    changes = np.abs(hist[horizon:] - hist[:-horizon]) if hist.size > horizon else np.zeros(0)
    scale = float(np.mean(changes)) if changes.size else 0.0
    return scale if scale > 0 else 1.0


def fit_schedule(origins: np.ndarray, refit_every: int) -> list[tuple[int, np.ndarray]]:
    """Group sorted unique origins: (fit week, origins it serves) with a refit every N weeks."""
    groups: list[tuple[int, np.ndarray]] = []
    todo = np.unique(origins)
    while todo.size:
        fit_at = int(todo[0])
        served = todo[todo < fit_at + refit_every]
        groups.append((fit_at, served))
        todo = todo[served.size :]
    return groups


def _fits(panel: Panel, cfg: EvalConfig, origins: np.ndarray) -> list[tuple[Panel, np.ndarray]]:
    """(panel to fit on, origins that fit serves): one development fit, or refits by schedule."""
    if cfg.refit_every is None:
        return [(truncate_before_test(panel, cfg), origins)]
    return [(panel.upto(at), served) for at, served in fit_schedule(origins, cfg.refit_every)]


def _predict_origins(model: Forecaster, panel: Panel, origins: list[int]) -> list[Forecast]:
    """Forecasts from each origin; a model with ``predict_origins`` answers all in one call
    (outside libraries, where one call per origin costs seconds). It gets the whole panel and
    must read nothing after each origin, as ``predict(panel.upto(t))`` guarantees for the rest.
    """
    batched = getattr(model, "predict_origins", None)
    if batched is not None:
        return list(batched(panel, origins))
    return [model.predict(panel.upto(t)) for t in origins]


def _record(
    rec: dict[str, list[float]], fc: Forecast, panel: Panel, series: list[int], t: int, h: int
) -> None:
    where = {sid: i for i, sid in enumerate(fc.series_ids)}
    for s in series:
        sid = panel.series_ids[s]
        if sid not in where:
            raise ValueError(f"no forecast for {sid!r} at week index {t}")
        i = where[sid]
        y = panel.target[s, t + h] - panel.target[s, t]
        for key, v in zip(rec, (s, t, y, fc.point[i], fc.lower[i], fc.upper[i]), strict=True):
            rec[key].append(float(v))


def rolling_evaluation(
    panel: Panel,
    make: Callable[[], Forecaster],
    cfg: EvalConfig | None = None,
    *,
    name: str | None = None,
    fit_on: Panel | None = None,
) -> EvalResult:
    """Evaluate the forecasters built by ``make`` (a fresh one per refit) on ``panel``.

    ``fit_on`` replaces the development panel of the one-fit protocol, e.g. other series for a
    leave-one-group-out fold (the forecaster then meets ``panel``'s series for the first time).
    """
    cfg = cfg or EvalConfig()
    if fit_on is not None and cfg.refit_every is not None:
        raise ValueError("fit_on needs the one-fit protocol (refit_every=None)")
    per_series = evaluation_origins(panel, cfg)
    wanted: dict[int, list[int]] = {}
    for s, ts in enumerate(per_series):
        for t in ts:
            wanted.setdefault(int(t), []).append(s)
    if not wanted:
        raise ValueError("no series is long enough for the rolling-origin evaluation")
    rec: dict[str, list[float]] = {k: [] for k in ("s", "t", "y", "p", "lo", "hi")}
    fit_s, pred_s, label = 0.0, 0.0, name
    origins = np.array(sorted(wanted))
    schedule = [(fit_on, origins)] if fit_on is not None else _fits(panel, cfg, origins)
    for fit_panel, served in schedule:
        model = make()
        label = label or model.name
        start = time.perf_counter()
        model.fit(fit_panel)
        fit_s += time.perf_counter() - start
        start = time.perf_counter()
        forecasts = _predict_origins(model, panel, served.tolist())
        pred_s += time.perf_counter() - start
        for t, fc in zip(served.tolist(), forecasts, strict=True):
            _record(rec, fc, panel, wanted[t], t, cfg.horizon)
    first = [int(ts[0]) if ts.size else 0 for ts in per_series]
    scale = np.array(
        [_in_sample_scale(panel.target[s], f, cfg.horizon) for s, f in enumerate(first)]
    )
    result = EvalResult(
        name=label or "model",
        series_ids=panel.series_ids,
        series=np.array(rec["s"], dtype=int),
        origin=np.array(rec["t"], dtype=int),
        actual=np.array(rec["y"]),
        point=np.array(rec["p"]),
        lower=np.array(rec["lo"]),
        upper=np.array(rec["hi"]),
        scale=scale,
        fit_seconds=fit_s,
        n_fits=len(schedule),
        predict_ms=1000.0 * pred_s / len(wanted),
    )
    result.scores = summarize(result)
    return result


def truncate_before_test(panel: Panel, cfg: EvalConfig) -> Panel:
    """The panel cut at each series' first test origin: a development set for model choices.

    Decisions (architecture, input length, ...) are made by evaluating on this panel, so the
    test origins' actual values are never used for tuning.
    """
    target, inputs = panel.target.copy(), panel.inputs.copy()
    for s, ts in enumerate(evaluation_origins(panel, cfg)):
        if ts.size:
            target[s, ts[0] + 1 :] = np.nan
            inputs[s, ts[0] + 1 :] = np.nan
    return Panel(panel.series_ids, panel.weeks, panel.features, inputs, target, panel.target_name)
