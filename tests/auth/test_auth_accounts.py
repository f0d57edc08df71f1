"""Accounts and the browser side of the authorization server: consent, CSRF, sign-out,
sign-up pages, password change, deletion and the account-event contract."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from trendpath.kit.auth import fetch_account_events, service_tokens
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

from .conftest import LOOPBACK_CB, PASSWORD, Browser, Flow, Served, csrf_of, pkce


def _auth_url(flow: Flow, client_id: str = "third-app", **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": LOOPBACK_CB,
        "scope": "openid profile",
        "state": "xyz",
        "code_challenge": pkce()[1],
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{flow.server.issuer}/authorize?{urlencode(params)}"


def test_third_party_client_needs_consent_with_csrf(flow: Flow, visitor: Browser) -> None:
    flow.signup("consent@example.com", name="동의")
    flow.login(visitor, "consent@example.com")
    page = visitor.get(_auth_url(flow))
    assert (
        page.status_code == 200
        and "권한 요청" in page.text
        and "이름과 언어 설정 보기" in page.text
    )
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    form = dict(
        (name, value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)
    )
    forged = {k: v for k, v in form.items() if k != "csrf_token"} | {"decision": "allow"}
    assert visitor.post(f"{flow.server.issuer}/authorize", data=forged).status_code == 403
    denied = visitor.post(f"{flow.server.issuer}/authorize", data=form | {"decision": "deny"})
    assert "error=access_denied" in denied.headers["location"]
    allowed = visitor.post(f"{flow.server.issuer}/authorize", data=form | {"decision": "allow"})
    assert allowed.status_code == 303 and "code=" in allowed.headers["location"]
    # Consent is remembered for the same scopes.
    again = visitor.get(_auth_url(flow))
    assert again.status_code == 303 and "code=" in again.headers["location"]


def test_prompt_none_without_session_returns_login_required(flow: Flow, visitor: Browser) -> None:
    resp = visitor.get(_auth_url(flow, "test-app", prompt="none"))
    query = parse_qs(urlsplit(resp.headers["location"]).query)
    assert query["error"] == ["login_required"] and query["state"] == ["xyz"]


def test_login_and_signup_forms_need_csrf_tokens(
    flow: Flow, visitor: Browser, browsers: Callable[[], Browser]
) -> None:
    flow.signup("csrf@example.com")
    visitor.get(f"{flow.server.issuer}/login")  # gets the CSRF cookie
    no_token = visitor.post(
        f"{flow.server.issuer}/login", data={"email": "csrf@example.com", "password": PASSWORD}
    )
    assert no_token.status_code == 403
    fresh = browsers()
    page = visitor.get(f"{flow.server.issuer}/login")
    stolen = fresh.post(
        f"{flow.server.issuer}/login",
        data={
            "email": "csrf@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert stolen.status_code == 403  # a token only works with its own browser's cookie
    assert (
        visitor.post(f"{flow.server.issuer}/signup", data={"email": "x@example.com"}).status_code
        == 403
    )


def test_signup_page_signs_in_and_resumes_the_authorization(flow: Flow, visitor: Browser) -> None:
    start = visitor.get(_auth_url(flow, "test-app"))
    login_url = start.headers["location"]
    assert "/login?next=" in login_url
    next_value = parse_qs(urlsplit(login_url).query)["next"][0]
    page = visitor.get(f"{flow.server.issuer}/signup?next={next_value}")
    assert "회원가입" in page.text
    resp = visitor.post(
        f"{flow.server.issuer}/signup",
        data={
            "email": "new@example.com",
            "display_name": "새 사용자",
            "password": PASSWORD,
            "locale": "ko",
            "privacy_consent": "yes",
            "next": next_value,
            "csrf_token": csrf_of(page.text),
        },
    )
    landed = visitor.follow(resp, "http://127.0.0.1/cb")
    assert isinstance(landed, str) and "code=" in landed
    cookie = resp.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "Path=/api/auth" in cookie and "secure" not in cookie.lower()  # loopback HTTP


def test_open_redirects_are_refused(flow: Flow, visitor: Browser) -> None:
    flow.signup("redir@example.com")
    page = visitor.get(f"{flow.server.issuer}/login?next=https://evil.example/")
    assert 'value="https://evil.example/"' not in page.text
    resp = visitor.post(
        f"{flow.server.issuer}/login",
        data={
            "email": "redir@example.com",
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert resp.headers["location"] == "/api/auth/"


def test_logout_needs_confirmation_and_registered_target(flow: Flow, visitor: Browser) -> None:
    flow.signup("bye@example.com")
    flow.login(visitor, "bye@example.com")
    issuer = flow.server.issuer
    bad = visitor.get(
        f"{issuer}/logout?client_id=test-app&post_logout_redirect_uri=https://evil.example/"
    )
    assert bad.status_code == 400
    query = "client_id=test-app&post_logout_redirect_uri=https://app.example/bye&state=s1"
    confirm = visitor.get(f"{issuer}/logout?{query}")
    assert confirm.status_code == 200 and "로그아웃할까요" in confirm.text
    assert visitor.get(_auth_url(flow, "test-app")).status_code == 303  # still signed in
    form = {
        "client_id": "test-app",
        "post_logout_redirect_uri": "https://app.example/bye",
        "state": "s1",
        "csrf_token": csrf_of(confirm.text),
    }
    done = visitor.post(f"{issuer}/logout", data=form)
    assert done.headers["location"] == "https://app.example/bye?state=s1"
    assert "/login?next=" in visitor.get(_auth_url(flow, "test-app")).headers["location"]


def test_profile_update_and_password_change_revoke_other_grants(
    flow: Flow, visitor: Browser, api: httpx.Client, browsers: Callable[[], Browser]
) -> None:
    flow.signup("pw@example.com")
    mine = flow.code_tokens(visitor, "pw@example.com")
    other = flow.code_tokens(browsers(), "pw@example.com")
    bearer = {"Authorization": f"Bearer {mine['access_token']}"}
    patched = api.patch(
        "/me", json={"display_name": "  바뀐   이름 ", "locale": "en"}, headers=bearer
    )
    assert patched.status_code == 200
    assert (patched.json()["display_name"], patched.json()["locale"]) == ("바뀐 이름", "en")
    wrong = api.post(
        "/me/password",
        json={"current_password": "nope-nope-nope", "new_password": "x" * 12},
        headers=bearer,
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_password"
    changed = api.post(
        "/me/password",
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        headers=bearer,
    )
    assert changed.status_code == 204
    assert api.get("/me", headers=bearer).status_code == 200  # this grant survives
    stale = flow.token(grant_type="refresh_token", refresh_token=other["refresh_token"])
    assert stale.status_code == 400  # every other grant is revoked
    assert flow.login(browsers(), "pw@example.com", "a brand new passphrase").status_code == 303


def _service_runtime(server: Served, database: Database) -> Runtime:
    settings = server.settings.model_copy(update={"auth_url": server.issuer})
    return Runtime(settings=settings, db=database, clients=ServiceClients(settings))


def test_account_deletion_is_announced_to_other_services(
    flow: Flow, visitor: Browser, api: httpx.Client, database: Database
) -> None:
    gone = flow.signup("gone@example.com")
    tokens = flow.code_tokens(visitor, "gone@example.com")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert api.get("/events", headers=bearer).status_code == 403  # not for users
    refused = api.request("DELETE", "/me", json={"password": "wrong-password-1"}, headers=bearer)
    assert refused.status_code == 403
    assert (
        api.request("DELETE", "/me", json={"password": PASSWORD}, headers=bearer).status_code == 204
    )
    assert api.get("/me", headers=bearer).status_code == 401
    assert (
        flow.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]).status_code
        == 400
    )
    runtime = _service_runtime(flow.server, database)

    async def read() -> tuple[list[str], int, str, str]:
        try:
            events = await fetch_account_events(runtime, "users", after=0)
            later = await fetch_account_events(runtime, "users", after=events[-1].id)
            cache = service_tokens(runtime, "users")
            first = await cache.token(["events:read"])
            second = await cache.token(["events:read"])
            return [str(e.user_id) for e in events], len(later), first, second
        finally:
            await runtime.clients.aclose()

    ids, after, first, second = asyncio.run(read())
    assert ids == [gone["id"]] and after == 0
    assert first == second  # the client-credentials token is cached until near expiry


def test_served_alone_behind_a_prefix_stripping_proxy(
    auth_settings: Settings, database: Database
) -> None:
    """`trendpath serve auth` behind an ingress that maps /api/auth → / keeps the public paths."""
    from trendpath.auth.app import create_app

    settings = auth_settings.model_copy(
        update={"auth_issuer": "https://trendpath.example/api/auth", "auth_cookie_secure": True}
    )
    runtime = Runtime(settings=settings, db=database, clients=ServiceClients(settings))
    app = create_app(settings, runtime)

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://auth:8000") as c:
            return await c.get("/login")

    page = asyncio.run(go())
    assert 'action="/api/auth/login"' in page.text
    cookie = page.headers["set-cookie"]
    assert "Path=/api/auth" in cookie and "Secure" in cookie
