"""Admin pages: feeds, data freshness, forecast models, A/B report — for admins only, friendly
403 for everyone else, friendly messages when a service fails."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import select

from support import LiveServer, free_port
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.news import models as news_models
from trendpath.news import store as news_store
from trendpath.trends import store as trends_store
from trendpath.trends.demo_data import sync_catalog
from trendpath.trends.forecasting import save_forecasts
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.sources.base import iso_monday
from trendpath.trends.sources.ratelimit import korean_today
from trendpath.users import store as users_store
from trendpath.users.abtest import report
from trendpath.web.admin_views import ab_view, feed_rows, freshness_rows, kst

from .conftest import Visitor

ADMIN_PAGES = ("/admin", "/admin/feeds", "/admin/freshness", "/admin/models", "/admin/abtest")


def _feeds(db: Database) -> tuple[int, int]:
    """One healthy feed and one parked after repeated failures; returns their ids."""
    now = dt.datetime.now(dt.UTC)
    with db.session_scope() as session:
        ok = news_store.add_feed(
            session, "https://news.example/ok.xml", added_by="t", title="정상 피드"
        )
        bad = news_store.add_feed(session, "https://news.example/bad.xml", added_by="t")
        assert ok is not None and bad is not None
        session.execute(
            news_models.feed.update()
            .where(news_models.feed.c.id == ok.id)
            .values(
                last_fetched_at=now, last_success_at=now, last_outcome="updated", last_status=200
            )
        )
        session.execute(
            news_models.feed.update()
            .where(news_models.feed.c.id == bad.id)
            .values(
                parked=True,
                error_count=8,
                last_status=503,
                last_outcome="server_error",
                last_error="server error 503",
                last_fetched_at=now,
            )
        )
        return ok.id, bad.id


def _trend_data(db: Database, runtime: Runtime) -> None:
    """The catalog; generative-ai's indicators up to last week and a forecast by 'web-fixture'."""
    last = iso_monday(korean_today()) - dt.timedelta(weeks=1)
    with db.session_scope() as session:
        sync_catalog(session, runtime)
        ids = trends_store.trend_ids(session)
        trends_store.upsert_indicators(
            session,
            [
                trends_store.IndicatorRow(ids["generative-ai"], n, last, 1.0, "t")
                for n in INDICATORS
            ],
        )
        save_forecasts(
            session,
            [
                {
                    "trend_id": ids["generative-ai"],
                    "week": last,
                    "horizon_weeks": 4,
                    "point": 1.0,
                    "lo": 0.0,
                    "hi": 2.0,
                    "model_version": "web-fixture",
                }
            ],
        )


def _ab_events(db: Database) -> None:
    """Two variants of experiment 'rank-test': four exposed users, one roadmap started."""
    with db.session_scope() as session:
        for variant, users in (("similarity", 2), ("momentum", 2)):
            for i in range(users):
                uid = uuid.uuid4()
                kinds = ["exposure", "viewed"] + (["roadmap_started"] if i == 0 else [])
                for kind in kinds:
                    users_store.record_event(
                        session,
                        {
                            "event_id": uuid.uuid4(),
                            "user_id": uid,
                            "experiment": "rank-test",
                            "variant": variant,
                            "kind": kind,
                            "occurred_at": dt.datetime.now(dt.UTC),
                        },
                    )


def test_admin_pages_show_feeds_freshness_models_and_the_ab_report(
    visitors: Callable[..., Visitor], db: Database, runtime: Runtime
) -> None:
    admin = visitors(admin=True)
    ok_id, parked_id = _feeds(db)
    _trend_data(db, runtime)
    _ab_events(db)
    home = admin.client.get("/admin")
    assert home.status_code == 200 and 'href="/admin"' in home.text and ">관리</a>" in home.text
    feeds = admin.client.get("/admin/feeds")
    assert feeds.status_code == 200
    assert f'data-feed="{parked_id}" data-status="parked"' in feeds.text
    assert f'data-feed="{ok_id}" data-status="ok"' in feeds.text
    assert "수집 중단" in feeds.text and "server error 503" in feeds.text
    assert feeds.text.index(f'data-feed="{parked_id}"') < feeds.text.index(f'data-feed="{ok_id}"')
    parked_only = admin.client.get("/admin/feeds?status=parked")
    assert f'data-feed="{ok_id}"' not in parked_only.text
    fresh = admin.client.get("/admin/freshness")
    assert fresh.status_code == 200
    assert re.search(r'<tr class="fresh" data-slug="generative-ai">', fresh.text)
    assert re.search(r'<tr class="stale" data-slug="mlops">', fresh.text)
    assert "데이터가 오래됐거나 비어 있어요" in fresh.text
    models = admin.client.get("/admin/models")
    assert models.status_code == 200 and 'data-version="web-fixture"' in models.text
    ab = admin.client.get("/admin/abtest?experiment=rank-test")
    assert ab.status_code == 200
    assert 'data-variant="similarity"' in ab.text and 'data-variant="momentum"' in ab.text
    assert "로드맵 시작" in ab.text and "50.0%" in ab.text


def test_an_admin_unparks_a_feed(visitors: Callable[..., Visitor], db: Database) -> None:
    admin = visitors(admin=True)
    _, parked_id = _feeds(db)
    path = f"/admin/feeds/{parked_id}/unpark"
    assert admin.client.post(path, data={}).status_code == 403  # no CSRF token
    done = admin.client.post(path, data={"csrf_token": admin.csrf})
    assert done.status_code == 303 and done.headers["location"].endswith(f"unparked={parked_id}")
    page = admin.client.get(done.headers["location"])
    assert 'id="unparked"' in page.text
    assert f'data-feed="{parked_id}" data-status="parked"' not in page.text
    with db.session_scope() as session:
        feed = session.execute(
            select(news_models.feed).where(news_models.feed.c.id == parked_id)
        ).one()
    assert feed.parked is False and feed.error_count == 0
    missing = admin.client.post("/admin/feeds/999999/unpark", data={"csrf_token": admin.csrf})
    assert missing.status_code == 404 and "피드를 찾을 수 없습니다" in missing.text


def test_non_admins_get_a_friendly_403_and_no_admin_link(
    visitors: Callable[..., Visitor], live_server: LiveServer
) -> None:
    user = visitors()
    for path in ADMIN_PAGES:
        page = user.client.get(path)
        assert page.status_code == 403, path
        assert "관리자 전용 페이지" in page.text and "Traceback" not in page.text
    assert (
        user.client.post("/admin/feeds/1/unpark", data={"csrf_token": user.csrf}).status_code == 403
    )
    assert 'href="/admin"' not in user.client.get("/roadmap").text
    english = user.client.get("/admin/feeds?lang=en")
    assert english.status_code == 403 and "Admins only" in english.text
    with httpx.Client(base_url=live_server.url) as anonymous:
        gate = anonymous.get("/admin/models")
    assert gate.status_code == 303 and gate.headers["location"] == "/auth/login?next=/admin/models"


@pytest.fixture
def broken_server(settings: Settings, database: Database) -> Iterator[LiveServer]:
    """The combined app whose news, trends and users services point at a dead port."""
    from trendpath.combined import create_combined_app

    dead = f"http://127.0.0.1:{free_port()}"
    broken = settings.model_copy(update={"news_url": dead, "trends_url": dead, "users_url": dead})
    runtime = Runtime(settings=broken, db=database, clients=ServiceClients(broken))
    with LiveServer(create_combined_app(broken, runtime)) as server:
        yield server


def test_admin_pages_stay_friendly_when_services_are_down(
    visitors: Callable[..., Visitor], broken_server: LiveServer
) -> None:
    admin = visitors(admin=True, base=broken_server.url)
    for path in ADMIN_PAGES[1:]:
        page = admin.client.get(path)
        assert page.status_code == 503, path
        assert "잠시 후 다시 시도해 주세요" in page.text and "Traceback" not in page.text
        assert 'class="subnav"' in page.text  # the admin menu still works


def test_admin_views_order_what_needs_attention_first() -> None:
    rows = feed_rows(
        [
            {"id": 1, "status": "ok", "last_fetched_at": "2025-03-01T05:00:00+00:00"},
            {"id": 2, "status": "parked", "last_fetched_at": None},
            {"id": 3, "status": "failing"},
        ]
    )
    assert [r["id"] for r in rows] == [2, 3, 1]
    assert rows[2]["last_fetched"] == "2025-03-01 14:00"  # shown in Korean time
    assert kst(None) == "–" and kst("not a time") == "not a time"
    fresh = {"slug": "a", "stale": False, "indicators": [{"age_weeks": 1}]}
    old = {"slug": "b", "stale": True, "indicators": [{"age_weeks": 5}]}
    empty = {"slug": "c", "stale": True, "indicators": [{"age_weeks": None}]}
    assert [r["slug"] for r in freshness_rows([fresh, old, empty])] == ["c", "b", "a"]
    view = ab_view(
        report(
            "exp",
            ["control", "b"],
            {"control": 10, "b": 10},
            {("control", "clicked"): 2, ("b", "clicked"): 5},
        )
    )
    assert [v["variant"] for v in view["variants"]] == ["control", "b"]
    assert view["variants"][1]["cells"][1] == {"users": 5, "rate": "50.0%"}
    clicked = next(c for c in view["comparisons"] if c["outcome"] == "clicked")
    assert clicked["difference_pct"] == "+30.0%p" and clicked["outcome_key"] == "ab.outcome.clicked"
