"""Trend vectors from the AI service, nearest-trend search, and served forecasts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from support import LiveServer, service_token, truncate_all
from trendpath.demo import ensure_demo
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.trends import forecasting
from trendpath.trends.forecast import latest_good, load_model, predict_all
from trendpath.trends.forecast.recipe import SERVED
from trendpath.trends.vectors import refresh_trend_vectors

API = "/api/trends/v1"


@pytest.fixture(scope="module")
def ready(
    database: Database, runtime: Runtime, settings: Settings, live_server: LiveServer
) -> Iterator[Runtime]:
    """Demo data, trend vectors embedded by the AI service, and stored forecasts."""
    truncate_all(database)
    list(ensure_demo(runtime))
    # Fresh clients on this thread's loop, talking to the live server's in-process apps.
    local = Runtime(settings, database, ServiceClients(settings, dict(runtime.clients.apps)))

    async def embed() -> int:
        try:
            return await refresh_trend_vectors(local)
        finally:
            await local.clients.aclose()

    assert asyncio.run(embed()) >= 40
    # The served recipe through the service's code path; 3 epochs keep the fixture quick.
    assert forecasting.refresh(database, settings, recipe=SERVED.with_(train_epochs=3)) is not None
    yield local
    truncate_all(database)


@pytest.fixture
def http(live_server: LiveServer, database: Database, settings: Settings) -> Iterator[httpx.Client]:
    token = service_token(database, settings, "users", "trends:read ai:embed")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server.url, timeout=60, headers=headers) as client:
        yield client


def _profile_vector(http: httpx.Client, interests: list[str], skills: dict[str, int]) -> dict:
    resp = http.post("/api/ai/v1/embed/profile", json={"interests": interests, "skills": skills})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_refresh_is_idempotent(ready: Runtime) -> None:
    async def again() -> int:
        try:
            return await refresh_trend_vectors(ready)
        finally:
            await ready.clients.aclose()

    assert asyncio.run(again()) == 0


def test_nearest_trends_fit_the_profile_and_explain_themselves(
    ready: Runtime, http: httpx.Client
) -> None:
    ai_person = _profile_vector(http, ["ai", "data"], {"python": 5, "machine_learning": 4})
    body = {"vector": ai_person["vector"], "k": 5, "version": ai_person["version"]}
    resp = http.post(f"{API}/nearest", json=body)
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert len(items) == 5
    sims = [i["similarity"] for i in items]
    assert sims == sorted(sims, reverse=True)
    assert {"generative-ai", "mlops"} & {i["slug"] for i in items[:3]}
    for item in items:
        assert sum(item["blocks"].values()) == pytest.approx(item["similarity"], abs=1e-4)
        assert item["velocity"]["score"] >= 0
        fc = item["forecast"]
        assert fc["lo"] <= fc["point"] <= fc["hi"] and fc["horizon_weeks"] == 4
    carer = _profile_vector(http, ["healthcare", "welfare"], {"care_counseling": 5})
    other = http.post(f"{API}/nearest", json={"vector": carer["vector"], "k": 3}).json()
    assert other["items"][0]["slug"] != items[0]["slug"]


@pytest.mark.parametrize(
    ("vector", "status"),
    [([0.1] * 100, 422), ([0.0] * 1536, 422), ([float("nan")] + [0.1] * 1535, 422)],
)
def test_bad_vectors_are_refused(
    ready: Runtime, http: httpx.Client, vector: list[float], status: int
) -> None:
    assert http.post(f"{API}/nearest", json={}).status_code == 422
    body = '{"vector": [' + ",".join("NaN" if np.isnan(x) else repr(x) for x in vector) + "]}"
    resp = http.post(f"{API}/nearest", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == status


def test_a_vector_of_another_space_version_is_a_conflict(
    ready: Runtime, http: httpx.Client
) -> None:
    body = {"vector": [0.1] * 1536, "version": "persona-v0/other"}
    resp = http.post(f"{API}/nearest", json=body)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "conflict"


def test_served_forecasts_equal_the_library_prediction(
    ready: Runtime, http: httpx.Client, database: Database, settings: Settings
) -> None:
    served = http.get(f"{API}/forecasts/latest").json()["items"]
    assert len(served) >= 40
    record = latest_good(forecasting.registry_dir(settings), data_source="demo")
    assert record is not None and record.model_kind == SERVED.kind
    with database.session_scope() as session:
        panel, _ = forecasting.db_panel(session)
    direct = predict_all(load_model(record), panel).as_dict()
    for item in served:
        assert item["model_version"] == record.version
        assert item["point"] == pytest.approx(direct[item["slug"]]["point"], abs=1e-3)
        assert item["lo"] <= item["point"] <= item["hi"]
        assert (item["model"], item["kind"], item["reason"]) == (SERVED.kind, "network", None)
        assert item["validation_rel_mse"] == pytest.approx(record.validation_rel_mse, abs=1e-4)
    detail = http.get(f"{API}/trends/generative-ai").json()
    assert detail["forecast"]["model_version"] == record.version
    assert detail["forecast"]["kind"] == "network"


def test_forecast_refresh_reuses_the_registered_model(
    ready: Runtime, database: Database, settings: Settings
) -> None:
    before = latest_good(forecasting.registry_dir(settings), data_source="demo")
    run = forecasting.refresh(database, settings)
    assert run is not None and before is not None
    assert run.model_version == before.version
    assert not forecasting.is_stale(database)


def test_funding_connector_reads_news_signals_with_a_service_token(
    ready: Runtime,
) -> None:
    from trendpath.trends.collect import collect

    async def run() -> object:
        try:
            return await collect(ready, names=["news-deals"])
        finally:
            await ready.clients.aclose()

    report = asyncio.run(run())
    (source,) = report.sources  # type: ignore[attr-defined]
    assert source.source == "news-deals"
    assert source.status == "ok", source.detail
