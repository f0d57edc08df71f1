"""The dashboard's sign-in session: an encrypted cookie holding the user's tokens.

The dashboard is the built-in confidential OAuth client ``trendpath-web``. After the code + PKCE
flow (``web.auth_routes``) the session keeps the access and refresh tokens, the user's name and a
CSRF token in one AES-GCM sealed cookie (key derived from the secret key): HttpOnly,
SameSite=Lax, Secure unless the dashboard runs on loopback HTTP. The access token is refreshed
(with rotation) when it is about to expire; a refused refresh ends the session.

Pages that change state must check :func:`csrf_ok` (session-bound token + same-origin check).
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request, Response
from joserfc import jwt
from joserfc.errors import JoseError

from trendpath.kit.auth import (
    ALLOWED_ALGS,
    LEEWAY_S,
    WEB_CLIENT_ID,
    builtin_client_secret,
    cookie_secure,
    dashboard_url,
    issuer_url,
    unverified_header,
    verifier_of,
)
from trendpath.kit.deps import runtime_of
from trendpath.kit.errors import ApiError
from trendpath.kit.settings import Settings

SESSION_COOKIE = "tp_session"
LOGIN_COOKIE = "tp_login"
REFRESH_MARGIN_S = 30
_STATE_KEY = "web_session"


@dataclass(frozen=True)
class WebSession:
    """What the dashboard remembers about a signed-in user."""

    sub: str
    name: str
    access_token: str
    access_exp: int
    refresh_token: str
    csrf: str
    expires_at: int
    scopes: str = ""  # granted by the auth server; sessions sealed before it existed read as ""

    @property
    def is_admin(self) -> bool:
        """The token carries ``admin`` (the auth server grants it to admin accounts only)."""
        return "admin" in self.scopes.split()


def _aead(settings: Settings, purpose: str) -> AESGCM:
    hkdf = HKDF(hashes.SHA256(), 32, salt=b"trendpath-web-cookies", info=purpose.encode())
    return AESGCM(hkdf.derive(settings.secret_key.encode()))


def seal(settings: Settings, purpose: str, data: dict[str, Any]) -> str:
    """Encrypt ``data`` for a cookie (the purpose is bound in, so cookies cannot be swapped)."""
    nonce = os.urandom(12)
    body = _aead(settings, purpose).encrypt(nonce, json.dumps(data).encode(), purpose.encode())
    return base64.urlsafe_b64encode(nonce + body).rstrip(b"=").decode()


def unseal(settings: Settings, purpose: str, value: str | None) -> dict[str, Any] | None:
    """The data sealed by :func:`seal`, or None if missing or forged."""
    if not value or len(value) > 4096:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data = json.loads(_aead(settings, purpose).decrypt(raw[:12], raw[12:], purpose.encode()))
    except (InvalidTag, ValueError):
        return None
    return data if isinstance(data, dict) else None


def set_cookie(
    response: Response, settings: Settings, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    """Set a dashboard cookie with the house flags."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(settings, dashboard_url(settings)),
    )


def load(request: Request) -> WebSession | None:
    """The session in the request's cookie, if genuine and not past its end."""
    settings: Settings = request.app.state.settings
    data = unseal(settings, SESSION_COOKIE, request.cookies.get(SESSION_COOKIE))
    try:
        session = WebSession(**data) if data else None
    except TypeError:
        return None
    if session is None or session.expires_at < time.time():
        return None
    return session


def save(response: Response, settings: Settings, session: WebSession) -> None:
    """Write the session cookie."""
    max_age = max(0, session.expires_at - int(time.time()))
    set_cookie(
        response, settings, SESSION_COOKIE, seal(settings, SESSION_COOKIE, asdict(session)), max_age
    )


def clear(response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def client_auth(settings: Settings) -> tuple[str, str]:
    """The dashboard's client credentials (HTTP Basic at the token endpoint)."""
    return WEB_CLIENT_ID, builtin_client_secret(settings, WEB_CLIENT_ID)


async def _refresh(request: Request, session: WebSession) -> WebSession | None:
    settings: Settings = request.app.state.settings
    resp = await runtime_of(request).clients.request(
        "auth",
        "POST",
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": session.refresh_token},
        auth=client_auth(settings),
    )
    if resp.status_code != 200:
        return None
    body = resp.json()
    return replace(
        session,
        access_token=body["access_token"],
        access_exp=int(time.time()) + int(body["expires_in"]),
        refresh_token=body.get("refresh_token", session.refresh_token),
        scopes=str(body.get("scope", session.scopes)),
    )


async def current(request: Request) -> WebSession | None:
    """The signed-in session with a fresh access token (refreshed if needed), or None.

    Call :func:`persist` on the response afterwards so a refreshed or ended session reaches the
    browser.
    """
    if _STATE_KEY in request.scope.setdefault("state", {}):
        found: WebSession | None = request.scope["state"][_STATE_KEY][0]
        return found
    session = load(request)
    changed = False
    if session is not None and session.access_exp - REFRESH_MARGIN_S < time.time():
        session, changed = await _refresh(request, session), True
    request.scope["state"][_STATE_KEY] = (session, changed or (session is None and _had(request)))
    return session


def _had(request: Request) -> bool:
    return SESSION_COOKIE in request.cookies


def persist(request: Request, response: Response) -> None:
    """Write back a session that :func:`current` refreshed, or clear one that ended."""
    entry = request.scope.get("state", {}).get(_STATE_KEY)
    if entry is None or not entry[1]:
        return
    session = entry[0]
    if session is None:
        clear(response)
    else:
        save(response, request.app.state.settings, session)


def csrf_ok(request: Request, session: WebSession | None, token: str | None) -> bool:
    """A state-changing form post is genuine: session-bound token and a same-origin request."""
    if session is None or not token or not hmac.compare_digest(session.csrf, token):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


async def verify_id_token(request: Request, token: str, nonce: str) -> dict[str, Any]:
    """Check an ID token from our auth server (OIDC Core §3.1.3.7); raises ApiError 401."""
    settings: Settings = request.app.state.settings
    header = unverified_header(token)
    kid = header.get("kid")
    if header.get("alg") not in ALLOWED_ALGS or not isinstance(kid, str):
        raise ApiError(401, "invalid_token", "ID token algorithm or key id not acceptable")
    keys = await verifier_of(request).jwks.key(kid)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_S,
        iss={"essential": True, "value": issuer_url(settings)},
        aud={"essential": True, "value": WEB_CLIENT_ID},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        decoded = jwt.decode(token, keys, algorithms=list(ALLOWED_ALGS))
        registry.validate(decoded.claims)
    except JoseError as exc:
        raise ApiError(401, "invalid_token", f"ID token rejected: {exc.error}") from exc
    return dict(decoded.claims)
