"""Choose the forecasting recipe by leave-one-group-out cross-validation on the development period.

Run: ``nice -n 10 .venv/bin/python -m bench.forecast_cv`` (``--quick``: a smoke run in seconds).

Only development data is read: every series is first cut at its first *test* origin of the
benchmark protocol (``truncate_before_test``), so the test origins that ``bench/forecast.py``
reports never influence a choice. Five folds:

- each group of public weekly series (``bench/forecast_data.GROUPS``): the recipe is fitted once
  on the other three groups and forecasts the held-out group's last 52 development origins (26
  for short series): series the model has never seen, as the product meets new trends;
- the demo Velocity panel: fitted once on its development period cut again at its own first
  validation origin, scored on the 52 origins after.

Score of a candidate: the geometric mean over folds of each fold's geometric-mean relative MSE
(every fold weighs the same). The search is coordinate-wise: each stage tries a few values of one
choice on top of the best candidate so far and keeps the best; ties within ``TIE`` keep the
simpler (earlier) option. Every candidate is printed, and the table goes to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from bench.forecast_data import DEMO_GROUP, load_demo, load_weekly, split_groups
from bench.report import table, write_section
from trendpath.trends.forecast.data import Panel
from trendpath.trends.forecast.evaluate import EvalConfig, rolling_evaluation, truncate_before_test
from trendpath.trends.forecast.gru import GRUConfig
from trendpath.trends.forecast.recipe import SERVED, Recipe
from trendpath.trends.forecast.tst import TSTConfig

TIE = 0.01
"""A change must lower the CV score by more than this to be kept: about the spread between two
seeds of the same candidate, so a lucky seed does not pick a bigger or slower model."""

RESOLVE_SEEDS = 6
"""With ``--resolve-ties``, a best option that wins by less than :data:`TIE` is re-scored beside
the incumbent on this many seeds (the same seeds for both) and kept only when it is the lower of
the two on at least ``RESOLVE_SEEDS - 1`` seeds and its mean paired gain exceeds twice the gain's
standard error: a gain that every seed shows is not seed luck, however small."""


@dataclass(frozen=True)
class Fold:
    """Score ``panel``'s origins after one fit on ``fit_on`` (None: its own development cut)."""

    name: str
    panel: Panel
    fit_on: Panel | None


def folds() -> list[Fold]:
    """The four public groups (held out in turn) and the demo panel, development period only."""
    weekly = truncate_before_test(load_weekly(), EvalConfig())
    out = []
    for group, idx in split_groups(weekly).items():
        rest = [i for i in range(len(weekly.series_ids)) if i not in idx]
        out.append(Fold(group, weekly.select(idx), weekly.select(rest)))
    out.append(Fold(DEMO_GROUP, truncate_before_test(load_demo(), EvalConfig()), None))
    return out


def fold_score(recipe: Recipe, fold: Fold, cfg: EvalConfig, seed: int) -> float:
    """Geometric-mean relative MSE of one fold."""
    panel_for_columns = fold.fit_on if fold.fit_on is not None else fold.panel
    res = rolling_evaluation(
        fold.panel,
        lambda: recipe.forecaster(panel_for_columns, seed=seed),
        cfg,
        fit_on=fold.fit_on,
    )
    return res.scores["rel_mse"]


SeedCache = dict[tuple[str, int], list[float]]


def seed_scores(
    recipe: Recipe, all_folds: list[Fold], cfg: EvalConfig, seed: int, cache: SeedCache
) -> list[float]:
    """Per fold, the score of one seed (computed once per recipe and seed)."""
    key = (repr(recipe), seed)
    if key not in cache:
        cache[key] = [fold_score(recipe, f, cfg, seed) for f in all_folds]
    return cache[key]


def cv_scores(
    recipe: Recipe,
    all_folds: list[Fold],
    cfg: EvalConfig,
    seeds: int,
    cache: SeedCache | None = None,
) -> list[float]:
    """Per fold, the geometric mean over ``seeds`` seeds."""
    cache = {} if cache is None else cache
    per_seed = np.array([seed_scores(recipe, all_folds, cfg, s, cache) for s in range(seeds)])
    return [float(v) for v in np.exp(np.log(per_seed).mean(axis=0))]


@dataclass(frozen=True)
class Resolution:
    """A near-tie re-scored on :data:`RESOLVE_SEEDS` seeds (CV score per seed of each)."""

    stage: str
    option: str
    incumbent: list[float]
    challenger: list[float]

    @property
    def gains(self) -> np.ndarray:
        """Incumbent minus challenger, per seed (positive: the challenger is better)."""
        return np.array(self.incumbent) - np.array(self.challenger)

    @property
    def kept(self) -> bool:
        """The rule of :data:`RESOLVE_SEEDS`."""
        g = self.gains
        se = float(g.std(ddof=1) / np.sqrt(len(g))) if len(g) > 1 else float("inf")
        return int((g > 0).sum()) >= len(g) - 1 and float(g.mean()) > 2 * se


def geo(values: list[float]) -> float:
    """Geometric mean."""
    return float(np.exp(np.mean(np.log(values))))


Stage = tuple[str, list[tuple[str, dict[str, object]]]]


def stages() -> list[Stage]:
    """The choices tried, in order; the first option of each stage is the incumbent's value."""
    wide = {
        "gru": GRUConfig(rnn_len=16, hidden=64),
        "tst": TSTConfig(patch_len=4, d_model=64, d_ff=128),
    }
    drop = {"gru": GRUConfig(rnn_len=16, dropout=0.1), "tst": TSTConfig(patch_len=4, dropout=0.1)}
    return [
        (
            "scaling",
            [
                ("per-series stats", {"scaling": "series", "scale_weeks": None}),
                ("own window, last 16 weeks", {"scaling": "window", "scale_weeks": 16}),
                ("own window, whole window", {"scaling": "window", "scale_weeks": None}),
            ],
        ),
        (
            "target clip",
            [
                ("none", {"target_clip": None}),
                ("±5 steps", {"target_clip": 5.0}),
                ("±10 steps", {"target_clip": 10.0}),
                ("±20 steps", {"target_clip": 20.0}),
            ],
        ),
        (
            "channels",
            [
                ("moves only", {"channels": ("relative",)}),
                ("levels + moves", {"channels": ("level", "relative")}),
            ],
        ),
        (
            "input weeks",
            [
                ("56 (GRU reads 16)", {"input_len": 56}),
                ("4 (the literal design)", {"input_len": 4, "min_history": 4}),
                ("16", {"input_len": 16}),
                ("26", {"input_len": 26}),
                ("104", {"input_len": 104}),
            ],
        ),
        (
            "scale weeks",
            [("16", {}), ("8", {"scale_weeks": 8}), ("26", {"scale_weeks": 26})],
        ),
        (
            "optimiser",
            [
                ("lr 3e-3, patience 6", {}),
                ("lr 1e-3, patience 10", {"train_lr": 1e-3, "train_patience": 10}),
            ],
        ),
        (
            "regularisation",
            [
                ("none", {}),
                ("dropout 0.1", drop),
                ("weight decay 0.1", {"train_weight_decay": 0.1}),
            ],
        ),
        ("width", [("hidden 32", {}), ("hidden 64", wide)]),
        (
            "members",
            [
                ("GRU + TST", {"kind": "gru+tst", "train_member_weights": "equal"}),
                ("GRU", {"kind": "gru"}),
                ("TST", {"kind": "tst"}),
                ("GRU + TST + ridge", {"kind": "gru+tst+ridge"}),
                (
                    "GRU + TST + ridge, weights fitted on validation",
                    {"kind": "gru+tst+ridge", "train_member_weights": "validation"},
                ),
                (
                    "GRU + TST, weights fitted on validation",
                    {"kind": "gru+tst", "train_member_weights": "validation"},
                ),
            ],
        ),
        (
            "ridge share",
            [
                ("a third (every kind the same)", {}),
                ("a half (networks a quarter each)", {"train_linear_share": 0.5}),
                ("two thirds (networks a sixth each)", {"train_linear_share": 2 / 3}),
            ],
        ),
        ("seeds per kind", [("1", {}), ("2", {"train_ensemble": 2})]),
        (
            "refit",
            [
                ("no (weights of the early-stopped epoch)", {}),
                ("on train + validation, same epochs", {"refit": True}),
            ],
        ),
    ]


def start_recipe() -> Recipe:
    """Where the search starts: the benchmark's former weekly recipe (hidden 32, 56 weeks of
    moves, per-series scaling, no target clip)."""
    return Recipe(
        input_len=56,
        channels=("relative",),
        scaling="series",
        scale_weeks=None,
        target_clip=None,
        gru=GRUConfig(rnn_len=16, hidden=32),
        tst=TSTConfig(patch_len=4, d_model=32, d_ff=64),
    )


def search(
    all_folds: list[Fold],
    cfg: EvalConfig,
    seeds: int,
    plan: list[Stage],
    start: Recipe,
    log: Callable[[str], None],
    resolve: bool = False,
) -> tuple[Recipe, list[list[object]], list[Resolution]]:
    """Coordinate-wise search; returns the chosen recipe, one table row per candidate and the
    near-ties re-scored on more seeds (``resolve``)."""
    best = start
    cache: SeedCache = {}
    rows: list[list[object]] = []
    resolutions: list[Resolution] = []
    for stage, options in plan:
        scored = []
        for label, changes in options:
            cand = best.with_(**changes)
            t0 = time.perf_counter()
            per_fold = cv_scores(cand, all_folds, cfg, seeds, cache)
            secs = time.perf_counter() - t0
            score = geo(per_fold)
            scored.append((score, label, cand))
            rows.append([stage, label, *per_fold, score, max(per_fold)])
            log(
                f"{stage:12} {label:28} "
                + " ".join(f"{v:.3f}" for v in per_fold)
                + f"  cv={score:.3f} ({secs:.0f}s)"
            )
        incumbent = scored[0][0]
        winner = min(scored, key=lambda s: s[0])
        chosen = scored[0]
        if winner[0] < incumbent - TIE:
            chosen = winner
        elif resolve and winner is not scored[0] and winner[0] < incumbent:
            per_seed = [
                [geo(seed_scores(c[2], all_folds, cfg, s, cache)) for s in range(RESOLVE_SEEDS)]
                for c in (scored[0], winner)
            ]
            res = Resolution(stage, winner[1], per_seed[0], per_seed[1])
            resolutions.append(res)
            log(
                f"  near-tie {winner[1]!r}: gains per seed "
                + " ".join(f"{g:+.3f}" for g in res.gains)
                + f" -> {'kept' if res.kept else 'not kept'}"
            )
            if res.kept:
                chosen = winner
        best = chosen[2]
        log(f"  -> {stage}: {chosen[1]}")
    return best, rows, resolutions


def main(argv: list[str] | None = None) -> None:
    """Run the search, print every candidate, write the docs section (not in --quick)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 epochs, few origins")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per candidate and fold")
    parser.add_argument(
        "--stages",
        help="comma-separated stage names: re-run only these, starting from the served recipe "
        "(the full search's earlier choices), written to a section of their own",
    )
    parser.add_argument(
        "--section",
        default="forecast-cv-rerun",
        help="with --stages: the docs/benchmarks.md section written (one per re-run question)",
    )
    parser.add_argument(
        "--resolve-ties",
        action="store_true",
        help=f"re-score a best option that wins by less than {TIE} on {RESOLVE_SEEDS} seeds "
        "beside the incumbent (RESOLVE_SEEDS)",
    )
    args = parser.parse_args(argv)
    torch.set_flush_denormal(True)
    cfg, plan, start, all_folds = EvalConfig(), stages(), start_recipe(), folds()
    if args.stages:
        wanted = [n.strip() for n in args.stages.split(",")]
        unknown = sorted(set(wanted) - {name for name, _ in plan})
        if unknown:
            parser.error(f"unknown stage(s): {', '.join(unknown)}")
        plan, start = [st for st in plan if st[0] in wanted], SERVED
    if args.quick:
        cfg = EvalConfig(n_cutoffs=4, short_n_cutoffs=4)
        plan = [(name, opts[:2]) for name, opts in plan[:1]]
        start = start.with_(train_epochs=1)
        # the two smallest public folds and a slice of the demo panel: seconds, not minutes
        small = [f for f in all_folds if f.name in ("career searches", "Korean DataLab / Trends")]
        demo = all_folds[-1]
        all_folds = [*small, Fold(demo.name, demo.panel.select(list(range(6))), None)]
    seeds = 1 if args.quick else args.seeds
    chosen, rows, resolutions = search(
        all_folds, cfg, seeds, plan, start, lambda m: print(m, flush=True), args.resolve_ties
    )
    heads = ["stage", "option", *(f.name for f in all_folds), "CV (geo-mean)", "worst fold"]
    body = table(heads, rows)
    if resolutions:
        body += "\n\n" + _resolution_text(resolutions)
    print(body)
    print(f"chosen: {chosen}")
    if args.quick:
        return
    if args.stages:
        write_section(
            args.section,
            f"Forecasting recipe: stages re-run from the served recipe ({args.stages})",
            _doc(body, chosen, rerun=args.stages, resolve=args.resolve_ties, section=args.section),
        )
        return
    write_section("forecast-cv", "Forecasting recipe: leave-one-group-out CV", _doc(body, chosen))


def _resolution_text(resolutions: list[Resolution]) -> str:
    """The near-ties re-scored on more seeds: CV score per seed, incumbent vs challenger."""
    rows = []
    for r in resolutions:
        g = r.gains
        se = float(g.std(ddof=1) / np.sqrt(len(g)))
        rows.append(
            [
                r.stage,
                r.option,
                " ".join(f"{v:.3f}" for v in r.incumbent),
                " ".join(f"{v:.3f}" for v in r.challenger),
                f"{g.mean():+.4f} ± {se:.4f}",
                f"{int((g > 0).sum())}/{len(g)}",
                "kept" if r.kept else "not kept",
            ]
        )
    heads = ["stage", "near-tie option", "incumbent, CV per seed", "option, CV per seed"]
    heads += ["mean gain ± se", "seeds better", "decision"]
    return (
        f"Near-ties re-scored on {RESOLVE_SEEDS} seeds (`--resolve-ties`): kept when better on "
        f"at least {RESOLVE_SEEDS - 1} seeds and the mean gain exceeds twice its standard "
        "error.\n\n" + table(heads, rows)
    )


def _doc(
    body: str,
    chosen: Recipe,
    rerun: str | None = None,
    resolve: bool = False,
    section: str = "forecast-cv-rerun",
) -> str:
    how = "`python -m bench.forecast_cv`"
    if rerun:
        flag = " --resolve-ties" if resolve else ""
        if section != "forecast-cv-rerun":
            flag += f" --section {section}"
        how = (
            f"`python -m bench.forecast_cv --stages '{rerun}'{flag}`: these stages only, "
            "starting from the recipe the full search chose (section above), the incumbent first"
        )
    return "\n\n".join(
        [
            f"{how}. Development period only (each series cut at its "
            "first test origin). Folds: each public group fitted on the other three and scored "
            "on its last 52 development origins (26 for short series); the demo panel fitted "
            "at its own first validation origin. Cells: geometric-mean relative MSE "
            "(model / naive) of the candidate, geometric mean of two seeds; each stage keeps "
            f"the best option unless it wins by less than {TIE} (then the first, simpler one).",
            body,
            f"Chosen: `{chosen}`",
        ]
    )


if __name__ == "__main__":
    main()
