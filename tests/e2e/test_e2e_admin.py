"""In Chromium: an admin (role granted as `trendpath admin` does) signs in and sees the feed page;
a user deletes their account from the settings page (a wrong password first deletes nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from support import LiveServer, new_user
from trendpath.kit.db import Database
from trendpath.kit.settings import Settings

from .conftest import screenshot

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"  # what support.new_user signs up with


def _parked_feed(db: Database) -> None:
    from trendpath.news import models as m
    from trendpath.news import store

    with db.session_scope() as session:
        feed = store.add_feed(session, "https://news.example/broken.xml", added_by="e2e")
        assert feed is not None
        session.execute(
            m.feed.update()
            .where(m.feed.c.id == feed.id)
            .values(
                parked=True,
                error_count=8,
                last_status=503,
                last_outcome="server_error",
                last_error="server error 503",
                last_fetched_at=dt.datetime.now(dt.UTC),
            )
        )


def _sign_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/auth/login?next={next_path}")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{base}{next_path}")


def test_an_admin_sees_the_feed_page(
    page: Any, live_server: LiveServer, db: Database, settings: Settings
) -> None:
    from trendpath.auth.store import set_role

    new_user(db, settings, "admin-e2e@example.com")
    with db.session_scope() as session:
        assert set_role(session, "admin-e2e@example.com", "admin")  # what `trendpath admin` does
    _parked_feed(db)
    _sign_in(page, live_server.url, "admin-e2e@example.com", "/admin/feeds")
    assert page.get_by_role("heading", level=1).inner_text() == "뉴스 피드"
    assert page.get_by_role("link", name="관리", exact=True).count() == 1
    row = page.locator('tr[data-status="parked"]')
    assert row.count() == 1 and "수집 중단" in row.inner_text()
    assert "server error 503" in row.inner_text()
    screenshot(page, "admin-01-feeds")
    row.get_by_role("button", name="다시 수집").click()
    page.wait_for_url("**/admin/feeds?unparked=*")
    assert page.locator("#unparked").count() == 1
    assert page.locator('tr[data-status="parked"]').count() == 0


def test_a_user_deletes_the_account_from_settings(
    page: Any, live_server: LiveServer, db: Database, settings: Settings
) -> None:
    new_user(db, settings, "leaving@example.com")
    _sign_in(page, live_server.url, "leaving@example.com", "/account")
    assert page.get_by_role("link", name="관리", exact=True).count() == 0  # not an admin
    assert page.get_by_role("link", name="프로필 수정").get_attribute("href") == "/onboarding"
    page.get_by_label("비밀번호 확인").fill("not my password")
    page.get_by_role("button", name="계정 삭제").click()
    assert "계정은 삭제되지 않았어요" in page.locator("#delete-error").inner_text()
    page.get_by_label("비밀번호 확인").fill(PASSWORD)
    page.get_by_role("button", name="계정 삭제").click()
    page.wait_for_selector("#goodbye")
    assert page.get_by_role("heading", level=1).inner_text() == "계정을 삭제했어요"
    screenshot(page, "settings-02-deleted")
    page.goto(live_server.url + "/account")
    assert "/auth/login" in page.url  # signed out: sent to sign in again
