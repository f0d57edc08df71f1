"""``trendpath forecast ...``: train, evaluate and predict from the command line.

Every command works on the demo panel by default (the catalog's trends, synthetic indicators,
Velocity Score as target) or on ``--panel PATH``: a long-format panel CSV (see ``panel_io.py``)
or a folder of ``date,value`` weekly series (each a univariate series).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from trendpath.kit.commands import fail, load_settings, work_failed
from trendpath.trends.forecast.base import FitSettings, Forecaster
from trendpath.trends.forecast.baselines import (
    LightGBMForecaster,
    MeanForecaster,
    NaiveForecaster,
    RidgeForecaster,
)
from trendpath.trends.forecast.data import Panel, WindowSpec
from trendpath.trends.forecast.evaluate import EvalConfig, rolling_evaluation
from trendpath.trends.forecast.panel_io import demo_panel, read_panel_csv, read_weekly_folder
from trendpath.trends.forecast.predict import predict_all
from trendpath.trends.forecast.registry import (
    RegistryError,
    load_latest_good,
    load_model,
    train_and_register,
)
from trendpath.trends.forecast.train import NeuralForecaster, TrainConfig

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
MODELS = ("naive", "mean", "ridge", "lightgbm", "gru", "tst")


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


def _spec(panel: Panel, input_len: int) -> WindowSpec:
    # A univariate panel has no input features: the model reads the target's own history.
    return WindowSpec(input_len=input_len, features=None if panel.features else ())


def _settings(panel: Panel, *, refit: bool) -> FitSettings:
    # Univariate series: moves relative to the last value only (levels hurt on the dev period,
    # see docs/forecasting.md); indicator panels: levels and moves.
    channels = ("level", "relative") if panel.features else ("relative",)
    return FitSettings(channels=channels, policy="skip", refit=refit)


@app.command()
def train(
    model: Annotated[str, typer.Option(help="gru or tst")] = "gru",
    panel: PanelOpt = None,
    target: TargetOpt = "velocity",
    registry: RegistryOpt = None,
    end_week: EndWeekOpt = None,
    input_len: Annotated[int, typer.Option(help="Weeks of input")] = 4,
    epochs: Annotated[int, typer.Option(help="Maximum epochs")] = 40,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar")] = True,
) -> None:
    """Train a global model on every week of the panel and register it."""
    if model not in ("gru", "tst"):
        raise typer.BadParameter("--model must be gru or tst")
    data = _panel(panel, target, end_week)
    cfg = TrainConfig(epochs=epochs, seed=seed, progress=progress)
    loaded = train_and_register(
        _registry(registry),
        data,
        kind=model,
        spec=_spec(data, input_len),
        settings=_settings(data, refit=False),
        train=cfg,
    )
    metrics = loaded.record.metrics
    typer.echo(f"registered {loaded.version}")
    typer.echo(f"validation MSE relative to naive: {metrics['val_rel_mse']:.3f}")


def _make(name: str, data: Panel, spec: WindowSpec, seed: int) -> Forecaster:
    settings = _settings(data, refit=True)
    if name == "naive":
        return NaiveForecaster(spec, settings)
    if name == "mean":
        return MeanForecaster(spec, settings)
    if name == "ridge":
        return RidgeForecaster(spec, settings)
    if name == "lightgbm":
        return LightGBMForecaster(spec, settings, seed=seed)
    return NeuralForecaster(name, spec, _settings(data, refit=False), TrainConfig(seed=seed))


@app.command()
def evaluate(
    model: Annotated[
        str, typer.Option(help="One of naive|mean|ridge|lightgbm|gru|tst|all")
    ] = "all",
    panel: PanelOpt = None,
    target: TargetOpt = "velocity",
    end_week: EndWeekOpt = None,
    input_len: Annotated[int, typer.Option(help="Weeks of input")] = 4,
    cutoffs: Annotated[int, typer.Option(help="Forecast origins per series")] = 52,
    refit_every: Annotated[int, typer.Option(help="Weeks between refits")] = 13,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
) -> None:
    """Rolling-origin evaluation; prints relative MSE, MASE, win rate and coverage per model."""
    names = MODELS if model == "all" else (model,)
    if any(n not in MODELS for n in names):
        raise typer.BadParameter(f"--model must be one of {(*MODELS, 'all')}")
    data = _panel(panel, target, end_week)
    spec = _spec(data, input_len)
    cfg = EvalConfig(n_cutoffs=cutoffs, refit_every=refit_every)
    typer.echo(f"{'model':10} {'rel_mse':>8} {'mase':>6} {'win':>5} {'cover':>6} {'fit_s':>7}")
    for name in names:
        sc = rolling_evaluation(data, partial(_make, name, data, spec, seed), cfg, name=name).scores
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
