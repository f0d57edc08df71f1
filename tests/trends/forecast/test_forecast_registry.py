"""Registry round trips, the latest-good rule, ensure_model, and cached batched prediction."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from trendpath.trends.forecast.data import Panel, WindowSpec
from trendpath.trends.forecast.predict import Predictor, predict_all
from trendpath.trends.forecast.registry import (
    RegistryError,
    ensure_model,
    latest_good,
    list_models,
    load_model,
    save_model,
    train_and_register,
)
from trendpath.trends.forecast.synthetic import synthetic_panel
from trendpath.trends.forecast.train import NeuralForecaster, TrainConfig

QUICK = TrainConfig(epochs=15, batch_size=32, seed=0)


@pytest.fixture(scope="module")
def panel() -> Panel:
    return synthetic_panel(n_series=5, n_weeks=90, noise=0.3)


@pytest.mark.parametrize("kind", ["gru", "tst"])
def test_checkpoint_round_trip_gives_identical_predictions(
    kind: str, panel: Panel, tmp_path: Path
) -> None:
    trained = train_and_register(tmp_path, panel.upto(80), kind=kind, train=QUICK)
    loaded = load_model(trained.record.path)
    assert loaded.version == trained.version
    # Predicting on weeks the model never saw needs no training data, only the checkpoint.
    a, b = predict_all(trained, panel), predict_all(loaded, panel)
    np.testing.assert_array_equal(a.point, b.point)
    np.testing.assert_array_equal(a.lower, b.lower)
    np.testing.assert_array_equal(a.upper, b.upper)
    assert a.model_version == trained.version and np.isfinite(a.point).all()
    meta = json.loads((trained.record.path / "meta.json").read_text())
    assert meta["data_version"] == panel.upto(80).version() and meta["model_kind"] == kind


def test_latest_good_skips_models_that_do_not_beat_naive(panel: Panel, tmp_path: Path) -> None:
    good = train_and_register(tmp_path, panel, train=QUICK)
    assert good.record.metrics["val_rel_mse"] < 1.0
    failing = NeuralForecaster("gru", train=QUICK)
    failing.fit(panel)
    failing.calibration.metrics["val_rel_mse"] = 1.25  # as if it had lost to naive
    bad = save_model(tmp_path, failing, data_version="x", target_name=panel.target_name)
    newest = list_models(tmp_path)[0]
    assert newest.version == bad.version
    record = latest_good(tmp_path)
    assert record is not None and record.version == good.version
    other = Panel(panel.series_ids, panel.weeks, ("x", "y", "z"), panel.inputs, panel.target)
    assert latest_good(tmp_path, panel=other) is None  # trained on other features


def test_ensure_model_trains_once_then_loads(panel: Panel, tmp_path: Path) -> None:
    first = ensure_model(tmp_path, panel, train=QUICK)
    second = ensure_model(tmp_path, panel, train=QUICK)
    assert first.version == second.version and len(list_models(tmp_path)) == 1
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "meta.json").write_text("{not json")
    assert len(list_models(tmp_path)) == 1


def test_ensure_model_refuses_a_model_that_fails_the_gate(panel: Panel, tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="did not beat"):
        ensure_model(tmp_path, panel, train=QUICK, max_rel_mse=0.0)
    assert len(list_models(tmp_path)) == 1  # kept for inspection, never served
    assert latest_good(tmp_path) is not None  # the default gate would accept it


def test_predictor_caches_per_version_and_week(panel: Panel, tmp_path: Path) -> None:
    model = train_and_register(tmp_path, panel, train=QUICK)
    predictor = Predictor()
    week = panel.weeks[70]
    a = predictor.predict(model, panel, week)
    b = predictor.predict(model, panel, week)
    assert a is b and (predictor.hits, predictor.misses) == (1, 1)
    np.testing.assert_array_equal(a.point, predict_all(model, panel, week).point)
    revised = panel.target.copy()
    revised[:, 70] += 1.0  # a revised value for that week must not be served from the cache
    panel2 = Panel(panel.series_ids, panel.weeks, panel.features, panel.inputs, revised)
    c = predictor.predict(model, panel2, week)
    assert predictor.misses == 2 and not np.array_equal(c.point, a.point)


def test_prediction_skips_unusable_series_instead_of_returning_nan(
    panel: Panel, tmp_path: Path
) -> None:
    model = train_and_register(tmp_path, panel, train=QUICK, spec=WindowSpec())
    target = panel.target.copy()
    target[1, -1] = np.nan  # not observed in the forecast week
    target[3, 40] = np.inf
    broken = Panel(panel.series_ids, panel.weeks, panel.features, panel.inputs, target)
    fc = predict_all(model, broken)
    assert fc.series_ids == ("s00", "s02", "s04") and np.isfinite(fc.point).all()
    assert {(i.series_id, i.code) for i in fc.skipped} == {
        ("s01", "too_short"),
        ("s03", "non_finite"),
    }
    assert fc.week == panel.weeks[-1] and isinstance(fc.week, dt.date)
