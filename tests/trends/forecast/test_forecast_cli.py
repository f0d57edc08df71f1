"""The ``forecast`` CLI: train, evaluate and predict, agreeing with the library."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from trendpath.trends.forecast.cli import app
from trendpath.trends.forecast.data import Panel
from trendpath.trends.forecast.panel_io import read_panel_csv, write_panel_csv
from trendpath.trends.forecast.predict import predict_all
from trendpath.trends.forecast.registry import latest_good, load_model
from trendpath.trends.forecast.synthetic import synthetic_panel

runner = CliRunner()


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = synthetic_panel(n_series=4, n_weeks=90, noise=0.3)
    path = tmp_path_factory.mktemp("cli") / "panel.csv"
    write_panel_csv(Panel(p.series_ids, p.weeks, p.features, p.inputs, p.target, "velocity"), path)
    return path


def test_cli_predict_equals_the_library_prediction(panel_csv: Path, tmp_path: Path) -> None:
    reg = tmp_path / "models"
    common = ["--panel", str(panel_csv), "--registry", str(reg)]
    trained = runner.invoke(app, ["train", *common, "--epochs", "15", "--no-progress"])
    assert trained.exit_code == 0, trained.output
    assert "registered" in trained.output
    week = "2021-07-19"
    out = runner.invoke(app, ["predict", *common, "--json", "--week", week])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    panel = read_panel_csv(panel_csv)
    record = latest_good(reg, panel=panel)
    assert record is not None and payload["model_version"] == record.version
    expected = predict_all(load_model(record), panel, dt.date.fromisoformat(week))
    assert payload["forecasts"] == expected.as_dict()
    assert payload["week"] == week and payload["skipped"] == []
    assert np.isfinite([v["point"] for v in payload["forecasts"].values()]).all()


def test_cli_predict_without_a_model_fails_clearly(panel_csv: Path, tmp_path: Path) -> None:
    out = runner.invoke(app, ["predict", "--panel", str(panel_csv), "--registry", str(tmp_path)])
    assert out.exit_code == 1
    assert "run `train` first" in out.output


def test_cli_evaluate_prints_a_row_per_model(panel_csv: Path) -> None:
    out = runner.invoke(
        app,
        ["evaluate", "--panel", str(panel_csv), "--model", "ridge", "--cutoffs", "10"],
    )
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[1].startswith("ridge")
    bad = runner.invoke(app, ["evaluate", "--panel", str(panel_csv), "--model", "prophet"])
    assert bad.exit_code != 0
