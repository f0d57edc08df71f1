"""The service's forecast refresh over the real database: what it trains on, bad data per trend,
revised weeks, idempotency, and the labelled fallback when a model fails the gate."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text

from trendpath.kit.db import Database
from trendpath.kit.settings import Settings
from trendpath.trends import store
from trendpath.trends.catalog import load_catalog
from trendpath.trends.demo import DEMO_SOURCE, generate_panel
from trendpath.trends.demo_data import trend_row
from trendpath.trends.forecast import list_models
from trendpath.trends.forecast.recipe import SERVED
from trendpath.trends.forecast.registry import save_model
from trendpath.trends.forecast.synthetic import tiny_recipe
from trendpath.trends.forecasting import db_panel, is_stale, refresh, registry_dir
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.recompute import recompute_all

CATALOG = {t.slug: t for t in load_catalog()}
SLUGS = tuple(list(CATALOG)[:8])
END = dt.date(2025, 6, 30)
TINY = tiny_recipe()  # the served recipe's code path, shrunk for a tiny panel


@pytest.fixture
def mine(settings: Settings, tmp_path: Path) -> Settings:
    """Settings with this test's own state folder (an empty model registry)."""
    return settings.model_copy(update={"state_dir": tmp_path})


def seed(
    db: Database, slugs: tuple[str, ...] = SLUGS, weeks: int = 100, end: dt.date = END
) -> None:
    """Trends with ``weeks`` of demo indicators up to ``end`` and their Velocity history."""
    p = generate_panel(list(slugs), weeks=weeks, end_week=end, seed=7)
    with db.session_scope() as session:
        ids = store.upsert_trends(session, [trend_row(CATALOG[s]) for s in slugs])
        store.upsert_indicators(
            session,
            (
                store.IndicatorRow(ids[slug], name, week, float(p.values[t, w, i]), DEMO_SOURCE)
                for t, slug in enumerate(p.slugs)
                for w, week in enumerate(p.weeks)
                for i, name in enumerate(INDICATORS)
            ),
        )
        recompute_all(session)


def put(db: Database, slug: str, indicator: str, week: dt.date, value: float, source: str) -> None:
    """Store (or revise) one indicator value and recompute Velocity, as an import does."""
    with db.session_scope() as session:
        tid = store.trend_ids(session)[slug]
        store.upsert_indicators(session, [store.IndicatorRow(tid, indicator, week, value, source)])
        recompute_all(session)


def stored(db: Database) -> dict[tuple[str, dt.date], Any]:
    """Every stored forecast row by (slug, week)."""
    sql = text("SELECT t.slug, f.* FROM trends.forecast f JOIN trends.trend t ON t.id = f.trend_id")
    with db.session_scope() as session:
        return {(r.slug, r.week): r for r in session.execute(sql)}


def test_the_model_trains_on_the_database_and_says_which_data(
    db: Database, mine: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    seed(db)
    run = refresh(db, mine, recipe=TINY)
    assert run is not None and run.data_source == "demo"  # only the demo generator's values
    assert run.stored == len(SLUGS) and run.kind == "network"
    put(db, SLUGS[0], "search_volume_growth", END, 3.0, "csv:collected.csv")  # imported value
    with caplog.at_level(logging.INFO, logger="trendpath.trends.forecasting"):
        retrained = refresh(db, mine, recipe=TINY, retrain=True)
    assert retrained is not None and retrained.data_source == "database"
    newest, first = list_models(registry_dir(mine))
    assert (newest.data_source, first.data_source) == ("database", "demo")
    assert newest.version == retrained.model_version != run.model_version
    with db.session_scope() as session:
        panel, _ = db_panel(session)
    assert newest.data_version == panel.version()  # trained on exactly the stored panel
    ready = [r for r in caplog.records if r.getMessage() == "forecast model ready"]
    assert ready and ready[-1].__dict__["data_source"] == "database"


def test_every_trend_gets_a_forecast_and_bad_data_gets_a_reason(
    db: Database, mine: Settings
) -> None:
    seed(db)
    newcomer = list(CATALOG)[20]
    seed(db, (newcomer,), weeks=3)  # a new trend: three weeks of indicators are too short
    put(db, SLUGS[1], "funding_volume_growth", END - dt.timedelta(weeks=1), 1e12, "csv:typo.csv")
    with db.session_scope() as session:  # three weeks of one indicator lost: a gap
        tid = store.trend_ids(session)[SLUGS[2]]
        session.execute(
            text(
                "DELETE FROM trends.indicator_value WHERE trend_id = :t AND indicator = "
                "'patent_filing_rate' AND week BETWEEN :a AND :b"
            ),
            {"t": tid, "a": END - dt.timedelta(weeks=6), "b": END - dt.timedelta(weeks=4)},
        )
        recompute_all(session)
    run = refresh(db, mine, recipe=TINY)  # never an exception for a bad trend
    rows = {slug: r for (slug, week), r in stored(db).items() if week == END}
    assert run is not None and run.skipped == 3
    assert set(rows) == {*SLUGS, newcomer}  # nobody is left without a forecast
    reasons = {slug: r.reason for slug, r in rows.items() if r.reason}
    assert reasons == {newcomer: "too_short", SLUGS[1]: "outlier", SLUGS[2]: "gap"}
    for slug, row in rows.items():
        assert np.isfinite([row.point, row.lo, row.hi]).all() and row.lo <= row.point <= row.hi
        if slug in reasons:
            assert (row.model, row.kind, row.point) == ("naive", "baseline", 0.0)
            assert row.reason_detail and row.validation_rel_mse == 1.0
        else:
            assert (row.model, row.kind) == (SERVED.kind, "network")
            assert row.validation_rel_mse == pytest.approx(run.validation_rel_mse)


def test_revised_weeks_are_forecast_again_and_refresh_is_idempotent(
    db: Database, mine: Settings
) -> None:
    earlier = END - dt.timedelta(weeks=3)
    seed(db, end=earlier)
    refresh(db, mine, recipe=TINY)
    seed(db)  # three more weeks arrive (older weeks unchanged)
    run = refresh(db, mine, recipe=TINY)
    assert run is not None and run.weeks == 1  # nothing revised: only the new week
    before = stored(db)
    assert {w for _, w in before} == {earlier, END}
    again = refresh(db, mine, recipe=TINY)
    assert again is not None and again.stored == len(SLUGS)
    after = stored(db)
    assert {k: (r.point, r.lo, r.hi) for k, r in after.items()} == {
        k: (r.point, r.lo, r.hi) for k, r in before.items()
    }  # the same rows, no more
    assert not is_stale(db)

    put(db, SLUGS[3], "learning_demand_growth", earlier - dt.timedelta(weeks=1), 99.0, "csv:fix")
    assert is_stale(db)
    revised = refresh(db, mine, recipe=TINY)
    assert revised is not None and revised.weeks == 2
    now = stored(db)
    old_row, new_row = after[(SLUGS[3], earlier)], now[(SLUGS[3], earlier)]
    assert new_row.created_at > old_row.created_at and new_row.point != old_row.point
    untouched = after[(SLUGS[4], earlier)]
    assert now[(SLUGS[4], earlier)].created_at == untouched.created_at  # not revised
    assert not is_stale(db)


def test_a_model_that_lost_to_naive_is_never_served_a_labelled_baseline_is(
    db: Database, mine: Settings
) -> None:
    seed(db)
    with db.session_scope() as session:
        panel, _ = db_panel(session)
    failed = TINY.forecaster(panel)
    failed.fit(panel)
    failed.calibration.metrics["val_rel_mse"] = 1.3  # as if it had lost to naive
    save_model(
        registry_dir(mine),
        failed,
        data_version=panel.version(),
        target_name=panel.target_name,
        data_source="demo",
    )
    run = refresh(db, mine, recipe=TINY)  # the same data: not trained again
    assert run is not None and (run.kind, run.status) == ("baseline", "fallback")
    assert run.validation_rel_mse is not None and run.validation_rel_mse <= 1.0
    rows = stored(db)
    assert len(rows) == len(SLUGS)
    assert {(r.model, r.kind, r.model_version) for r in rows.values()} == {
        (run.model, "baseline", run.model_version)
    }
    assert [r.family for r in list_models(registry_dir(mine))] == ["baseline", "network"]


def test_two_refreshes_at_once_train_one_model(db: Database, mine: Settings) -> None:
    """The hourly check and the chain's forecast step may start together: the advisory lock
    makes the second wait and then serve the first one's model."""
    import threading

    seed(db)
    runs: list[Any] = []
    threads = [
        threading.Thread(target=lambda: runs.append(refresh(db, mine, recipe=TINY)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(runs) == 2 and all(r is not None for r in runs)
    assert len(list_models(registry_dir(mine))) == 1
    assert runs[0].model_version == runs[1].model_version
