"""The dashboard signs in through the auth server (code + PKCE), keeps a sealed cookie session,
refreshes it, protects its forms against CSRF and signs out at both ends."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from trendpath.kit.auth import cookie_secure
from trendpath.kit.settings import Settings
from trendpath.web import session as websession

from .conftest import PASSWORD, Browser, Flow, csrf_of, next_of


def _sign_in(flow: Flow, visitor: Browser, email: str) -> httpx.Response:
    base = flow.server.url
    start = visitor.get(f"{base}/auth/login?next=/account")
    assert start.headers["location"].startswith(f"{flow.server.issuer}/authorize?")
    assert "code_challenge_method=S256" in start.headers["location"]
    page = visitor.follow(start, "never")
    assert isinstance(page, httpx.Response) and "로그인" in page.text
    posted = visitor.post(
        f"{flow.server.issuer}/login",
        data={
            "email": email,
            "password": PASSWORD,
            "next": next_of(page.text),
            "csrf_token": csrf_of(page.text),
        },
    )
    landed = visitor.follow(posted, "never")
    assert isinstance(landed, httpx.Response) and landed.status_code == 200, landed.text
    return landed


def test_dashboard_sign_in_with_code_and_pkce(flow: Flow, visitor: Browser) -> None:
    flow.signup("dash@example.com", name="대시")
    account = _sign_in(flow, visitor, "dash@example.com")
    assert account.status_code == 200 and str(account.url).endswith("/account")
    assert "대시" in account.text and "dash@example.com" in account.text
    jar = visitor.client(flow.server.url).cookies
    sealed = jar.get("tp_session")
    assert sealed and "eyJ" not in sealed  # the tokens inside are encrypted, not readable JWTs


def test_session_cookie_flags(flow: Flow, visitor: Browser, settings: Settings) -> None:
    flow.signup("flags@example.com")
    base = flow.server.url
    start = visitor.get(f"{base}/auth/login")
    login_cookie = start.headers["set-cookie"].lower()
    assert "httponly" in login_cookie and "samesite=lax" in login_cookie
    _sign_in(flow, visitor, "flags@example.com")
    # Secure everywhere except loopback HTTP; an explicit setting wins.
    assert not cookie_secure(settings, "http://127.0.0.1:8000")
    assert cookie_secure(settings, "https://trendpath.example")
    assert cookie_secure(settings, "http://trendpath.example")
    assert cookie_secure(
        settings.model_copy(update={"auth_cookie_secure": True}), "http://127.0.0.1"
    )


def _account_form(visitor: Browser, base: str) -> str:
    page = visitor.get(f"{base}/account")
    assert page.status_code == 200
    return csrf_of(page.text)


def test_dashboard_forms_are_protected_against_csrf(flow: Flow, visitor: Browser) -> None:
    flow.signup("form@example.com", name="처음")
    _sign_in(flow, visitor, "form@example.com")
    base = flow.server.url
    token = _account_form(visitor, base)
    body = {"display_name": "바꿈", "locale": "ko"}
    assert visitor.post(f"{base}/account", data=body).status_code == 403
    assert visitor.post(f"{base}/account", data=body | {"csrf_token": "forged"}).status_code == 403
    cross = visitor.post(
        f"{base}/account",
        data=body | {"csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert visitor.post(f"{base}/auth/logout", data={}).status_code == 403
    assert "처음" in visitor.get(f"{base}/account").text  # nothing changed
    same = visitor.post(
        f"{base}/account", data=body | {"csrf_token": token}, headers={"Origin": base}
    )
    assert same.status_code == 303
    assert "바꿈" in visitor.get(f"{base}/account").text


def test_expired_access_token_is_refreshed(flow: Flow, visitor: Browser) -> None:
    flow.signup("refresh@example.com")
    _sign_in(flow, visitor, "refresh@example.com")
    jar = visitor.client(flow.server.url).cookies
    settings = flow.server.settings
    data = websession.unseal(settings, websession.SESSION_COOKIE, jar.get("tp_session"))
    assert data is not None
    stale = replace(websession.WebSession(**data), access_exp=0)
    held = next(c for c in jar.jar if c.name == "tp_session")
    value = websession.seal(settings, websession.SESSION_COOKIE, stale.__dict__)
    jar.set("tp_session", value, domain=held.domain, path=held.path)
    page = visitor.get(f"{flow.server.url}/account")
    assert page.status_code == 200 and "tp_session=" in page.headers["set-cookie"]
    renewed = websession.unseal(settings, websession.SESSION_COOKIE, jar.get("tp_session"))
    assert renewed is not None and renewed["access_exp"] > 0
    assert renewed["refresh_token"] != data["refresh_token"]  # rotated


def test_logout_signs_out_of_dashboard_and_auth_server(flow: Flow, visitor: Browser) -> None:
    flow.signup("out@example.com")
    _sign_in(flow, visitor, "out@example.com")
    base = flow.server.url
    token = _account_form(visitor, base)
    out = visitor.post(f"{base}/auth/logout", data={"csrf_token": token})
    assert out.status_code == 303
    assert out.headers["location"].startswith(
        f"{flow.server.issuer}/logout?client_id=trendpath-web"
    )
    assert "logout_hint=" in out.headers["location"]
    # One click: the dashboard's signed hint lets the auth server end its session at once.
    done = visitor.get(out.headers["location"])
    assert done.status_code == 303 and done.headers["location"] == f"{base}/"
    assert visitor.get(f"{flow.server.issuer}/").headers["location"].endswith("/login")
    after = visitor.get(f"{base}/account")
    assert after.status_code == 303 and after.headers["location"].startswith("/auth/login")


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/x"])
def test_dashboard_login_has_no_open_redirect(flow: Flow, visitor: Browser, next_path: str) -> None:
    start = visitor.get(f"{flow.server.url}/auth/login", params={"next": next_path})
    data = websession.unseal(
        flow.server.settings,
        websession.LOGIN_COOKIE,
        visitor.client(flow.server.url).cookies.get("tp_login"),
    )
    assert start.status_code == 302 and data is not None and data["next"] == "/"


def test_callback_with_forged_state_is_refused(flow: Flow, visitor: Browser) -> None:
    visitor.get(f"{flow.server.url}/auth/login")
    resp = visitor.get(f"{flow.server.url}/auth/callback?code=abc&state=forged")
    assert resp.status_code == 400 and "만료" in resp.text


def test_dashboard_sign_in_without_public_url(live_server: object, db: object) -> None:
    """The default `trendpath run` (no PUBLIC_URL, any port): same-origin auth pages, loopback
    redirect URIs whose port differs from the configured one."""
    base: str = live_server.url  # type: ignore[attr-defined]
    visitor = Browser()
    try:
        made = visitor.post(
            f"{base}/api/auth/accounts",
            json={"email": "plain@example.com", "password": PASSWORD, "display_name": "기본"},
        )
        assert made.status_code == 201
        start = visitor.get(f"{base}/auth/login?next=/account")
        assert start.headers["location"].startswith(f"{base}/api/auth/authorize?")
        page = visitor.follow(start, "never")
        assert isinstance(page, httpx.Response)
        posted = visitor.post(
            f"{base}/api/auth/login",
            data={
                "email": "plain@example.com",
                "password": PASSWORD,
                "next": next_of(page.text),
                "csrf_token": csrf_of(page.text),
            },
        )
        landed = visitor.follow(posted, "never")
        assert isinstance(landed, httpx.Response) and landed.status_code == 200
        assert "기본" in landed.text
    finally:
        visitor.close()
