"""Forecast model training killed with SIGKILL, and what a crash can leave in the registry.

* ``trendpath forecast train`` killed mid-epoch: the registry keeps serving the previous good
  model, shows no new version, and the rerun registers a model identical (weights and metrics)
  to an uninterrupted run's (the same command run to its end in the test process).
* ``trendpath run`` killed while its background job trains the first model: nothing is
  registered or stored; restarted, the job trains again by itself. Killed once more after the
  model is registered but before the forecasts are stored (a separate unit of work): the next
  start reuses that model (no second training, no second version) and stores exactly the
  forecasts an uninterrupted run computes, once per trend.
* ``trendpath trends forecast --retrain`` (the scheduled weekly retrain on the database) killed
  while it trains: the served model, the registry and the stored forecasts are exactly as before;
  the rerun registers the new model and refreshes the forecasts with it.
* half-written artefacts (a temporary folder from a kill during the save, a version whose
  checkpoint a power cut truncated) are never served, and stale temporary folders are swept.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest
import torch
from crash_proc import (
    Blocker,
    Spawn,
    rows,
    scalar,
    wait_backends_gone,
    wait_until,
    waiting_on_lock,
)
from typer.testing import CliRunner

from trendpath.kit.db import Database
from trendpath.kit.settings import Settings
from trendpath.trends import store
from trendpath.trends.catalog import load_catalog
from trendpath.trends.demo import generate_panel
from trendpath.trends.demo_data import trend_row
from trendpath.trends.forecast import (
    Panel,
    ensure_model,
    latest_good,
    list_models,
    load_latest_good,
    load_model,
    predict_all,
    write_panel_csv,
)
from trendpath.trends.forecast.cli import app as forecast_cli
from trendpath.trends.forecast.recipe import SERVED
from trendpath.trends.forecast.registry import (
    CHECKPOINT,
    META,
    STALE_TMP_S,
    TRAINING,
    train_and_register,
)
from trendpath.trends.forecasting import db_panel, forecast_rows, refresh, registry_dir
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.recompute import recompute_all
from trendpath.trends.velocity import compute_velocity

SLUGS = tuple(t.slug for t in load_catalog()[:25])
END_WEEK = dt.date(2025, 6, 30)
TRAIN_S = 300  # the served recipe on 25 trends x 200 weeks, with room for a busy 2-core box


def demo_panel(weeks: int = 200) -> Panel:
    """25 catalog trends, synthetic indicators, Velocity Score as target (as in production)."""
    p = generate_panel(list(SLUGS), weeks=weeks, end_week=END_WEEK, seed=7)
    return Panel(
        series_ids=tuple(p.slugs),
        weeks=tuple(p.weeks),
        features=INDICATORS,
        inputs=p.values,
        target=compute_velocity(p.values).score,
        target_name="velocity",
    )


def same_weights(a: Path, b: Path) -> bool:
    """True when two registered versions hold identical tensors."""
    wa = load_model(a).forecaster.net
    wb = load_model(b).forecaster.net
    assert wa is not None and wb is not None
    sa, sb = wa.state_dict(), wb.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# --- trendpath forecast train ------------------------------------------------------------------


@pytest.mark.slow
def test_training_killed_mid_epoch_keeps_the_last_good_model_and_reruns_identically(
    spawn: Spawn, tmp_path: Path
) -> None:
    panel_csv, registry = tmp_path / "panel.csv", tmp_path / "registry"
    write_panel_csv(demo_panel(), panel_csv)
    train = ("forecast", "train", "--panel", str(panel_csv), "--registry", str(registry))

    # The uninterrupted run (today's good model): the same command, in this process.
    reference = CliRunner().invoke(forecast_cli, [*train[1:], "--no-progress"])
    assert reference.exit_code == 0, reference.output
    [good] = list_models(registry)

    killed = spawn(*train)
    killed.wait_output(r"train:[^\r\n]*\| *([2-9]|[1-9]\d+)/\d+ \[", timeout=TRAIN_S)  # epoch 2+
    killed.kill9()
    assert "registered" not in killed.output
    assert [r.version for r in list_models(registry)] == [good.version]
    assert not [p for p in registry.iterdir() if not p.name.startswith(".tmp-")][1:]
    served = load_latest_good(registry)
    assert served is not None and served.version == good.version  # still served, loads

    rerun = spawn(*train)
    assert rerun.finish(timeout=TRAIN_S) == 0, rerun.output
    newest, previous = list_models(registry)
    assert previous.version == good.version and newest.version != good.version
    assert same_weights(newest.path, good.path), "the rerun differs from an uninterrupted run"
    timing = {"train_s"}  # wall-clock seconds: the one metric that may differ
    assert {k: v for k, v in newest.metrics.items() if k not in timing} == {
        k: v for k, v in good.metrics.items() if k not in timing
    }
    latest = latest_good(registry)
    assert latest is not None and latest.version == newest.version


# --- half-written artefacts --------------------------------------------------------------------


def test_half_written_versions_are_never_served_and_stale_temporaries_are_swept(
    tmp_path: Path,
) -> None:
    panel = demo_panel(weeks=120)
    quick = SERVED.with_(train_epochs=3)
    good = train_and_register(tmp_path, panel, recipe=quick).record

    def later_copy(name: str, minutes: int) -> Path:
        """A newer version folder, as a crash of the machine could leave it."""
        path = tmp_path / name
        shutil.copytree(good.path, path)
        meta = (path / META).read_text(encoding="utf-8")
        created = good.created_at + dt.timedelta(minutes=minutes)
        meta = meta.replace(good.created_at.isoformat(), created.isoformat())
        (path / META).write_text(meta.replace(good.version, name), encoding="utf-8")
        return path

    truncated = later_copy("29990101T000000000000-gru-truncated", 1)
    with (truncated / CHECKPOINT).open("r+b") as fh:  # the rename survived, the data did not
        fh.truncate(100)
    no_weights = later_copy("29990101T000000000000-gru-noweights", 2)
    (no_weights / CHECKPOINT).unlink()
    # What a trainer killed during the save leaves: a temporary folder, one old, one in use.
    old_tmp, live_tmp = tmp_path / ".tmp-dead", tmp_path / ".tmp-live"
    for tmp in (old_tmp, live_tmp):
        tmp.mkdir()
        (tmp / CHECKPOINT).write_bytes(b"PK\x03\x04half")
    stale = time.time() - STALE_TMP_S - 60
    os.utime(old_tmp, (stale, stale))

    listed = [r.version for r in list_models(tmp_path)]
    assert no_weights.name not in listed and ".tmp-dead" not in listed
    assert listed[0] == truncated.name  # its metadata is fine: only loading can tell
    served = load_latest_good(tmp_path)
    assert served is not None and served.version == good.version
    assert ensure_model(tmp_path, panel, recipe=quick).version == good.version  # no retraining

    train_and_register(tmp_path, panel, recipe=quick)  # any later save sweeps dead temporaries
    assert not old_tmp.exists() and live_tmp.exists()


# --- trendpath run: the first-start training in the background ---------------------------------


def seed_indicators(db: Database) -> None:
    """Trends with 200 weeks of indicators and their Velocity, no model, no forecast."""
    by_slug = {t.slug: t for t in load_catalog()}
    p = generate_panel(list(SLUGS), weeks=200, end_week=END_WEEK, seed=7)
    with db.session_scope() as session:
        ids = store.upsert_trends(session, [trend_row(by_slug[s]) for s in SLUGS])
        store.copy_indicators(
            session,
            (
                store.IndicatorRow(ids[slug], name, week, float(p.values[t, w, i]), "seed")
                for t, slug in enumerate(p.slugs)
                for w, week in enumerate(p.weeks)
                for i, name in enumerate(INDICATORS)
            ),
        )
        recompute_all(session)


@pytest.mark.slow
def test_run_killed_in_first_start_training_and_before_storing_resumes_by_itself(
    crash_db: Database, spawn: Spawn, settings: Settings, state_dir: Path, tmp_path: Path
) -> None:
    seed_indicators(crash_db)
    registry = registry_dir(settings.model_copy(update={"state_dir": state_dir}))
    forecasts = "SELECT count(*) FROM trends.forecast"

    first = spawn("run", "--port", "0", "--no-demo")
    first.wait_output(TRAINING, timeout=TRAIN_S)
    first.kill9()  # mid-training
    wait_backends_gone(crash_db, "trendpath")
    assert list_models(registry) == [] and scalar(crash_db, forecasts) == 0

    # Restarted, it trains again by itself; this time it dies after registering the model,
    # waiting to store the forecasts (a separate unit of work).
    with Blocker(crash_db, "LOCK TABLE trends.forecast IN SHARE MODE"):
        second = spawn("run", "--port", "0", "--no-demo")
        wait_until(
            lambda: waiting_on_lock(crash_db, "trendpath", "INSERT INTO trends.forecast"),
            TRAIN_S,
            "the job to store its forecasts",
            second,
        )
        assert TRAINING in second.output
        second.kill9()
    wait_backends_gone(crash_db, "trendpath")
    [model] = list_models(registry)
    served = load_latest_good(registry)
    assert served is not None and served.version == model.version
    assert scalar(crash_db, forecasts) == 0

    third = spawn("run", "--port", "0", "--no-demo")
    third.wait_output("forecasts stored", timeout=TRAIN_S)
    assert third.stop() == 0, third.output[-3000:]
    assert TRAINING not in third.output, "a registered model was trained again"
    assert [r.version for r in list_models(registry)] == [model.version]
    stored = rows(
        crash_db,
        "SELECT t.slug, f.week, f.point, f.lo, f.hi, f.model_version"
        " FROM trends.forecast f JOIN trends.trend t ON t.id = f.trend_id",
    )
    assert len(stored) == len(SLUGS) == len({r.slug for r in stored})  # once per trend
    assert {r.model_version for r in stored} == {model.version}

    # An uninterrupted run, here in the test process: the same model, the same forecasts.
    with crash_db.session_scope() as session:
        panel, ids = db_panel(session)
    reference = ensure_model(tmp_path / "reference", panel)
    expected = forecast_rows(predict_all(reference, panel), ids, {})
    by_slug = {r.slug: r for r in stored}
    slug_of = {v: k for k, v in ids.items()}
    for row in expected:
        got = by_slug[slug_of[row["trend_id"]]]
        assert got.week == row["week"]
        assert (got.point, got.lo, got.hi) == pytest.approx(
            (row["point"], row["lo"], row["hi"]), abs=1e-5
        )


# --- trendpath trends forecast --retrain: the scheduled retrain on the database ------------------

FORECASTS = (
    "SELECT t.slug, f.week, f.point, f.lo, f.hi, f.model_version, f.model, f.kind, f.created_at"
    " FROM trends.forecast f JOIN trends.trend t ON t.id = f.trend_id ORDER BY t.slug, f.week"
)


@pytest.mark.slow
def test_retrain_killed_while_training_leaves_the_served_model_and_forecasts_intact(
    crash_db: Database, spawn: Spawn, settings: Settings, state_dir: Path
) -> None:
    seed_indicators(crash_db)
    mine = settings.model_copy(update={"state_dir": state_dir})
    first = refresh(crash_db, mine)  # today's served model and forecasts, in this process
    assert first is not None and first.kind == "network"
    registry = registry_dir(mine)
    before, stored = list_models(registry), rows(crash_db, FORECASTS)
    assert [r.version for r in before] == [first.model_version] and len(stored) == len(SLUGS)

    killed = spawn("trends", "forecast", "--retrain")
    killed.wait_output(TRAINING, timeout=TRAIN_S)  # logged as training starts
    killed.kill9()
    wait_backends_gone(crash_db, "trendpath")
    assert "forecasts stored" not in killed.output
    assert list_models(registry) == before  # no new version, nothing half-registered
    served = load_latest_good(registry, data_source="database")  # "seed" values: not the demo's
    assert served is not None and served.version == first.model_version  # still served, loads
    assert rows(crash_db, FORECASTS) == stored  # not one forecast touched

    rerun = spawn("trends", "forecast", "--retrain")
    assert rerun.finish(timeout=TRAIN_S) == 0, rerun.output[-3000:]
    newest, previous = list_models(registry)
    assert previous.version == first.model_version and newest.data_source == "database"
    good = newest.validation_rel_mse is not None and newest.validation_rel_mse < 1.0
    expected = newest.version if good else previous.version  # a failed model is never served
    with crash_db.session_scope() as session:
        latest = store.latest_forecasts(session)
    assert len(latest) == len(SLUGS) and {r.model_version for r in latest.values()} == {expected}
    assert f"model {expected}" in rerun.output
