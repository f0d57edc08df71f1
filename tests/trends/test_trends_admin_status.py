"""Read-only admin views of the trend service: data freshness per indicator, forecast models."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import httpx
import pytest

from support import LiveServer, issue_token
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.trends import store
from trendpath.trends.demo_data import sync_catalog
from trendpath.trends.forecast import train_and_register
from trendpath.trends.forecast.synthetic import synthetic_panel, tiny_recipe
from trendpath.trends.forecasting import registry_dir, save_forecasts
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.sources.base import iso_monday
from trendpath.trends.sources.ratelimit import korean_today

API = "/api/trends/v1/admin"


@pytest.fixture(scope="module")
def own_server(
    settings: Settings, database: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Settings, Runtime]]:
    """The combined app with its own state folder (so its model registry starts empty)."""
    from trendpath.combined import create_combined_app

    mine = settings.model_copy(update={"state_dir": tmp_path_factory.mktemp("status")})
    runtime = Runtime(settings=mine, db=database, clients=ServiceClients(mine))
    with LiveServer(create_combined_app(mine, runtime)) as server:
        yield server.url, mine, runtime


@pytest.fixture
def own_state(own_server: tuple[str, Settings, Runtime], db: Database) -> tuple[str, Settings]:
    """The server above over the trend catalog (tables emptied after the test)."""
    base, mine, runtime = own_server
    with db.session_scope() as session:
        sync_catalog(session, runtime)
    return base, mine


def _client(base: str, db: Database, settings: Settings, scope: str) -> httpx.Client:
    token = issue_token(db, settings, subject=str(uuid.uuid4()), client_id="web", scope=scope)
    return httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"})


def _store_weeks(db: Database) -> dt.date:
    """generative-ai: every indicator up to last week; mlops: one indicator, ten weeks old."""
    last = iso_monday(korean_today()) - dt.timedelta(weeks=1)
    with db.session_scope() as session:
        ids = store.trend_ids(session)
        rows = [
            store.IndicatorRow(ids["generative-ai"], name, last - dt.timedelta(weeks=k), 1.0, "t")
            for name in INDICATORS
            for k in range(3)
        ]
        old = last - dt.timedelta(weeks=10)
        rows.append(store.IndicatorRow(ids["mlops"], INDICATORS[0], old, 1.0, "naver"))
        store.upsert_indicators(session, rows)
    return last


def test_freshness_flags_old_and_missing_indicators(
    own_state: tuple[str, Settings], db: Database, settings: Settings
) -> None:
    base, _ = own_state
    last = _store_weeks(db)
    with _client(base, db, settings, "admin trends:read") as admin:
        body = admin.get(f"{API}/freshness").json()
    assert body["current_week"] == (last + dt.timedelta(weeks=1)).isoformat()
    items = {i["slug"]: i for i in body["items"]}
    fresh = items["generative-ai"]
    assert not fresh["stale"] and len(fresh["indicators"]) == 5
    assert {i["age_weeks"] for i in fresh["indicators"]} == {1}
    assert fresh["indicators"][0]["week"] == last.isoformat()
    old = items["mlops"]
    assert old["stale"] and old["indicators"][0]["age_weeks"] == 11
    assert old["indicators"][0]["source"] == "naver"
    assert old["indicators"][1]["week"] is None and old["indicators"][1]["stale"]
    assert body["stale_trends"] == len(items) - 1
    with _client(base, db, settings, "admin trends:read") as admin:
        lenient = admin.get(f"{API}/freshness", params={"stale_after": 20}).json()
    lenient_items = {i["slug"]: i for i in lenient["items"]}
    assert lenient_items["mlops"]["indicators"][0]["stale"] is False


def test_models_lists_the_registry_and_the_version_forecasts_use(
    own_state: tuple[str, Settings], db: Database, settings: Settings
) -> None:
    base, mine = own_state
    with _client(base, db, settings, "admin trends:read") as admin:
        empty = admin.get(f"{API}/models").json()
    assert empty["models"] == [] and empty["forecasts"] == []
    panel = synthetic_panel(n_series=4, n_weeks=60, noise=0.3)
    trained = train_and_register(
        registry_dir(mine), panel, recipe=tiny_recipe(epochs=3), data_source="database"
    )
    with db.session_scope() as session:
        tid = store.trend_ids(session)["mlops"]
        week = iso_monday(korean_today())
        row = {"trend_id": tid, "horizon_weeks": 4, "point": 1.0, "lo": 0.0, "hi": 2.0}
        save_forecasts(
            session,
            [
                {**row, "week": week, "model_version": trained.version},
                {**row, "week": week - dt.timedelta(weeks=1), "model_version": "older"},
            ],
        )
    with _client(base, db, settings, "admin trends:read") as admin:
        body = admin.get(f"{API}/models").json()
    assert body["gate_metric"] == "val_rel_mse"
    (model,) = body["models"]
    assert model["version"] == trained.version and model["serving"] is True
    assert (model["kind"], model["data_source"]) == ("network", "database")
    assert model["metrics"]["val_rel_mse"] == pytest.approx(trained.record.metrics["val_rel_mse"])
    assert model["passes_gate"] == (trained.record.metrics["val_rel_mse"] < 1.0)
    assert [f["model_version"] for f in body["forecasts"]] == [trained.version, "older"]
    assert body["forecasts"][0]["trends"] == 1


def test_status_views_need_the_admin_scope(
    own_state: tuple[str, Settings], db: Database, settings: Settings
) -> None:
    base, _ = own_state
    with _client(base, db, settings, "trends:read") as user:
        for path in ("/freshness", "/models"):
            resp = user.get(API + path)
            assert resp.status_code == 403, path
