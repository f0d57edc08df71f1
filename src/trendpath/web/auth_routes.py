"""Dashboard sign-in and sign-up (authorization code + PKCE against our auth server), logout.

Discovery, token exchange, refresh and revocation go through ``runtime.clients`` (in-process in
``trendpath run``, HTTP in Compose); only the browser is sent to the authorization, sign-up and
end-session endpoints. The dashboard always asks for ``admin`` too: the auth server grants it to
admin accounts only (``auth.scopes.for_role``), and the session remembers what was granted.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trendpath.kit.auth import WEB_CLIENT_ID, dashboard_url, logout_hint
from trendpath.kit.deps import runtime_of
from trendpath.kit.errors import ApiError
from trendpath.kit.settings import Settings
from trendpath.web import session as websession
from trendpath.web.messages import ko
from trendpath.web.pages import render

router = APIRouter(include_in_schema=False)

DASHBOARD_SCOPES = (
    "openid profile email account users:read users:write trends:read news:read ai:chat admin"
)
LOGIN_TTL_S = 600


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _local_path(value: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _problem(request: Request, message: str, status: int = 400) -> HTMLResponse:
    return render(
        request, "auth_message.html", {"title": ko("msg.login_problem"), "message": message}, status
    )


async def _discovery(request: Request) -> dict[str, Any]:
    runtime = runtime_of(request)
    cached = runtime.extras.get("web.discovery")
    if isinstance(cached, dict):
        return cached
    resp = await runtime.clients.request("auth", "GET", "/.well-known/openid-configuration")
    if resp.status_code != 200:
        raise ApiError(503, "unavailable", "auth service discovery failed")
    doc: dict[str, Any] = resp.json()
    runtime.extras["web.discovery"] = doc
    return doc


def _browser_url(request: Request, url: str) -> str:
    """A URL of the auth server as the browser should reach it.

    Without ``public_url``/``auth_issuer`` the issuer names 127.0.0.1 and the configured port;
    the browser may have come in on another address (``--host 0.0.0.0``) or port, and in that
    local mode the auth service is mounted on this same origin.
    """
    settings = _settings(request)
    if settings.public_url or settings.auth_issuer:
        return url
    parts = urlsplit(url)
    return urlunsplit((request.url.scheme, request.url.netloc, parts.path, parts.query, ""))


def _redirect_uri(request: Request) -> str:
    settings = _settings(request)
    if settings.public_url:
        return f"{dashboard_url(settings)}/auth/callback"
    return f"{request.url.scheme}://{request.url.netloc}/auth/callback"


def _signup_url(authorize_url: str) -> str:
    """The auth server's sign-up page, coming back to ``authorize_url`` once the account exists.

    The sign-up page sits beside the authorization endpoint and only follows a ``next`` that is
    that endpoint's path (``routes_pages.safe_next``).
    """
    parts = urlsplit(authorize_url)
    root = parts.path.rsplit("/", 1)[0]
    back = f"{parts.path}?{parts.query}"
    return urlunsplit((parts.scheme, parts.netloc, f"{root}/signup", urlencode({"next": back}), ""))


async def _start(request: Request, signup: bool) -> Response:
    """Remember state, nonce and PKCE verifier; send the browser to sign in (or sign up)."""
    doc = await _discovery(request)
    verifier, state, nonce = (
        secrets.token_urlsafe(48),
        secrets.token_urlsafe(24),
        secrets.token_urlsafe(24),
    )
    redirect_uri = _redirect_uri(request)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": WEB_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "scope": DASHBOARD_SCOPES,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    target = _browser_url(request, f"{doc['authorization_endpoint']}?{query}")
    response = RedirectResponse(_signup_url(target) if signup else target, status_code=302)
    pending = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": _local_path(request.query_params.get("next")),
        "exp": int(time.time()) + LOGIN_TTL_S,
    }
    sealed = websession.seal(_settings(request), websession.LOGIN_COOKIE, pending)
    websession.set_cookie(
        response, _settings(request), websession.LOGIN_COOKIE, sealed, LOGIN_TTL_S, "/auth"
    )
    return response


@router.get("/auth/login")
async def login(request: Request) -> Response:
    """Start the sign-in at the auth server's login page."""
    return await _start(request, signup=False)


@router.get("/auth/signup")
async def signup(request: Request) -> Response:
    """Start at the auth server's sign-up page; a new account goes on through the same sign-in."""
    return await _start(request, signup=True)


async def _exchange(request: Request, pending: dict[str, Any], code: str) -> dict[str, Any]:
    resp = await runtime_of(request).clients.request(
        "auth",
        "POST",
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending["redirect_uri"],
            "code_verifier": pending["verifier"],
        },
        auth=websession.client_auth(_settings(request)),
    )
    if resp.status_code != 200:
        raise ApiError(400, "bad_request", "code exchange refused")
    body: dict[str, Any] = resp.json()
    return body


@router.get("/auth/callback", name="auth_callback")
async def callback(request: Request) -> Response:
    """Finish the sign-in: check state, exchange the code, verify the ID token, set the session."""
    settings = _settings(request)
    pending = websession.unseal(
        settings, websession.LOGIN_COOKIE, request.cookies.get(websession.LOGIN_COOKIE)
    )
    state = request.query_params.get("state", "")
    if (
        pending is None
        or pending.get("exp", 0) < time.time()
        or not hmac.compare_digest(str(pending.get("state", "")), state)
    ):
        return _problem(request, ko("msg.login_expired"))
    code = request.query_params.get("code")
    if request.query_params.get("error") or not code:
        return _problem(request, ko("msg.login_refused"))
    try:
        tokens = await _exchange(request, pending, code)
        claims = await websession.verify_id_token(request, tokens["id_token"], pending["nonce"])
    except (ApiError, KeyError):
        return _problem(request, ko("msg.login_failed"))
    now = int(time.time())
    signed = websession.WebSession(
        sub=str(claims["sub"]),
        name=str(claims.get("name", "")),
        access_token=tokens["access_token"],
        access_exp=now + int(tokens["expires_in"]),
        refresh_token=tokens["refresh_token"],
        csrf=secrets.token_urlsafe(24),
        expires_at=now + settings.auth_session_ttl_s,
        scopes=str(tokens.get("scope", "")),
    )
    response = RedirectResponse(pending["next"], status_code=303)
    response.delete_cookie(websession.LOGIN_COOKIE, path="/auth")
    websession.save(response, settings, signed)
    return response


@router.post("/auth/logout")
async def logout(request: Request) -> Response:
    """Revoke the refresh token, drop the session, then sign out at the auth server too."""
    form = await request.form()
    session = websession.load(request)
    token = form.get("csrf_token")
    if not websession.csrf_ok(request, session, token if isinstance(token, str) else None):
        return _problem(request, ko("msg.expired"), 403)
    assert session is not None
    settings = _settings(request)
    await runtime_of(request).clients.request(
        "auth",
        "POST",
        "/revoke",
        data={"token": session.refresh_token, "token_type_hint": "refresh_token"},
        auth=websession.client_auth(settings),
    )
    doc = await _discovery(request)
    home = f"{request.url.scheme}://{request.url.netloc}/"
    if settings.public_url:
        home = f"{dashboard_url(settings)}/"
    # The hint lets the auth server end its own session at once: one click signs out.
    hint = logout_hint(settings, session.sub)
    query = urlencode(
        {"client_id": WEB_CLIENT_ID, "post_logout_redirect_uri": home, "logout_hint": hint}
    )
    response = RedirectResponse(
        _browser_url(request, f"{doc['end_session_endpoint']}?{query}"), status_code=303
    )
    websession.clear(response)
    return response
