"""Every service app: health, readiness, docs, the common error shape, request ids, body caps."""

from __future__ import annotations

import asyncio
import itertools
import logging

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field

from trendpath.kit import migrate
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import APPS, SERVICES, Settings

API_SERVICES = [s for s in APPS if s != "web"]


@pytest.mark.parametrize("service", API_SERVICES)
def test_health_readiness_and_docs(http: httpx.Client, service: str) -> None:
    health = http.get(f"/api/{service}/healthz")
    assert health.status_code == 200
    assert health.json()["service"] == service
    ready = http.get(f"/api/{service}/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    details = body.pop("details", {})
    assert body == {"status": "ready", "service": service, "database": "ok", "migrations": "head"}
    # A service's own checks add details (the AI service: values method, encoder, crisis layers).
    assert set(details) == ({"values_method", "encoder", "crisis"} if service == "ai" else set())
    if service == "ai":
        assert details["encoder"] == {
            "setting": "hash",
            "serving": "korean-hash:1-d1024",
            "dim": 1024,
            "fallback": False,
            "reason": None,
        }
    schema = http.get(f"/api/{service}/openapi.json").json()
    assert schema["info"]["title"].lower().startswith("trendpath")
    assert http.get(f"/api/{service}/docs").status_code == 200


def test_dashboard_shell_shows_every_service_healthy(http: httpx.Client) -> None:
    page = http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="ko">' in html
    for service in SERVICES:
        assert f'class="service ok" data-service="{service}"' in html
    assert "모두 정상" in html
    assert http.get("/healthz").json()["service"] == "web"


def test_readiness_fails_when_schema_is_behind(http: httpx.Client, db: Database) -> None:
    migrate.downgrade(db, "base")
    try:
        resp = http.get("/api/trends/readyz")
        assert resp.status_code == 503
        assert resp.json()["error"]["code"] == "unavailable"
        assert "migration" in resp.json()["error"]["message"]
        assert http.get("/api/trends/healthz").status_code == 200
    finally:
        migrate.upgrade(db)


def test_unknown_path_uses_the_common_error_shape(http: httpx.Client) -> None:
    resp = http.get("/api/news/definitely-not-here")
    assert resp.status_code == 404
    assert resp.json() == {"error": {"code": "not_found", "message": "Not Found"}}


def test_request_id_is_kept_or_made(http: httpx.Client) -> None:
    kept = http.get("/api/ai/healthz", headers={"X-Request-ID": "trace-42"})
    assert kept.headers["x-request-id"] == "trace-42"
    made = http.get("/api/ai/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


class _Item(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    level: int = Field(ge=1, le=5)


def _probe_app(settings: Settings, runtime: Runtime) -> httpx.AsyncClient:
    router = APIRouter()

    @router.post("/items")
    async def create(item: _Item) -> _Item:
        return item

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    small = settings.model_copy(update={"max_request_bytes": 2048})
    app = build_app(ServiceSpec(name="probe", title="probe", description=""), small, runtime)
    app.include_router(router)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://probe")


def test_validation_errors_are_precise_422(settings: Settings, runtime: Runtime) -> None:
    async def go() -> httpx.Response:
        async with _probe_app(settings, runtime) as client:
            return await client.post("/items", json={"name": "x", "level": 9})

    resp = asyncio.run(go())
    assert resp.status_code == 422
    body = resp.json()["error"]
    assert body["code"] == "validation_error"
    assert body["details"][0]["field"] == "level"
    assert body["message"].startswith("level:")


def test_oversized_body_is_413_before_parsing(settings: Settings, runtime: Runtime) -> None:
    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with _probe_app(settings, runtime) as client:
            declared = await client.post("/items", content=b"x" * 5000)

            async def stream():  # no content-length: counted while streaming
                for _ in range(10):
                    yield b"y" * 1000

            streamed = await client.post("/items", content=stream())
            return declared, streamed

    declared, streamed = asyncio.run(go())
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "payload_too_large"


def test_unhandled_errors_are_500_without_internals(settings: Settings, runtime: Runtime) -> None:
    async def go() -> httpx.Response:
        async with _probe_app(settings, runtime) as client:
            return await client.get("/boom", headers={"x-request-id": "r-1"})

    resp = asyncio.run(go())
    assert resp.status_code == 500
    assert resp.json() == {
        "error": {"code": "internal_error", "message": "internal error (request id r-1)"}
    }
    assert "secret" not in resp.text


def test_service_client_same_code_in_process_and_over_http(
    settings: Settings, database: Database, live_server: object
) -> None:
    """The in-process ASGI transport and real HTTP give the same answers."""
    from trendpath.trends.app import create_app

    url = f"{live_server.url}/api/trends"  # type: ignore[attr-defined]
    remote = ServiceClients(settings.model_copy(update={"trends_url": url}))
    runtime = Runtime(settings=settings, db=database, clients=ServiceClients(settings))
    local = ServiceClients(settings, {"trends": create_app(settings, runtime)})

    async def ask(clients: ServiceClients) -> tuple[int, dict[str, str]]:
        try:
            resp = await clients.request("trends", "GET", "/readyz")
            return resp.status_code, resp.json()
        finally:
            await clients.aclose()

    assert (
        asyncio.run(ask(remote))
        == asyncio.run(ask(local))
        == (
            200,
            {"status": "ready", "service": "trends", "database": "ok", "migrations": "head"},
        )
    )


def test_service_client_names_the_missing_setting(settings: Settings) -> None:
    from trendpath.kit.errors import ApiError

    clients = ServiceClients(settings)
    with pytest.raises(ApiError) as info:
        clients.client("news")
    assert info.value.status == 503
    assert "TRENDPATH_NEWS_URL" in info.value.message


def test_unreachable_sibling_is_503(settings: Settings) -> None:
    from trendpath.kit.errors import ApiError

    clients = ServiceClients(settings.model_copy(update={"ai_url": "http://127.0.0.1:1"}))

    async def go() -> None:
        try:
            await clients.request("ai", "GET", "/healthz")
        finally:
            await clients.aclose()

    with pytest.raises(ApiError) as info:
        asyncio.run(go())
    assert info.value.status == 503


def test_metrics_count_requests_by_route_template(http: httpx.Client) -> None:
    http.get("/api/trends/healthz")
    http.get("/api/news/no-such-route")
    text = http.get("/api/users/metrics").text
    assert (
        'trendpath_http_requests_total{method="GET",route="/healthz",service="trends",status="200"}'
        in text
    )
    assert 'route="unmatched",service="news",status="404"' in text
    assert "trendpath_http_request_duration_seconds_bucket" in text
    assert 'trendpath_db_pool_connections{state="checked_out"}' in text


def test_a_failing_background_job_is_restarted_with_back_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A lost database is one warning line and a retry; a bug is logged with its traceback."""
    from sqlalchemy.exc import OperationalError

    from trendpath.kit.service import guard_job

    calls: list[float] = []

    async def flaky(runtime: object) -> None:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) <= 2:
            raise OperationalError("SELECT 1", {}, Exception("connection refused\nDETAIL: x"))
        if len(calls) == 3:
            raise ValueError("a bug hit by one bad row")

    with caplog.at_level(logging.WARNING, logger="trendpath.kit.service"):
        asyncio.run(guard_job(flaky, None, min_delay_s=0.05, max_delay_s=1.0))  # type: ignore[arg-type]
    assert len(calls) == 4  # restarted three times, then it returned normally
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2  # the delay doubles
    lost = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    crashed = [r for r in caplog.records if "crashed" in r.getMessage()]
    assert len(lost) == 2 and all(r.exc_info is None for r in lost)
    assert lost[0].reason.startswith("(builtins.Exception) connection refused")  # type: ignore[attr-defined]
    assert "\n" not in lost[0].reason  # type: ignore[attr-defined]
    assert len(crashed) == 1 and crashed[0].exc_info is not None
