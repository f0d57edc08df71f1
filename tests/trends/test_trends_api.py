"""The trend service's HTTP API over the demo data, through a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from support import LiveServer, service_token, truncate_all
from trendpath.demo import ensure_demo
from trendpath.kit.db import Database
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.trends import models as m
from trendpath.trends.catalog import load_catalog
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.velocity import VelocityConfig

API = "/api/trends/v1"


@pytest.fixture(scope="module")
def demo(database: Database, runtime: Runtime) -> Iterator[list[str]]:
    truncate_all(database)
    lines = list(ensure_demo(runtime))
    yield lines
    truncate_all(database)


@pytest.fixture
def http(live_server: LiveServer, database: Database, settings: Settings) -> Iterator[httpx.Client]:
    """A client carrying a service token with ``trends:read``."""
    token = service_token(database, settings, "users", "trends:read")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server.url, timeout=30, headers=headers) as client:
        yield client


def test_every_endpoint_needs_a_token(demo: list[str], live_server: LiveServer) -> None:
    for path in ("/trends", "/trends/generative-ai", "/forecasts/latest"):
        resp = httpx.get(live_server.url + API + path)
        assert resp.status_code == 401, path
        assert resp.json()["error"]["code"] == "unauthorized"


def _count(db: Database, table: object) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_demo_loads_every_catalog_trend_with_history(demo: list[str], database: Database) -> None:
    n = len(load_catalog())
    assert n >= 40
    assert _count(database, m.trend) == n
    assert _count(database, m.indicator_value) == n * 260 * 5
    assert _count(database, m.velocity) > n * 200
    assert "synthetic" in demo[0]


def test_demo_is_loaded_once(demo: list[str], runtime: Runtime, database: Database) -> None:
    before = _count(database, m.indicator_value)
    assert list(ensure_demo(runtime)) == []
    again = list(ensure_demo(runtime, force=True))
    assert "already loaded" in again[0]
    assert _count(database, m.indicator_value) == before


def test_a_catalog_update_gets_demo_history_for_new_trends_only(
    demo: list[str], runtime: Runtime, database: Database
) -> None:
    """A trend added to the catalog after the first run (here: its history removed, as if new)
    gets a synthetic history labelled as demo; every other trend keeps what it had."""
    before = _count(database, m.indicator_value)
    with database.engine.begin() as conn:
        tid = conn.execute(select(m.trend.c.id).where(m.trend.c.slug == "hr-tech")).scalar_one()
        conn.execute(m.indicator_value.delete().where(m.indicator_value.c.trend_id == tid))
        conn.execute(m.velocity.delete().where(m.velocity.c.trend_id == tid))
    lines = list(ensure_demo(runtime))
    assert len(lines) == 1 and "1 trends" in lines[0] and "synthetic" in lines[0]
    assert _count(database, m.indicator_value) == before
    with database.engine.connect() as conn:
        sources = conn.execute(
            select(m.indicator_value.c.source).where(m.indicator_value.c.trend_id == tid).distinct()
        ).scalars()
        assert list(sources) == ["demo-synthetic"]
        velocity = select(func.count()).select_from(m.velocity).where(m.velocity.c.trend_id == tid)
        assert conn.execute(velocity).scalar_one() > 200


def test_list_is_ordered_by_velocity_and_paginated(demo: list[str], http: httpx.Client) -> None:
    page = http.get(f"{API}/trends", params={"limit": 10}).json()
    assert page["total"] >= 40
    scores = [t["velocity"]["score"] for t in page["items"]]
    assert scores == sorted(scores, reverse=True)
    nxt = http.get(f"{API}/trends", params={"limit": 10, "offset": 10}).json()
    assert not {t["slug"] for t in page["items"]} & {t["slug"] for t in nxt["items"]}


def test_filter_by_interest_tag_and_search_in_korean(demo: list[str], http: httpx.Client) -> None:
    ai = http.get(f"{API}/trends", params={"interest": "ai", "limit": 100}).json()
    assert ai["total"] >= 3
    assert all("ai" in t["interest_tags"] for t in ai["items"])
    found = http.get(f"{API}/trends", params={"q": "생성형"}).json()
    assert "generative-ai" in [t["slug"] for t in found["items"]]
    none = http.get(f"{API}/trends", params={"q": "존재하지않는트렌드"}).json()
    assert (none["total"], none["items"]) == (0, [])
    assert none["categories"]  # the filters stay offered when nothing matches


def test_detail_explains_the_score_indicator_by_indicator(
    demo: list[str], http: httpx.Client
) -> None:
    detail = http.get(f"{API}/trends/generative-ai").json()
    assert detail["name_ko"] == "생성형 AI"
    assert len(detail["contributions"]) == 5
    total = VelocityConfig().baseline + sum(c["points"] for c in detail["contributions"])
    assert total == pytest.approx(detail["velocity"]["score"], abs=0.02)
    labels = {c["label_ko"] for c in detail["contributions"]}
    assert "특허 출원 건수" in labels
    assert 0 <= detail["velocity"]["stability"] <= 1


def test_indicator_and_velocity_history(demo: list[str], http: httpx.Client) -> None:
    hist = http.get(f"{API}/trends/ai-semiconductor/indicators").json()
    assert [s["indicator"] for s in hist["series"]] == list(INDICATORS)
    assert all(len(s["points"]) == 260 for s in hist["series"])
    assert hist["series"][0]["points"][0]["source"] == "demo-synthetic"
    weeks = [p["week"] for p in hist["series"][0]["points"]]
    window = http.get(
        f"{API}/trends/ai-semiconductor/velocity", params={"from": weeks[100], "to": weeks[119]}
    ).json()
    assert len(window["points"]) == 20
    assert window["points"][0]["week"] == weeks[100]
    assert window["config_version"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/trends/no-such-trend", 404, "not_found"),
        ("/trends/BAD_SLUG!", 422, "validation_error"),
        ("/trends?limit=0", 422, "validation_error"),
        ("/trends?limit=abc", 422, "validation_error"),
        ("/trends/generative-ai/velocity?from=2025-02-01&to=2024-01-01", 422, "validation_error"),
        ("/trends/generative-ai/indicators?from=not-a-date", 422, "validation_error"),
        # Found by the API fuzzer: U+0000 reached PostgreSQL, which refuses it (a 500).
        ("/trends?q=%EC%83%9D%00", 422, "validation_error"),
        ("/trends?category=ai%00", 422, "validation_error"),
        ("/trends?interest=%00", 422, "validation_error"),
    ],
)
def test_bad_requests_are_precise(
    demo: list[str], http: httpx.Client, path: str, status: int, code: str
) -> None:
    resp = http.get(API + path)
    assert resp.status_code == status
    assert resp.json()["error"]["code"] == code


def test_explorer_search_reaches_interests_skills_and_aliases(
    demo: list[str], http: httpx.Client
) -> None:
    # "마케팅" is no trend's name: it finds the trends tagged with the 마케팅 interest.
    found = http.get(API + "/trends", params={"q": "마케팅", "limit": 50}).json()
    slugs = {i["slug"] for i in found["items"]}
    assert {"ecommerce", "content-creator", "k-beauty", "k-food"} <= slugs
    # Spaces and case do not matter; an alias ("인공지능" ↔ "AI") widens the search.
    assert "generative-ai" in {
        i["slug"] for i in http.get(API + "/trends", params={"q": "생성형ai"}).json()["items"]
    }
    assert http.get(API + "/trends", params={"q": "인공지능"}).json()["total"] >= 3
    # A core skill's Korean label finds the trends that need it.
    by_skill = http.get(API + "/trends", params={"q": "파이썬", "limit": 100}).json()
    assert by_skill["total"] >= 3
    assert http.get(API + "/trends", params={"q": "없는말없는말"}).json()["total"] == 0


def test_explorer_filters_sorts_and_labels(demo: list[str], http: httpx.Client) -> None:
    every = http.get(API + "/trends", params={"limit": 100}).json()["items"]
    assert all(i["status"] in ("surging", "rising", "steady", "falling") for i in every)
    assert every[0]["category_ko"] and every[0]["core_skills"]
    facets = http.get(API + "/trends", params={"q": "배터리"}).json()
    assert sum(c["count"] for c in facets["categories"]) == len(every)  # over all trends
    assert {"slug": "python", "ko": "파이썬", "en": "Python"}.items() <= next(
        s for s in facets["skills"] if s["slug"] == "python"
    ).items()
    for status in ("surging", "rising", "steady", "falling"):
        page = http.get(API + "/trends", params={"status": status, "limit": 100}).json()
        assert page["total"] == sum(1 for i in every if i["status"] == status)
    python = http.get(API + "/trends", params={"skill": "python", "limit": 100}).json()["items"]
    assert python and all("python" in {s["skill"] for s in i["core_skills"]} for i in python)
    names = [
        i["name_ko"]
        for i in http.get(API + "/trends", params={"sort": "name", "limit": 100}).json()["items"]
    ]
    assert names == sorted(names)
    assert http.get(API + "/trends", params={"sort": "nonsense"}).status_code == 422
    detail = http.get(API + "/trends/generative-ai").json()
    assert 1 <= len(detail["related"]) <= 4
    assert "generative-ai" not in {r["slug"] for r in detail["related"]}
