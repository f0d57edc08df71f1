"""``trendpath forecast ...``: train, evaluate and predict from the command line.

Every command works on the demo panel by default (the catalog's trends, synthetic indicators,
Velocity Score as target) or on ``--panel PATH``: a long-format panel CSV (see ``panel_io.py``)
or a folder of ``date,value`` weekly series (each a univariate series).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from trendpath.kit.commands import fail, load_settings, work_failed
from trendpath.trends.forecast.base import Forecaster
from trendpath.trends.forecast.baselines import (
    LightGBMForecaster,
    MeanForecaster,
    NaiveForecaster,
    RidgeForecaster,
)
from trendpath.trends.forecast.data import Panel
from trendpath.trends.forecast.evaluate import EvalConfig, rolling_evaluation
from trendpath.trends.forecast.panel_io import demo_panel, read_panel_csv, read_weekly_folder
from trendpath.trends.forecast.predict import predict_all
from trendpath.trends.forecast.recipe import SERVED, Recipe
from trendpath.trends.forecast.registry import (
    RegistryError,
    load_latest_good,
    load_model,
    train_and_register,
)

app = typer.Typer(help="Forecast the 4-week change of the Velocity Score.", no_args_is_help=True)

PanelOpt = Annotated[
    Path | None,
    typer.Option(
        "--panel", help="Panel CSV (long format) or folder of weekly series; default demo"
    ),
]
TargetOpt = Annotated[str, typer.Option(help="Target column of a panel CSV")]
RegistryOpt = Annotated[
    Path | None, typer.Option("--registry", help="Model registry folder (default: state dir)")
]
EndWeekOpt = Annotated[
    str | None, typer.Option("--end-week", help="Demo panel: last week (YYYY-MM-DD); default today")
]
NETWORKS = ("gru", "tst", "gru+tst", "gru+tst+ridge")
MODELS = ("naive", "mean", "ridge", "lightgbm", *NETWORKS)


def _registry(path: Path | None) -> Path:
    if path is not None:
        return path
    return load_settings().state_dir / "models" / "forecast"


def _panel(path: Path | None, target: str, end_week: str | None) -> Panel:
    if path is None:
        end = dt.date.fromisoformat(end_week) if end_week else None
        return demo_panel(end_week=end)
    if path.is_dir():
        return read_weekly_folder(path)
    return read_panel_csv(path, target=target)


def _recipe(model: str | None = None, input_len: int | None = None, **train: Any) -> Recipe:
    """The served recipe, with the command line's overrides (a labelled experiment)."""
    changes: dict[str, Any] = {f"train_{k}": v for k, v in train.items() if v is not None}
    if model is not None:
        changes["kind"] = model
    if input_len is not None:
        changes["input_len"] = input_len
    return SERVED.with_(**changes)


def _check_model(model: str, allowed: tuple[str, ...]) -> None:
    if model not in allowed:
        raise typer.BadParameter(f"--model must be one of {', '.join(allowed)}")


@app.command()
def train(
    model: Annotated[str, typer.Option(help="gru, tst, gru+tst or gru+tst+ridge")] = SERVED.kind,
    panel: PanelOpt = None,
    target: TargetOpt = "velocity",
    registry: RegistryOpt = None,
    end_week: EndWeekOpt = None,
    input_len: Annotated[int, typer.Option(help="Weeks of input")] = SERVED.input_len,
    epochs: Annotated[int, typer.Option(help="Maximum epochs")] = SERVED.train.epochs,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar")] = True,
) -> None:
    """Train the served recipe on every week of a panel file (default: demo) and register it.

    The product's own retrain reads the database: ``trendpath trends forecast --retrain``.
    """
    _check_model(model, NETWORKS)
    data = _panel(panel, target, end_week)
    recipe = _recipe(model, input_len, epochs=epochs, progress=progress)
    source = "demo" if panel is None else f"file:{panel.name}"
    loaded = train_and_register(
        _registry(registry), data, recipe=recipe, data_source=source, seed=seed
    )
    metrics = loaded.record.metrics
    typer.echo(f"registered {loaded.version}")
    typer.echo(f"validation MSE relative to naive: {metrics['val_rel_mse']:.3f}")


def _make(name: str, data: Panel, seed: int, recipe: Recipe) -> Forecaster:
    spec, settings = recipe.spec(data), replace(recipe.settings(), refit=True)
    if name == "naive":
        return NaiveForecaster(spec, settings)
    if name == "mean":
        return MeanForecaster(spec, settings)
    if name == "ridge":
        return RidgeForecaster(spec, settings)
    if name == "lightgbm":
        return LightGBMForecaster(spec, settings, seed=seed)
    return recipe.with_(kind=name).forecaster(data, seed=seed)


@app.command()
def evaluate(
    model: Annotated[str, typer.Option(help=f"One of {'|'.join(MODELS)}|all")] = "all",
    panel: PanelOpt = None,
    target: TargetOpt = "velocity",
    end_week: EndWeekOpt = None,
    input_len: Annotated[int, typer.Option(help="Weeks of input")] = SERVED.input_len,
    cutoffs: Annotated[int, typer.Option(help="Forecast origins per series")] = 52,
    refit_every: Annotated[
        int | None, typer.Option(help="Refit every N weeks (default: one fit, the protocol)")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
) -> None:
    """Rolling-origin evaluation; prints relative MSE, MASE, win rate and coverage per model."""
    names = MODELS if model == "all" else (model,)
    for n in names:
        _check_model(n, MODELS)
    data = _panel(panel, target, end_week)
    recipe = _recipe(input_len=input_len)
    cfg = EvalConfig(n_cutoffs=cutoffs, refit_every=refit_every)
    typer.echo(f"{'model':10} {'rel_mse':>8} {'mase':>6} {'win':>5} {'cover':>6} {'fit_s':>7}")
    for name in names:
        make = partial(_make, name, data, seed, recipe)
        sc = rolling_evaluation(data, make, cfg, name=name).scores
        typer.echo(
            f"{name:10} {sc['rel_mse']:8.3f} {sc['mase']:6.3f} {sc['win_rate']:5.2f} "
            f"{sc['coverage']:6.2f} {sc['fit_s']:7.1f}"
        )


@app.command()
def predict(
    panel: PanelOpt = None,
    target: TargetOpt = "velocity",
    registry: RegistryOpt = None,
    end_week: EndWeekOpt = None,
    week: Annotated[str | None, typer.Option(help="Forecast origin (default: last week)")] = None,
    version: Annotated[
        str | None, typer.Option(help="Model version (default: latest good)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Forecast the next 4-week change for every series with the latest good model."""
    reg = _registry(registry)
    data = _panel(panel, target, end_week)
    try:
        if version is not None:
            loaded = load_model(reg / version)
        else:
            found = load_latest_good(reg, panel=data)
            if found is None:
                raise RegistryError(f"no model in {reg} passes the gate; run `train` first")
            loaded = found
    except RegistryError as exc:
        raise work_failed(str(exc)) from None
    try:
        fc = predict_all(loaded, data, dt.date.fromisoformat(week) if week else None)
    except (KeyError, ValueError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        payload = {
            "model_version": fc.model_version,
            "week": fc.week.isoformat(),
            "horizon": fc.horizon,
            "coverage": fc.coverage,
            "forecasts": fc.as_dict(),
            "skipped": [{"series_id": i.series_id, "code": i.code} for i in fc.skipped],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    typer.echo(f"model {fc.model_version} · origin {fc.week} · +{fc.horizon} weeks")
    for sid, p, lo, hi in zip(fc.series_ids, fc.point, fc.lower, fc.upper, strict=True):
        typer.echo(f"{sid:40} {p:+8.2f}  [{lo:+8.2f}, {hi:+8.2f}]")
    for issue in fc.skipped:
        typer.echo(f"skipped {issue.series_id}: {issue.code} ({issue.message})")
