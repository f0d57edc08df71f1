"""In Chromium: a trend page built on demo data says so, names each indicator's source, and
updates itself (Server-Sent Events fed by LISTEN/NOTIFY) within 5 s of a CSV import that
changes the trend — no reload."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from support import LiveServer, issue_token, new_user
from trendpath.demo import ensure_demo
from trendpath.kit.db import Database
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

from .conftest import screenshot

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"  # what support.new_user signs up with
SLUG = "generative-ai"
BADGE = "예시 데이터 — 실제 통계가 아닙니다"


def _sign_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/auth/login?next={next_path}")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{base}{next_path}")


def _import_one_row(live: LiveServer, db: Database, settings: Settings) -> None:
    """An operator imports one CSV row that moves the trend's latest score."""
    with db.engine.connect() as conn:
        week = conn.execute(text("SELECT max(week) FROM trends.indicator_value")).scalar_one()
    token = issue_token(
        db, settings, subject=str(uuid.uuid4()), client_id="web", scope="admin trends:read"
    )
    body = f"trend,week,indicator,value\n{SLUG},{week},search_volume_growth,-85\n"
    resp = httpx.post(
        f"{live.url}/api/trends/v1/admin/indicators/import",
        params={"file_name": "live.csv"},
        content=body.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        timeout=60,
    )
    assert resp.status_code == 200 and resp.json()["revised"] == 1, resp.text


def test_a_trend_page_says_demo_and_updates_live_after_an_import(
    page: Any, live_server: LiveServer, db: Database, settings: Settings, runtime: Runtime
) -> None:
    list(ensure_demo(runtime))
    new_user(db, settings, "live-e2e@example.com")
    _sign_in(page, live_server.url, "live-e2e@example.com", f"/trends/{SLUG}")
    assert page.get_by_text(BADGE).first.is_visible()
    sources = page.locator("#sources")
    assert "예시 데이터 (합성, 실제 통계 아님)" in sources.inner_text()
    assert sources.get_by_role("link").count() == 0  # demo data has no public page to link
    assert page.locator("#news-title").count() == 1
    page.wait_for_selector("body[data-live-state=open]", timeout=15_000)
    score = page.locator("#vel-title .badge:not(.demo)")
    before = score.inner_text()
    screenshot(page, "live-01-before")

    started = time.monotonic()
    _import_one_row(live_server, db, settings)
    page.wait_for_function(
        "before => document.querySelector('#vel-title .badge:not(.demo)').innerText !== before",
        arg=before,
        timeout=5_000,
    )
    took = time.monotonic() - started
    assert took < 5.0
    assert page.locator("body[data-live-updated]").count() == 1
    assert "CSV 가져오기 live.csv" in page.locator("#sources").inner_text()
    assert page.get_by_text(BADGE).first.is_visible()  # still mostly demo data
    screenshot(page, "live-02-after")
