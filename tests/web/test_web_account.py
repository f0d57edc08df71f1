"""Settings: profile link, account deletion confirmed by password (wrong password deletes nothing),
and the landing page's 시작하기 leading to sign-up and on into onboarding."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from sqlalchemy import select, text

from support import LiveServer
from trendpath.auth import models as auth_models
from trendpath.kit.auth import PRIVACY_NOTICE_VERSION
from trendpath.kit.db import Database
from trendpath.web import session as websession

from .conftest import PASSWORD, Visitor


def _account_exists(db: Database, email: str) -> bool:
    with db.session_scope() as session:
        found = session.execute(
            select(auth_models.account.c.id).where(auth_models.account.c.email == email)
        ).first()
    return found is not None


def test_settings_link_the_profile_and_offer_deletion(visitors: Callable[..., Visitor]) -> None:
    user = visitors()
    page = user.client.get("/account")
    assert page.status_code == 200
    assert "<h1>설정</h1>" in page.text and user.email in page.text
    assert 'href="/onboarding" id="edit-profile"' in page.text
    assert (
        'action="/account/delete"' in page.text and 'name="password" type="password"' in page.text
    )


def test_wrong_password_deletes_nothing(visitors: Callable[..., Visitor], db: Database) -> None:
    user = visitors()
    assert user.client.post("/account/delete", data={"password": PASSWORD}).status_code == 403
    wrong = user.client.post(
        "/account/delete", data={"password": "not the password", "csrf_token": user.csrf}
    )
    assert wrong.status_code == 403
    assert "비밀번호가 맞지 않아요. 계정은 삭제되지 않았어요." in wrong.text
    assert 'id="delete-error"' in wrong.text and "Traceback" not in wrong.text
    assert _account_exists(db, user.email)
    assert user.client.get("/account").status_code == 200  # still signed in


def test_deletion_with_the_password_signs_out_and_says_goodbye(
    visitors: Callable[..., Visitor], db: Database
) -> None:
    user = visitors()
    user.client.put(
        "/api/users/v1/profile",
        headers={"Authorization": f"Bearer {user.token}"},
        json={
            "status": "student",
            "field": "경영학",
            "education": "bachelor",
            "weekly_hours": 5,
            "region": "seoul",
            "interests": ["ai"],
            "skills": {"python": 2},
        },
    )
    gone = user.client.post("/account/delete", data={"password": PASSWORD, "csrf_token": user.csrf})
    assert gone.status_code == 200, gone.text
    assert "계정을 삭제했어요" in gone.text
    assert 'href="/auth/login"' in gone.text  # the navigation is the signed-out one
    assert f"{websession.SESSION_COOKIE}=" in gone.headers["set-cookie"]
    assert websession.SESSION_COOKIE not in user.client.cookies
    assert not _account_exists(db, user.email)
    after = user.client.get("/account")
    assert after.status_code == 303 and after.headers["location"].startswith("/auth/login")


def test_saving_english_as_the_account_language_switches_the_pages(
    visitors: Callable[..., Visitor],
) -> None:
    user = visitors()
    saved = user.client.post(
        "/account", data={"display_name": "하늘", "locale": "en", "csrf_token": user.csrf}
    )
    assert saved.status_code == 303 and user.client.cookies.get("tp_lang") == "en"
    page = user.client.get("/account?saved=1")
    assert "<h1>Settings</h1>" in page.text and "Delete account" in page.text


def _follow(client: httpx.Client, resp: httpx.Response, limit: int = 8) -> httpx.Response:
    for _ in range(limit):
        if resp.status_code not in (302, 303):
            return resp
        resp = client.get(urljoin(str(resp.url), resp.headers["location"]))
    raise AssertionError("too many redirects")


def test_start_goes_to_sign_up_then_onboarding(live_server: LiveServer, db: Database) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        home = client.get("/")
        assert 'id="start" href="/auth/signup?next=/onboarding"' in home.text
        start = client.get("/auth/signup?next=/onboarding")
        assert start.status_code == 302
        target = urlsplit(start.headers["location"])
        assert target.path == "/api/auth/signup"
        assert parse_qs(target.query)["next"][0].startswith("/api/auth/authorize?")
        form = _follow(client, start)
        assert form.status_code == 200 and "회원가입" in form.text
        assert 'href="' in form.text and "/privacy" in form.text  # the notice is linked
        fields = dict(re.findall(r'name="(csrf_token|next)" value="([^"]*)"', form.text))
        data = {
            "csrf_token": fields["csrf_token"],
            "next": fields["next"].replace("&amp;", "&"),
            "email": "newcomer@example.com",
            "display_name": "새내기",
            "password": PASSWORD,
            "locale": "ko",
        }
        # Without the privacy consent: refused next to the box, everything typed kept.
        refused = client.post("/api/auth/signup", data=data)
        assert refused.status_code == 400
        assert 'id="privacy_consent-error"' in refused.text and "개인정보 처리방침" in refused.text
        assert 'value="newcomer@example.com"' in refused.text and 'value="새내기"' in refused.text
        posted = client.post("/api/auth/signup", data={**data, "privacy_consent": "yes"})
        landed = _follow(client, posted)
        assert landed.status_code == 200 and str(landed.url).endswith("/onboarding")
        assert "나를 알려 주세요" in landed.text
    with db.engine.connect() as conn:
        extras = conn.execute(
            text("SELECT extras FROM auth.account WHERE email = 'newcomer@example.com'")
        ).scalar_one()
    assert extras["consent"]["privacy_notice"] == PRIVACY_NOTICE_VERSION
