"""The account basics people expect, over HTTP against the combined server: password reset by a
one-time link (outbox mail backend), one-click sign-out, data export, the value profile, and
Korean pages for unknown addresses while the APIs keep their JSON errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from urllib.parse import urljoin

import httpx
import pytest
from sqlalchemy import text

from support import LiveServer
from trendpath.auth.passwords import passwords_for
from trendpath.kit.db import Database
from trendpath.kit.settings import Settings

from .conftest import PASSWORD, Visitor

NEW_PASSWORD = "a brand new passphrase 42"


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:400]
    return found.group(1)


@pytest.fixture
def anonymous(live_server: LiveServer, db: Database) -> Iterator[httpx.Client]:
    """A cookie-keeping client that is not signed in (tables emptied afterwards)."""
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def _ask_reset(client: httpx.Client, email: str) -> httpx.Response:
    form = client.get("/api/auth/forgot")
    assert form.status_code == 200 and "비밀번호 재설정" in form.text
    return client.post("/api/auth/forgot", data={"csrf_token": _csrf(form), "email": email})


def _link_in_outbox(client: httpx.Client, email: str) -> str:
    box = client.get("/api/auth/dev/outbox")
    assert box.status_code == 200
    block = box.text.split(f"받는 사람: {email}", 1)[1]
    found = re.search(r'href="[^"]*(/api/auth/reset\?token=[^"]+)"', block)
    assert found, block[:500]
    return found.group(1).replace("&amp;", "&")  # the path: the test server's port differs


def test_password_reset_by_a_one_time_link(
    visitors: Callable[..., Visitor], anonymous: httpx.Client, db: Database, settings: Settings
) -> None:
    user = visitors()
    asked = _ask_reset(anonymous, user.email)
    unknown = _ask_reset(anonymous, "nobody-here@example.com")
    # The same answer whether the account exists or not.
    assert asked.status_code == unknown.status_code == 200
    sentence = "입력한 주소로 가입된 계정이 있으면 비밀번호 재설정 링크를 보냈어요."
    assert sentence in asked.text and sentence in unknown.text and "30분" in asked.text
    bad = _ask_reset(anonymous, "not an email")
    assert bad.status_code == 400 and 'id="email-error"' in bad.text
    assert 'value="not an email"' in bad.text  # what was typed stays
    link = _link_in_outbox(anonymous, user.email)
    assert "nobody-here@example.com" not in anonymous.get("/api/auth/dev/outbox").text
    page = anonymous.get(link)
    assert page.status_code == 200 and "새 비밀번호 정하기" in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    body = {"csrf_token": _csrf(page), "token": token}
    differ = anonymous.post(
        "/api/auth/reset", data={**body, "password": NEW_PASSWORD, "again": "other"}
    )
    assert differ.status_code == 400 and 'id="again-error"' in differ.text
    weak = anonymous.post("/api/auth/reset", data={**body, "password": "short", "again": "short"})
    assert weak.status_code == 400 and "10자 이상" in weak.text
    done = anonymous.post(
        "/api/auth/reset", data={**body, "password": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    assert done.status_code == 200 and "비밀번호를 바꿨어요" in done.text
    with db.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT password_hash FROM auth.account WHERE email = :e"), {"e": user.email}
        ).scalar_one()
    assert passwords_for(settings).verify(stored, NEW_PASSWORD)
    again = anonymous.post(
        "/api/auth/reset", data={**body, "password": PASSWORD + "x", "again": PASSWORD + "x"}
    )
    assert again.status_code == 400 and "이미 사용됐어요" in again.text  # single use
    assert anonymous.get(link).status_code == 400


def test_reset_links_expire(
    visitors: Callable[..., Visitor], anonymous: httpx.Client, db: Database
) -> None:
    user = visitors()
    token = "expired-token-for-the-test"
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO auth.password_reset (token_hash, account_id, expires_at) "
                "VALUES (:h, :a, :e)"
            ),
            {"h": hashlib.sha256(token.encode()).hexdigest(), "a": user.user_id, "e": past},
        )
    page = anonymous.get(f"/api/auth/reset?token={token}")
    assert page.status_code == 400 and "링크가 만료됐거나" in page.text


def test_sign_out_is_one_click(visitors: Callable[..., Visitor], db: Database) -> None:
    user = visitors()
    client = user.client
    login = client.get("/api/auth/login")
    signed = client.post(
        "/api/auth/login",
        data={"csrf_token": _csrf(login), "email": user.email, "password": PASSWORD},
    )
    assert signed.status_code == 303  # the auth server's own session exists now
    forged = client.get(
        "/api/auth/logout", params={"client_id": "trendpath-web", "logout_hint": "9999999999.x"}
    )
    assert forged.status_code == 200 and "로그아웃할까요?" in forged.text  # asks, as before
    out = client.post("/auth/logout", data={"csrf_token": user.csrf})
    assert out.status_code == 303 and "logout_hint=" in out.headers["location"]
    end = client.get(urljoin(str(out.url), out.headers["location"]))
    # Straight back to the dashboard, no second confirmation page.
    assert end.status_code == 303 and end.headers["location"].endswith("/")
    assert client.get("/api/auth/").headers["location"].endswith("/login")  # signed out there


def test_export_holds_the_persons_data(visitors: Callable[..., Visitor]) -> None:
    user = visitors()
    page = user.client.get("/account")
    assert 'href="/account/export"' in page.text and "내 데이터 내려받기" in page.text
    export = user.client.get("/account/export")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/json")
    assert "attachment" in export.headers["content-disposition"]
    body = export.json()
    assert body["account"]["email"] == user.email
    assert body["profile"] is None and body["coach_sessions"] == []  # nothing yet: said so


def test_value_profile_shows_scores_with_the_persons_words(
    visitors: Callable[..., Visitor],
) -> None:
    user = visitors()
    empty = user.client.get("/values")
    assert empty.status_code == 200 and "아직 가치관 분석 결과가 없어요" in empty.text
    client, csrf = user.client, user.csrf
    assert client.post("/coach/start", data={"csrf_token": csrf}).status_code == 303
    talk = client.get("/coach").text
    sid = re.search(r'name="session_id" value="([^"]+)"', talk).group(1)  # type: ignore[union-attr]
    words = "안정적인 회사에서 오래 일하면서 일과 삶의 균형을 지키고 싶어요."
    sent = client.post("/coach/send", data={"csrf_token": csrf, "session_id": sid, "text": words})
    assert sent.status_code == 303
    finished = client.post("/coach/finish", data={"csrf_token": csrf, "session_id": sid})
    assert finished.status_code == 303
    page = client.get("/values")
    assert page.status_code == 200
    assert page.text.count('<tr data-axis="') == 9  # every value, the unknown ones as such
    assert 0 < page.text.count("아직 몰라요") < 9
    assert words in page.text  # the person's own words as evidence
    assert "work24.go.kr" in page.text and "직업가치관검사" in page.text
    assert re.search(r"<strong>\d{1,3}점</strong>", page.text)  # 0–100, not raw decimals


def test_unknown_addresses_get_korean_pages_and_apis_keep_json(anonymous: httpx.Client) -> None:
    missing = anonymous.get("/no-such-page")
    assert missing.status_code == 404
    assert "페이지를 찾을 수 없어요" in missing.text and "<nav" in missing.text
    wrong_method = anonymous.post("/trends")
    assert wrong_method.status_code == 405 and "<html" in wrong_method.text
    api = anonymous.get("/api/users/v1/no-such-thing")
    assert api.status_code in (401, 404) and "error" in api.json()
    for path in ("/privacy", "/about/velocity"):
        page = anonymous.get(path)
        assert page.status_code == 200, path
    assert "개인정보 처리방침" in anonymous.get("/privacy").text
    assert "80% 예측 구간" in anonymous.get("/about/velocity").text


def test_a_coach_answer_over_the_limit_is_refused_with_the_limit(
    visitors: Callable[..., Visitor],
) -> None:
    user = visitors()
    client, csrf = user.client, user.csrf
    assert client.post("/coach/start", data={"csrf_token": csrf}).status_code == 303
    talk = client.get("/coach").text
    sid = re.search(r'name="session_id" value="([^"]+)"', talk).group(1)  # type: ignore[union-attr]
    long = "가" * 5000
    posted = client.post("/coach/send", data={"csrf_token": csrf, "session_id": sid, "text": long})
    assert posted.status_code == 422
    assert "4,000자까지" in posted.text and "5,000자" in posted.text
    streamed = client.post(
        "/coach/stream", data={"csrf_token": csrf, "session_id": sid, "text": long}
    )
    assert streamed.status_code == 422 and "4,000자까지" in streamed.text
    assert client.get("/coach").text.count('<li class="msg ') == 1  # nothing was sent
