"""Fixtures of the API fuzz suite: a prepared database and credentials per service module.

Each module starts from empty tables, gets the demo trends (with their vectors) where the service
reads them, one signed-in user, one admin, one service token and a few real rows (a profile and
roadmap, a coach session, a feed) whose ids the fuzzer may use in paths. Tables are emptied again
afterwards, so the rest of the test session sees what it expects.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fuzz_harness import KNOWN, Caller, Role

from support import LiveServer, issue_token, new_user, service_token, truncate_all
from trendpath.auth import scopes as sc
from trendpath.auth import store as auth_store
from trendpath.kit.auth import builtin_client_secret
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import SERVICES, Settings

PROFILE: dict[str, Any] = {
    "status": "career_changer",
    "field": "경영학",
    "education": "bachelor",
    "weekly_hours": 8,
    "region": "seoul",
    "interests": ["ai", "data", "software_development"],
    "skills": {"python": 2, "math_statistics": 3, "communication": 4},
    "extras": {"target_role": "데이터 분석가", "languages": ["ko", "en"]},
}
NEEDS_TRENDS = {"users", "news", "trends", "ai"}
NEWS_FIXTURES = Path(__file__).parent.parent / "news" / "fixtures"


CACHED_ROWS = ("kit.auth.", "trends.", "news.", "users.trend_info")
"""Prefixes of what the server caches from table rows: signing keys and tokens, trend data."""


def _reset(database: Database, runtime: Runtime) -> None:
    """Empty every table and forget what the server cached from them."""
    truncate_all(database)
    for key in [k for k in runtime.extras if k.startswith(CACHED_ROWS)]:
        runtime.extras.pop(key, None)


def _credentials(database: Database, settings: Settings) -> tuple[dict[Role, Any], list[str]]:
    user_scope = " ".join(sorted(sc.USER_SCOPES - sc.ADMIN_SCOPES))
    user_id, user = new_user(database, settings, "fuzz-user@example.com", scope=user_scope)
    admin_id, _ = new_user(database, settings, "fuzz-admin@example.com")
    with database.session_scope() as session:
        assert auth_store.set_role(session, "fuzz-admin@example.com", "admin")
    admin = issue_token(
        database,
        settings,
        subject=admin_id,
        client_id="web",
        scope=" ".join(sorted(sc.USER_SCOPES)),
    )
    svc = service_token(database, settings, "users", " ".join(sorted(sc.SERVICE_SCOPES)))
    basic = base64.b64encode(
        f"svc-users:{builtin_client_secret(settings, 'svc-users')}".encode()
    ).decode()
    headers: dict[Role, Any] = {
        "user": {"Authorization": f"Bearer {user}"},
        "admin": {"Authorization": f"Bearer {admin}"},
        "service": {"Authorization": f"Bearer {svc}"},
        "client": {"Authorization": f"Basic {basic}"},
        "none": {},
    }
    return headers, [user_id, admin_id]


def _side_runtime(server: LiveServer, settings: Settings, database: Database) -> Runtime:
    """A runtime reaching the live server's services over real HTTP, for seeding from here.

    Not in-process: an ASGI app driven from a short-lived event loop would leave its request
    sessions open on a loop that is gone by then."""
    urls: dict[str, Any] = {f"{s}_url": f"{server.url}/api/{s}" for s in SERVICES}
    # Embedding 50 trends on a busy 2-core machine can outlast the default service timeout.
    side_settings = settings.model_copy(update={**urls, "service_timeout_s": 120.0})
    return Runtime(settings=side_settings, db=database, clients=ServiceClients(side_settings))


async def _seed_through_services(service: str, side: Runtime, rt: Runtime) -> str | None:
    """Demo trends embedded through the AI service (as ``trendpath run`` does) where the service
    reads them, and for news a feed with analysed articles; returns the feed's id."""
    from trendpath.demo import ensure_demo
    from trendpath.trends.vectors import refresh_trend_vectors

    try:
        if service in NEEDS_TRENDS:
            list(ensure_demo(rt))
            assert await refresh_trend_vectors(side) > 0
        return await _seed_feed(side) if service == "news" else None
    finally:
        await side.clients.aclose()


def _seed(service: str, api: httpx.Client, headers: dict[Role, Any], ids: list[str]) -> None:
    """Real rows of ``service`` whose ids go into :data:`KNOWN`."""
    known: dict[str, list[str]] = {}
    user = headers["user"]
    if service == "auth":
        known["user_id"] = ids
    elif service in ("trends", "news"):
        page = api.get("/api/trends/v1/trends", params={"limit": 3}, headers=user).json()
        known["slug"] = [item["slug"] for item in page["items"]]
    if service == "users":
        known.update(_seed_users(api, user))
    elif service == "ai":
        # One finished talk (so values and a persona exist) and one still open.
        talks = []
        for _ in range(2):
            talk = api.post("/api/ai/v1/sessions", json={"name": "퍼즈"}, headers=user)
            assert talk.status_code == 201, talk.text
            talks.append(talk.json()["session_id"])
        done = api.post(f"/api/ai/v1/sessions/{talks[0]}/finish", headers=user)
        assert done.status_code == 200, done.text
        known["session_id"] = talks
        known["user_id"] = ids[:1]
    KNOWN[service] = known


async def _seed_feed(side: Runtime) -> str:
    """A feed on a host that cannot resolve (``.invalid``, so fetching it fails fast, offline)
    holding the recorded Korean feed of tests/news, analysed and tagged as the worker does.

    Stored directly: the API's SSRF guard (rightly) refuses a host that does not resolve."""
    from trendpath.news import store as news_store
    from trendpath.news import store_articles
    from trendpath.news.dedup import identify
    from trendpath.news.parse import parse_feed
    from trendpath.news.worker import Worker

    with side.db.session_scope() as session:
        row = news_store.add_feed(
            session, "https://fuzz-feed.invalid/rss.xml", added_by="fuzz", title="퍼즈 피드"
        )
        assert row is not None
    parsed = parse_feed((NEWS_FIXTURES / "rss20_ko.xml").read_bytes())
    analyser = await Worker(side).analyser()
    # Off the event loop, as the worker does: the analyser calls the AI service synchronously.
    analysed = await asyncio.to_thread(analyser.analyse, identify(parsed.entries))
    now = dt.datetime.now(dt.UTC)
    with side.db.session_scope() as session:
        assert store_articles.insert_articles(session, row.id, now, analysed) > 0
    return str(row.id)


def _seed_users(api: httpx.Client, user: dict[str, str]) -> dict[str, list[str]]:
    base = "/api/users/v1"
    assert api.put(f"{base}/profile", json=PROFILE, headers=user).status_code == 200
    match = api.get(f"{base}/match", headers=user)
    assert match.status_code == 200, match.text
    slug = match.json()["items"][0]["slug"]
    roadmap = api.post(f"{base}/roadmaps", json={"trend_slug": slug}, headers=user)
    assert roadmap.status_code == 201, roadmap.text
    body = roadmap.json()
    resources = [r["id"] for step in body["steps"] for r in step["resources"]]
    return {
        "roadmap_id": [body["id"]],
        "resource_id": resources[:3],
        "skill": list(PROFILE["skills"]),
    }


@pytest.fixture(scope="module")
def fuzz(
    request: pytest.FixtureRequest,
    live_server: LiveServer,
    database: Database,
    runtime: Runtime,
    settings: Settings,
) -> Iterator[Caller]:
    """A :class:`Caller` for the module's ``SERVICE``, over freshly prepared tables."""
    service: str = request.module.SERVICE
    _reset(database, runtime)
    headers, ids = _credentials(database, settings)
    side = _side_runtime(live_server, settings, database)
    feed_id = asyncio.run(_seed_through_services(service, side, runtime))
    with httpx.Client(base_url=live_server.url, timeout=60) as api:
        _seed(service, api, headers, ids)
    if feed_id is not None:
        KNOWN[service]["feed_id"] = [feed_id]
    try:
        yield Caller(service, live_server.url, headers)
    finally:
        KNOWN.pop(service, None)
        _reset(database, runtime)


def _order(item: pytest.Item) -> int:
    if item.name.endswith("_credentials_fit"):
        return 2
    return 1 if str(getattr(item, "operation_label", "")).startswith("DELETE ") else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Within each fuzz module, fuzz DELETE operations last (so the rows they remove were there
    for every other operation) and check the credentials after everything."""
    here = Path(__file__).parent
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and items[end].path == items[start].path:
            end += 1
        if items[start].path.parent == here:
            items[start:end] = sorted(items[start:end], key=_order)
        start = end
