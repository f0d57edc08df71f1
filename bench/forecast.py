"""Forecasting benchmark: rolling-origin evaluation of every model on two datasets, one run.

Run: ``.venv/bin/python -m bench.forecast`` (``--quick`` for a smoke run, ``--dev`` to score the
development period that ends at each series' first test origin — the only period model choices
were made on).

Datasets
- demo: the catalog's trends, 260 weeks of synthetic indicators; target = 4-week change of the
  Velocity Score; inputs = the 5 indicators (+ the current Velocity level).
- weekly: the real public weekly series in ``../shared/data/weekly`` (or env
  ``TRENDPATH_WEEKLY_DATA``), each a univariate series on one calendar; target = the 4-week change
  of the series itself, scaled per series.

Protocol: horizon 4; the last 52 forecast origins per series (26 for series of <= 130 points);
every model refitted every ``refit_every`` weeks on data up to the origin (AutoETS: at every
origin); scores = geometric mean over series of MSE relative to naive, median MASE, share of
series where the model beats naive, 80% interval coverage; train time = all refits together;
inference = mean time of one batched call for all series.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from bench.report import ROOT, Target, table, write_section
from trendpath.trends.forecast.base import FitSettings, Forecast, Forecaster
from trendpath.trends.forecast.baselines import (
    LightGBMForecaster,
    MeanForecaster,
    NaiveForecaster,
    RidgeForecaster,
)
from trendpath.trends.forecast.data import Panel, WindowSpec, check_panel
from trendpath.trends.forecast.evaluate import (
    EvalConfig,
    EvalResult,
    rolling_evaluation,
    summarize,
    truncate_before_test,
)
from trendpath.trends.forecast.gru import GRUConfig
from trendpath.trends.forecast.panel_io import demo_panel, read_weekly_folder
from trendpath.trends.forecast.predict import predict_all
from trendpath.trends.forecast.registry import train_and_register
from trendpath.trends.forecast.train import NeuralForecaster, TrainConfig
from trendpath.trends.forecast.tst import TSTConfig

Factory = Callable[[], Forecaster]
DEMO_END = dt.date(2026, 11, 23)  # fixed, so the demo numbers do not move with the calendar


def load_demo() -> Panel:
    """The demo panel ending at :data:`DEMO_END`."""
    return demo_panel(end_week=DEMO_END)


def weekly_dir() -> Path:
    """The real weekly series: env TRENDPATH_WEEKLY_DATA, else ../shared/data/weekly."""
    env = os.environ.get("TRENDPATH_WEEKLY_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data" / "weekly"


class AutoETSForecaster:
    """statsforecast AutoETS per series, refitted at every origin (benchmark only)."""

    name = "autoets"

    def __init__(self, horizon: int = 4, coverage: float = 0.8) -> None:
        self.spec = WindowSpec(horizon=horizon, features=())
        self.level = round(coverage * 100)

    def fit(self, panel: Panel) -> None:
        """Nothing global to fit: each series is fitted when it is forecast."""

    def predict(self, panel: Panel) -> Forecast:
        """AutoETS on each series' history up to the panel's last week."""
        from statsforecast.models import AutoETS

        checked, issues = check_panel(
            panel, self.spec, min_weeks=8, policy="skip", require_change=False
        )
        ids, point, lower, upper = [], [], [], []
        for s, sid in enumerate(checked.series_ids):
            y = checked.target[s]
            y = y[np.isfinite(y)]
            if not np.isfinite(checked.target[s, -1]):
                continue
            h = self.spec.horizon
            fc = AutoETS(season_length=1).forecast(y=y, h=h, level=[self.level])
            ids.append(sid)
            point.append(fc["mean"][h - 1] - y[-1])
            lower.append(fc[f"lo-{self.level}"][h - 1] - y[-1])
            upper.append(fc[f"hi-{self.level}"][h - 1] - y[-1])
        return Forecast(
            series_ids=tuple(ids),
            week=panel.weeks[-1],
            horizon=self.spec.horizon,
            point=np.asarray(point, dtype=np.float64),
            lower=np.asarray(lower, dtype=np.float64),
            upper=np.asarray(upper, dtype=np.float64),
            coverage=self.level / 100,
            skipped=tuple(issues),
        )


@dataclass(frozen=True)
class Recipe:
    """The window and network settings used for one dataset (chosen on the dev period)."""

    spec: WindowSpec
    channels: tuple[str, ...]
    gru: GRUConfig
    tst: TSTConfig
    train: TrainConfig
    tst_train: TrainConfig


def recipe(dataset: str, quick: bool) -> Recipe:
    """Settings per dataset. Real series: long window (a year + a month) of moves relative to
    the last value; demo: the seed's 4-week window of indicators + Velocity, level and moves."""
    train = TrainConfig(batch_size=256, ensemble=1 if quick else 3, epochs=3 if quick else 40)
    tst_train = replace(train, ensemble=1)
    if dataset == "weekly":
        return Recipe(
            spec=WindowSpec(input_len=56, features=(), min_history=16),
            channels=("relative",),
            gru=GRUConfig(rnn_len=16),
            tst=TSTConfig(patch_len=4),
            train=train,
            tst_train=tst_train,
        )
    return Recipe(
        spec=WindowSpec(input_len=4),
        channels=("level", "relative"),
        gru=GRUConfig(),
        tst=TSTConfig(),
        train=train,
        tst_train=tst_train,
    )


def models(dataset: str, quick: bool) -> list[tuple[str, Factory]]:
    """Every model of the comparison, as (name, factory of a fresh forecaster)."""
    r = recipe(dataset, quick)
    st = FitSettings(policy="skip", channels=r.channels)
    nn_st = replace(st, refit=False)
    zoo: list[tuple[str, Factory]] = [
        ("naive", lambda: NaiveForecaster(r.spec, st)),
        ("mean (last 4 weeks)", lambda: MeanForecaster(r.spec, st)),
        ("ridge", lambda: RidgeForecaster(r.spec, st)),
        ("lightgbm", lambda: LightGBMForecaster(r.spec, st)),
        ("GRU (ours)", lambda: NeuralForecaster("gru", r.spec, nn_st, r.train, r.gru)),
        ("TST (ours)", lambda: NeuralForecaster("tst", r.spec, nn_st, r.tst_train, r.tst)),
    ]
    try:
        import statsforecast  # noqa: F401

        zoo.append(("AutoETS (statsforecast)", lambda: AutoETSForecaster()))
    except ImportError:
        pass
    try:
        import neuralforecast  # noqa: F401

        print("neuralforecast is importable but not wired in: see docs/forecasting.md")
    except ImportError:
        pass
    return zoo


def evaluate_dataset(
    panel: Panel, cfg: EvalConfig, zoo: list[tuple[str, Factory]]
) -> list[EvalResult]:
    """Every model on the same origins; prints one line per model as it finishes."""
    results = []
    for name, make in zoo:
        start = time.perf_counter()
        res = rolling_evaluation(panel, make, cfg, name=name)
        sc = res.scores
        print(
            f"  {name:24} rel_mse={sc['rel_mse']:.3f} mase={sc['mase']:.3f} "
            f"win={sc['win_rate']:.2f} cover={sc['coverage']:.2f} "
            f"({time.perf_counter() - start:.0f}s)",
            flush=True,
        )
        results.append(res)
    return results


def combine(results: list[EvalResult], names: tuple[str, ...], label: str) -> EvalResult:
    """The average of several models' forecasts (same origins), scored like any model."""
    parts = [r for r in results if r.name in names]
    first = parts[0]
    for r in parts[1:]:
        if not (np.array_equal(r.series, first.series) and np.array_equal(r.origin, first.origin)):
            raise ValueError("results to combine must share their forecast origins")
    combo = replace(
        first,
        name=label,
        point=np.mean([r.point for r in parts], axis=0),
        lower=np.mean([r.lower for r in parts], axis=0),
        upper=np.mean([r.upper for r in parts], axis=0),
        fit_seconds=sum(r.fit_seconds for r in parts),
        predict_ms=sum(r.predict_ms for r in parts),
    )
    combo.scores = summarize(combo)
    return combo


def _train_cell(r: EvalResult) -> str:
    if r.name.startswith("AutoETS"):
        return "refit at every origin (in inference)"
    return f"{r.fit_seconds:.1f} ({r.n_fits} fits)"


def score_rows(results: list[EvalResult]) -> list[list[object]]:
    """Table rows, best relative MSE first."""
    ordered = sorted(results, key=lambda r: r.scores["rel_mse"])
    return [
        [
            r.name,
            r.scores["rel_mse"],
            r.scores["mase"],
            f"{r.scores['win_rate']:.0%}",
            f"{r.scores['coverage']:.0%}",
            _train_cell(r),
            f"{r.scores['predict_ms']:.1f}",
        ]
        for r in ordered
    ]


def per_series_rows(results: list[EvalResult]) -> tuple[list[str], list[list[object]]]:
    """Relative MSE per series and model (for the docs: where models win and lose)."""
    names = [r.name for r in results]
    per = [r.per_series() for r in results]
    rows: list[list[object]] = []
    for sid in results[0].series_ids:
        if all(sid in p for p in per):
            rows.append([sid, *(p[sid]["rel_mse"] for p in per)])
    return ["series", *names], rows


def timing_targets(quick: bool) -> list[list[object]]:
    """Global GRU training on the demo panel (the `trendpath run` default) and batched inference."""
    import tempfile

    panel = load_demo()
    train = TrainConfig(epochs=3) if quick else TrainConfig()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        loaded = train_and_register(Path(tmp), panel, kind="gru", train=train)
        train_s = time.perf_counter() - start
        predict_all(loaded, panel)  # warm-up
        times = []
        for _ in range(50):
            start = time.perf_counter()
            fc = predict_all(loaded, panel)
            times.append(time.perf_counter() - start)
    infer_ms = 1000 * float(np.median(times))
    n, w = len(panel.series_ids), panel.n_weeks
    return [
        [f"GRU train, demo panel ({n} trends x {w} weeks)", f"{train_s:.1f} s", "<= 30 s"],
        [f"batched inference, all {len(fc.series_ids)} trends", f"{infer_ms:.1f} ms", "<= 20 ms"],
    ]


HEADERS = [
    "model",
    "rel. MSE (geo-mean)",
    "median MASE",
    "win rate vs naive",
    "80% interval coverage",
    "train s (all refits)",
    "inference ms/call",
]


def main(argv: list[str] | None = None) -> None:
    """Run both datasets and the timing targets; print and write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: dev period, few origins, short training"
    )
    parser.add_argument("--dev", action="store_true", help="score the development period")
    parser.add_argument("--only", choices=("demo", "weekly"), help="one dataset only")
    args = parser.parse_args(argv)
    torch.set_flush_denormal(True)
    cfg = EvalConfig(refit_every=26)
    if args.quick:
        cfg = EvalConfig(n_cutoffs=8, short_n_cutoffs=8, refit_every=52)
    sections = []
    gru_weekly: float | None = None
    datasets = {"demo": load_demo, "weekly": lambda: read_weekly_folder(weekly_dir())}
    for dataset, load in datasets.items():
        if args.only and dataset != args.only:
            continue
        panel = load()
        if args.dev or args.quick:
            # The development period ends at each series' first test origin (of the full
            # protocol), so neither smoke runs nor model choices ever see test actuals.
            panel = truncate_before_test(panel, EvalConfig())
        print(f"{dataset}: {len(panel.series_ids)} series", flush=True)
        results = evaluate_dataset(panel, cfg, models(dataset, args.quick))
        results.append(combine(results, ("GRU (ours)", "TST (ours)"), "GRU + TST average (ours)"))
        if dataset == "weekly":
            gru_weekly = next(r.scores["rel_mse"] for r in results if r.name == "GRU (ours)")
        body = table(HEADERS, score_rows(results))
        print(body)
        heads, rows = per_series_rows(results)
        sections.append((dataset, body, table(heads, rows)))
    timed = timing_targets(args.quick)
    timing = table(["target", "measured", "goal"], timed)
    print(timing)
    if args.quick or args.dev:
        return  # smoke and development runs do not overwrite the published numbers
    write_section(
        "forecast",
        "Forecasting (rolling origin, h = 4)",
        _doc(sections, timing, cfg),
        targets=_targets(gru_weekly, timed),
    )


def _targets(gru_weekly: float | None, timed: list[list[object]]) -> list[Target]:
    train_s = float(str(timed[0][1]).split()[0])
    infer_ms = float(str(timed[1][1]).split()[0])
    return [
        Target(
            "GRU rel. MSE vs naive, real weekly series",
            "<= 0.85",
            "—" if gru_weekly is None else f"{gru_weekly:.3f}",
            None if gru_weekly is None else gru_weekly <= 0.85,
        ),
        Target("GRU training, demo panel, 2 cores", "<= 30 s", f"{train_s:.1f} s", train_s <= 30),
        Target("batched inference, all trends", "<= 20 ms", f"{infer_ms:.1f} ms", infer_ms <= 20),
    ]


def _doc(sections: list[tuple[str, str, str]], timing: str, cfg: EvalConfig) -> str:
    intro = (
        f"`python -m bench.forecast`. Horizon {cfg.horizon}; last {cfg.n_cutoffs} origins per "
        f"series ({cfg.short_n_cutoffs} for series of <= {cfg.short_len} points); refit every "
        f"{cfg.refit_every} weeks (AutoETS at every origin). Relative MSE = model MSE / naive "
        "(zero-change) MSE per series, geometric mean over series; lower is better. "
        "Details and what was tried: docs/forecasting.md."
    )
    parts = [intro]
    titles = {
        "demo": "Demo panel (target: 4-week change of the Velocity Score)",
        "weekly": "Real public weekly series (target: 4-week change of each series)",
    }
    for dataset, body, per_series in sections:
        parts += [f"### {titles[dataset]}", body]
        parts += ["<details><summary>relative MSE per series</summary>", "", per_series]
        parts += ["", "</details>"]
    parts += ["### Timing targets", timing]
    return "\n\n".join(parts)


if __name__ == "__main__":
    main()
