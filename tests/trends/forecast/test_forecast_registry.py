"""Registry round trips, the gate and its fallbacks, ensure_model, and cached batched prediction."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from trendpath.trends.forecast.data import Panel
from trendpath.trends.forecast.predict import Predictor, predict_all
from trendpath.trends.forecast.recipe import SERVED
from trendpath.trends.forecast.registry import (
    ensure_model,
    latest_good,
    list_models,
    load_model,
    save_model,
    train_and_register,
)
from trendpath.trends.forecast.synthetic import synthetic_panel, tiny_recipe

QUICK = tiny_recipe(epochs=15, batch_size=32)


@pytest.fixture(scope="module")
def panel() -> Panel:
    return synthetic_panel(n_series=5, n_weeks=90, noise=0.3)


@pytest.mark.parametrize(
    ("kind", "weights"),
    [
        ("gru", "equal"),
        ("tst", "equal"),
        ("gru+tst", "equal"),
        ("gru+tst+ridge", "equal"),
        ("gru+tst+ridge", "validation"),
    ],
)
def test_checkpoint_round_trip_gives_identical_predictions(
    kind: str, weights: str, panel: Panel, tmp_path: Path
) -> None:
    recipe = QUICK.with_(kind=kind, train_member_weights=weights)
    trained = train_and_register(tmp_path, panel.upto(80), recipe=recipe)
    loaded = load_model(trained.record.path)
    assert loaded.version == trained.version and loaded.record.family == "network"
    # Predicting on weeks the model never saw needs no training data, only the checkpoint.
    a, b = predict_all(trained, panel), predict_all(loaded, panel)
    np.testing.assert_array_equal(a.point, b.point)
    np.testing.assert_array_equal(a.lower, b.lower)
    np.testing.assert_array_equal(a.upper, b.upper)
    assert a.model_version == trained.version and np.isfinite(a.point).all()
    meta = json.loads((trained.record.path / "meta.json").read_text())
    assert meta["data_version"] == panel.upto(80).version() and meta["model_kind"] == kind


def test_ensure_model_trains_the_served_recipe_once_then_loads(
    panel: Panel, tmp_path: Path
) -> None:
    first = ensure_model(tmp_path, panel, data_source="database")
    second = ensure_model(tmp_path, panel, data_source="database")
    assert first.version == second.version and len(list_models(tmp_path)) == 1
    assert first.status == "current" and first.record.data_source == "database"
    meta = json.loads((first.record.path / "meta.json").read_text())
    served = json.loads(json.dumps(SERVED.forecaster(panel).config()))
    assert {k: meta["config"][k] for k in ("kind", "spec", "settings")} == {
        k: served[k] for k in ("kind", "spec", "settings")
    }
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "meta.json").write_text("{not json")
    assert len(list_models(tmp_path)) == 1


def test_latest_good_skips_failed_models_and_other_columns(panel: Panel, tmp_path: Path) -> None:
    good = train_and_register(tmp_path, panel, recipe=QUICK)
    assert good.record.metrics["val_rel_mse"] < 1.0
    failing = QUICK.forecaster(panel)
    failing.fit(panel)
    failing.calibration.metrics["val_rel_mse"] = 1.25  # as if it had lost to naive
    bad = save_model(tmp_path, failing, data_version="x", target_name=panel.target_name)
    assert list_models(tmp_path)[0].version == bad.version
    record = latest_good(tmp_path)
    assert record is not None and record.version == good.version
    other = Panel(panel.series_ids, panel.weeks, ("x", "y", "z"), panel.inputs, panel.target)
    assert latest_good(tmp_path, panel=other) is None  # trained on other features
    assert latest_good(tmp_path, data_source="database") is None  # trained on a panel file


def test_a_model_that_fails_the_gate_is_kept_but_the_last_good_one_is_served(
    panel: Panel, tmp_path: Path
) -> None:
    good = ensure_model(tmp_path, panel, recipe=QUICK, data_source="database")
    # New weeks of pure noise (a random walk): no model beats "no change" on them.
    rng = np.random.default_rng(1)
    target = panel.target.copy()
    target[:, 60:] = target[:, 59:60] + np.cumsum(rng.normal(size=(5, 30)), axis=1)
    noise = Panel(panel.series_ids, panel.weeks, panel.features, panel.inputs, target)
    served = ensure_model(tmp_path, noise, recipe=QUICK, data_source="database", retrain=True)
    assert served.version == good.version and served.status == "last_good"
    [failed, kept] = list_models(tmp_path)  # the failed one stays in the history
    assert kept.version == good.version and not failed.metrics["val_rel_mse"] < 1.0


def test_without_any_good_network_a_labelled_baseline_is_served(
    panel: Panel, tmp_path: Path
) -> None:
    served = ensure_model(tmp_path, panel, recipe=QUICK, data_source="database", max_rel_mse=0.0)
    assert served.status == "fallback" and served.record.family == "baseline"
    assert served.record.model_kind in ("ridge", "mean", "naive")
    assert served.record.validation_rel_mse is not None
    assert served.record.validation_rel_mse <= 1.0  # never worse than naive on validation
    # The same data again: no second training of a network that already failed, same baseline.
    again = ensure_model(tmp_path, panel, recipe=QUICK, data_source="database", max_rel_mse=0.0)
    assert again.version == served.version and len(list_models(tmp_path)) == 2
    reloaded = load_model(served.record.path)
    np.testing.assert_array_equal(
        predict_all(served, panel).point, predict_all(reloaded, panel).point
    )


def test_predictor_caches_per_version_and_week(panel: Panel, tmp_path: Path) -> None:
    model = train_and_register(tmp_path, panel, recipe=QUICK)
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


def test_series_the_model_cannot_read_get_a_naive_forecast_with_their_reason(
    panel: Panel, tmp_path: Path
) -> None:
    model = train_and_register(tmp_path, panel, recipe=QUICK)
    target, inputs = panel.target.copy(), panel.inputs.copy()
    target[1, -1] = np.nan  # not observed in the forecast week: no level to forecast from
    target[3, 40] = np.inf
    inputs[4, -2, 0] = 1e9  # a value typed in the wrong unit, inside the input window
    target[2] = 50.0  # a score that never moves
    broken = Panel(panel.series_ids, panel.weeks, panel.features, inputs, target)
    fc = predict_all(model, broken)
    assert fc.series_ids[0] == "s00" and set(fc.series_ids) == {"s00", "s02", "s03", "s04"}
    assert np.isfinite(fc.point).all() and np.isfinite(fc.lower).all()
    assert {(i.series_id, i.code) for i in fc.fallback} == {
        ("s02", "constant"),
        ("s03", "non_finite"),
        ("s04", "outlier"),
    }
    assert [(i.series_id, i.code) for i in fc.skipped] == [("s01", "too_short")]
    np.testing.assert_array_equal(fc.point[1:], 0.0)  # no change, in a band of past changes
    assert (fc.lower[1:] <= 0).all() and (fc.upper[1:] >= 0).all()
    moving = [i for i, sid in enumerate(fc.series_ids) if sid in ("s03", "s04")]
    assert (fc.upper[moving] - fc.lower[moving] > 0).all()
    healthy = predict_all(model, panel)
    assert fc.point[0] == pytest.approx(healthy.point[0], abs=1e-6)  # the readable one: as before
    assert fc.week == panel.weeks[-1] and isinstance(fc.week, dt.date)
