"""Forecasting benchmark: the served recipe against its peers under one honest protocol, one run.

Run: ``nice -n 10 .venv/bin/python -m bench.forecast`` (about 40 minutes on 2 busy cores;
``--quick``: a smoke run in seconds that writes nothing; ``--only demo|weekly``).

Protocol (``trendpath.trends.forecast.evaluate``): horizon 4; per series the last 52 forecast
origins (26 for series of <= 130 points); every model is fitted **once**, on the development
panel (each series cut at its own first test origin), and forecasts every test origin from the
data up to that origin, with no refit (local statistical models fit each series at each origin:
that is what they are); scalers and windows read nothing after the origin. Scores: geometric
mean over series of MSE relative to the naive (no change) forecast, median MASE, win rate (share
of series beating naive), 80 % interval coverage. Learned models: mean ± sd over ``SEEDS`` seeds.

"served" is exactly what the product trains (``trendpath.trends.forecast.recipe.SERVED``, through
the same ``Recipe.forecaster``); its settings were chosen by ``bench/forecast_cv.py`` on the
development period only. Datasets and groups: ``bench/forecast_data.py``; outside peers:
``bench/forecast_peers.py`` (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from bench.forecast_data import (
    DEMO_GROUP,
    GROUPS,
    group_of,
    load_demo,
    load_weekly,
)
from bench.report import Target, table, write_section
from trendpath.trends.forecast.base import Forecaster
from trendpath.trends.forecast.baselines import (
    LightGBMForecaster,
    MeanForecaster,
    NaiveForecaster,
    RidgeForecaster,
)
from trendpath.trends.forecast.data import Panel
from trendpath.trends.forecast.evaluate import (
    EvalConfig,
    EvalResult,
    rolling_evaluation,
    truncate_before_test,
)
from trendpath.trends.forecast.predict import predict_all
from trendpath.trends.forecast.recipe import LITERAL_4_WEEKS, SERVED, Recipe
from trendpath.trends.forecast.registry import train_and_register

SEEDS = 3
SERVED_NAME = "served: GRU + TST + ridge (ours)"
Factory = Callable[[int], Forecaster]


@dataclass(frozen=True)
class Model:
    """One row of the comparison: a factory of a fresh forecaster per seed."""

    name: str
    make: Factory
    seeded: bool = True
    note: str = ""


@dataclass
class Row:
    """A model's results on one dataset, one per seed."""

    model: Model
    runs: list[EvalResult] = field(default_factory=list)

    def stat(self, key: str) -> tuple[float, float]:
        """Mean and sd over seeds of an aggregate score."""
        vals = np.array([r.scores[key] for r in self.runs])
        return float(vals.mean()), float(vals.std(ddof=1)) if vals.size > 1 else 0.0

    def group(self, ids: tuple[str, ...]) -> float:
        """Mean over seeds of the geometric-mean relative MSE of the series in ``ids``."""
        out = []
        for r in self.runs:
            rel = [v["rel_mse"] for s, v in r.per_series().items() if s in ids]
            rel = [x for x in rel if np.isfinite(x)]
            out.append(float(np.exp(np.mean(np.log(np.maximum(rel, 1e-12))))))
        return float(np.mean(out))


def zoo(panel: Panel, quick: bool) -> list[Model]:
    """Every model of the comparison on ``panel``."""
    served = SERVED.with_(train_epochs=1) if quick else SERVED
    spec, st = served.spec(panel), replace(served.settings(), refit=True)

    def ours(recipe: Recipe) -> Factory:
        return lambda seed: recipe.forecaster(panel, seed=seed)

    models = [
        Model(SERVED_NAME, ours(served)),
        Model("GRU + TST (ours, served until 2026-12-07)", ours(served.with_(kind="gru+tst"))),
        Model("GRU alone (ours)", ours(served.with_(kind="gru"))),
        Model("TST alone (ours)", ours(served.with_(kind="tst"))),
        Model(
            "served recipe, literal 4-week input",
            ours(LITERAL_4_WEEKS.with_(train_epochs=served.train.epochs)),
        ),
        Model("ridge (same windows)", lambda s: RidgeForecaster(spec, st), seeded=False),
        Model("naive (no change)", lambda s: NaiveForecaster(spec, st), seeded=False),
        Model("mean of last 4 weeks", lambda s: MeanForecaster(spec, st), seeded=False),
    ]
    if quick:  # the smoke run checks the plumbing; the slow peers only add minutes
        return models
    lgbm = Model("LightGBM (same windows)", lambda s: LightGBMForecaster(spec, st, seed=s))
    return [*models, lgbm, *_peers()]


def _peers() -> list[Model]:
    """The outside libraries, when the bench extra is installed."""
    out: list[Model] = []
    try:
        from bench.forecast_peers import NeuralPeer, StatsPeer
    except ImportError:  # pragma: no cover - the bench extra is missing
        return out
    try:
        import statsforecast  # noqa: F401

        note = "local: fitted per series at every origin"
        out += [
            Model("statsforecast AutoETS", lambda s: StatsPeer("AutoETS"), False, note),
            Model("statsforecast AutoTheta", lambda s: StatsPeer("AutoTheta"), False, note),
        ]
    except ImportError:
        print("statsforecast missing: pip install -e '.[bench]'")
    try:
        import neuralforecast  # noqa: F401

        out += [
            Model("neuralforecast GRU", lambda s: NeuralPeer("GRU", seed=s)),
            Model("neuralforecast NHITS", lambda s: NeuralPeer("NHITS", seed=s)),
        ]
    except ImportError:
        print("neuralforecast missing: pip install -e '.[bench]'")
    return out


def evaluate(panel: Panel, models: list[Model], cfg: EvalConfig, seeds: int) -> list[Row]:
    """Every model on the same origins; prints a line per model as it finishes."""
    rows = []
    for model in models:
        row = Row(model)
        start = time.perf_counter()
        for seed in range(seeds if model.seeded else 1):
            torch.set_num_threads(1)  # libraries that set their own threads fight on 2 cores
            row.runs.append(rolling_evaluation(panel, lambda m=model, s=seed: m.make(s), cfg))
        mean, sd = row.stat("rel_mse")
        print(
            f"  {model.name:38} rel_mse={mean:.3f}±{sd:.3f} mase={row.stat('mase')[0]:.3f} "
            f"win={row.stat('win_rate')[0]:.2f} cover={row.stat('coverage')[0]:.2f} "
            f"({time.perf_counter() - start:.0f}s)",
            flush=True,
        )
        rows.append(row)
    return rows


def _cover(row: Row) -> str:
    first = row.runs[0]
    if np.array_equal(first.lower, first.point) and np.array_equal(first.upper, first.point):
        return "—"  # point forecasts only
    return f"{row.stat('coverage')[0]:.0%}"


def score_table(rows: list[Row]) -> str:
    """The main table, best mean relative MSE first."""
    body = []
    for row in sorted(rows, key=lambda r: r.stat("rel_mse")[0]):
        mean, sd = row.stat("rel_mse")
        n = len(row.runs)
        fit = row.stat("fit_s")[0]
        body.append(
            [
                row.model.name,
                f"{mean:.3f} ± {sd:.3f}" if n > 1 else f"{mean:.3f}",
                row.stat("mase")[0],
                f"{row.stat('win_rate')[0]:.0%}",
                _cover(row),
                n,
                row.model.note or f"{fit:.1f}",
            ]
        )
    heads = ["model", "rel. MSE (geo-mean)", "median MASE", "win rate", "80% coverage", "seeds",
             "fit s (one fit)"]  # fmt: skip
    return table(heads, body)


def group_table(rows: list[Row], panel: Panel) -> str:
    """Relative MSE per group of public series (does any group lose to naive?)."""
    groups = {g: tuple(s for s in panel.series_ids if group_of(s) == g) for g in GROUPS}
    groups = {g: ids for g, ids in groups.items() if ids}
    body = [
        [r.model.name, *(r.group(ids) for ids in groups.values())]
        for r in sorted(rows, key=lambda r: r.stat("rel_mse")[0])
    ]
    return table(["model", *(f"{g} ({len(ids)})" for g, ids in groups.items())], body)


def series_table(rows: list[Row]) -> str:
    """Relative MSE per series (first seed) and model."""
    per = [r.runs[0].per_series() for r in rows]
    body = [
        [sid, *(p[sid]["rel_mse"] for p in per)]
        for sid in rows[0].runs[0].series_ids
        if all(sid in p for p in per)
    ]
    return table(["series", *(r.model.name for r in rows)], body)


@dataclass(frozen=True)
class Timing:
    """Training and inference of the served recipe on the demo panel."""

    train_s: float
    train_cpu_s: float
    load: float
    infer_ms: float
    best_epoch: float


def timing(quick: bool) -> Timing:
    """Served recipe: training on the demo panel (50 trends x 260 weeks) and batched inference.

    Wall-clock seconds depend on what else the 2 cores run; CPU seconds of this process (one
    torch thread) are what an idle machine would take, so both are reported.
    """
    panel = load_demo()
    recipe = SERVED.with_(train_epochs=1) if quick else SERVED
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        cpu, start = time.process_time(), time.perf_counter()
        loaded = train_and_register(Path(tmp), panel, recipe=recipe, data_source="demo")
        train_s, train_cpu = time.perf_counter() - start, time.process_time() - cpu
        predict_all(loaded, panel)  # warm-up
        times = []
        for _ in range(20):
            start = time.perf_counter()
            predict_all(loaded, panel)
            times.append(time.perf_counter() - start)
    epoch = loaded.record.metrics.get("best_epoch", 0.0)
    return Timing(train_s, train_cpu, load, 1000 * float(np.median(times)), epoch)


def main(argv: list[str] | None = None) -> None:
    """Run both datasets and the timing; print and write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run; writes nothing")
    parser.add_argument("--only", choices=("demo", "weekly"), help="one dataset only")
    args = parser.parse_args(argv)
    torch.set_flush_denormal(True)
    cfg = EvalConfig(n_cutoffs=4, short_n_cutoffs=4) if args.quick else EvalConfig()
    seeds = 1 if args.quick else SEEDS
    results: dict[str, tuple[Panel, list[Row]]] = {}
    for name, load in (("weekly", load_weekly), ("demo", load_demo)):
        if args.only and name != args.only:
            continue
        panel = load()
        if args.quick:  # smoke runs never see test weeks, and use a slice of the demo panel
            panel = truncate_before_test(panel, EvalConfig())
            panel = panel.select(list(range(min(8, len(panel.series_ids)))))
        print(f"{name}: {len(panel.series_ids)} series", flush=True)
        results[name] = (panel, evaluate(panel, zoo(panel, args.quick), cfg, seeds))
    timed = timing(args.quick)
    print(f"served recipe on the demo panel: train {timed.train_s:.1f} s wall, "
          f"{timed.train_cpu_s:.1f} s CPU (load {timed.load:.1f}; best epoch "
          f"{timed.best_epoch:.1f}), inference {timed.infer_ms:.1f} ms")  # fmt: skip
    for name, (panel, rows) in results.items():
        print(score_table(rows))
        if name == "weekly":
            print(group_table(rows, panel))
    if args.quick or args.only:
        return  # smoke and partial runs do not overwrite the published numbers
    write_section(
        "forecast",
        "Forecasting (one fit, h = 4)",
        _doc(results, timed),
        targets=_targets(results, timed),
    )


def _served(rows: list[Row]) -> Row:
    return next(r for r in rows if r.model.name == SERVED_NAME)


def _targets(results: dict[str, tuple[Panel, list[Row]]], timed: Timing) -> list[Target]:
    _, weekly = results["weekly"]
    _, demo = results["demo"]
    served_w, served_d = _served(weekly), _served(demo)
    w, d = served_w.stat("rel_mse")[0], served_d.stat("rel_mse")[0]
    best_peer = min((r for r in weekly if r is not served_w), key=lambda r: r.stat("rel_mse")[0])
    groups = [served_w.group(ids) for ids in GROUPS.values()] + [d]
    cover = [served_w.stat("coverage")[0], served_d.stat("coverage")[0]]
    train = f"{timed.train_s:.1f} s wall ({timed.train_cpu_s:.1f} s CPU)"
    return [
        Target("served model, public 17 series", "<= 0.80", f"{w:.3f}", w <= 0.80),
        Target(
            "served model lowest of all peers, public 17",
            f"below {best_peer.model.name}",
            f"{w:.3f} vs {best_peer.stat('rel_mse')[0]:.3f}",
            w < best_peer.stat("rel_mse")[0],
        ),
        Target("served model, demo Velocity panel", "<= 0.60", f"{d:.3f}", d <= 0.60),
        Target(
            "served model, worst group (4 public + demo)",
            "<= 1.0",
            f"{max(groups):.3f}",
            max(groups) <= 1.0,
        ),
        Target(
            "80% interval coverage (public / demo)",
            "0.76-0.84",
            " / ".join(f"{c:.2f}" for c in cover),
            all(0.76 <= c <= 0.84 for c in cover),
        ),
        Target("training, 50 trends x 5 years, 2 cores", "<= 60 s", train, timed.train_s <= 60),
    ]


def _doc(results: dict[str, tuple[Panel, list[Row]]], timed: Timing) -> str:
    parts = [
        "`nice -n 10 python -m bench.forecast`. Horizon 4; the last 52 origins per series (26 "
        "for series of <= 130 points); every model fitted **once** on the development panel "
        "(each series cut at its first test origin) and never refitted (AutoETS/AutoTheta are "
        "local models: fitted per series at each origin on the data up to it). Relative MSE = "
        "MSE / naive MSE per series, geometric mean over series (lower is better); learned "
        f"models: mean ± sd over {SEEDS} seeds. `served` is `recipe.SERVED`, chosen by "
        "`bench/forecast_cv.py` on the development period. Details: docs/forecasting.md.",
    ]
    titles = {
        "weekly": "Public weekly series (17 real series, target: 4-week change)",
        "demo": f"{DEMO_GROUP} (50 trends, synthetic demo data, target: 4-week Velocity change)",
    }
    for name, (panel, rows) in results.items():
        parts += [f"### {titles[name]}", score_table(rows)]
        if name == "weekly":
            parts += ["Per group:", group_table(rows, panel)]
        parts += ["<details><summary>relative MSE per series (seed 0)</summary>", "",
                  series_table(rows), "", "</details>"]  # fmt: skip
    parts += [
        "### Timing",
        "Served recipe on the demo panel (50 trends x 260 weeks): training "
        f"{timed.train_s:.1f} s wall-clock, {timed.train_cpu_s:.1f} s of CPU (one torch thread; "
        f"1-minute load average {timed.load:.1f} on 2 cores when it started); early stopping "
        f"kept epoch {timed.best_epoch:.1f} on average; batched inference for all trends "
        f"{timed.infer_ms:.1f} ms.",
    ]
    return "\n\n".join(parts)


if __name__ == "__main__":
    main()
