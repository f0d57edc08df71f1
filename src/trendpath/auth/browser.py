"""The authorization server's browser state: sign-in session, CSRF tokens, device cookie, and the
sealed cookie that carries a social-login round trip.

All cookies are HttpOnly, SameSite=Lax, scoped to the auth service's path, and Secure unless the
issuer is a loopback HTTP URL. The session cookie holds a random id whose SHA-256 is stored; the
CSRF token is an HMAC of a random per-browser cookie (double submit, bound to the secret key).
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
import time
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request, Response
from sqlalchemy.orm import Session

from trendpath.auth import store
from trendpath.auth.clients import digest
from trendpath.kit.auth import cookie_secure, issuer_url
from trendpath.kit.settings import Settings

SESSION_COOKIE = "tp_auth_session"
CSRF_COOKIE = "tp_auth_csrf"
DEVICE_COOKIE = "tp_auth_device"
SOCIAL_COOKIE = "tp_auth_social"
DEVICE_TTL_S = 365 * 86400


def public_root(request: Request, settings: Settings) -> str:
    """The public path prefix of the auth service ("" at the root of its host).

    Mounted in ``trendpath run`` it is the mount path (``/api/auth``). Served alone behind a proxy
    that strips the prefix, the request does not show it; the configured issuer (or public URL)
    names it. Served alone with neither configured, the service sits at the root of its host.
    """
    root: str = request.scope.get("root_path", "") or ""
    if root or not (settings.auth_issuer or settings.public_url):
        return root
    return urlsplit(issuer_url(settings)).path.rstrip("/")


def cookie_path(request: Request) -> str:
    """The path our cookies are scoped to: the auth service's public prefix."""
    return public_root(request, request.app.state.settings) or "/"


def set_cookie(
    response: Response, request: Request, settings: Settings, name: str, value: str, max_age: int
) -> None:
    """Set one of our cookies with the house flags."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=cookie_path(request),
        httponly=True,
        samesite="lax",
        secure=cookie_secure(settings, issuer_url(settings)),
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    """Remove one of our cookies."""
    response.delete_cookie(name, path=cookie_path(request))


def _mac(settings: Settings, purpose: str, value: str) -> str:
    digest_ = hmac.new(settings.secret_key.encode(), f"{purpose}:{value}".encode(), "sha256")
    return base64.urlsafe_b64encode(digest_.digest()).rstrip(b"=").decode()


# --- CSRF ---


def csrf_token(request: Request, settings: Settings) -> tuple[str, str | None]:
    """(form token, new cookie value or None): the token for forms rendered in this response."""
    seed = request.cookies.get(CSRF_COOKIE)
    new = None
    if not seed or len(seed) > 100:
        seed = new = secrets.token_urlsafe(24)
    return _mac(settings, "csrf", seed), new


def csrf_ok(request: Request, settings: Settings, token: str | None) -> bool:
    """True when the form token matches this browser's CSRF cookie."""
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not token:
        return False
    return hmac.compare_digest(_mac(settings, "csrf", seed), token)


# --- sign-in session ---


def current(session: Session, request: Request) -> tuple[store.Account, datetime] | None:
    """(account, auth_time) of this browser's live sign-in session."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 100:
        return None
    return store.browser_session(session, digest(raw))


def start(
    session: Session,
    settings: Settings,
    request: Request,
    response: Response,
    account_id: uuid.UUID,
) -> None:
    """Sign the browser in (new session id, so a planted id never becomes a session)."""
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        store.end_browser_session(session, digest(old))
    raw = secrets.token_urlsafe(32)
    store.create_browser_session(session, digest(raw), account_id, settings.auth_session_ttl_s)
    set_cookie(response, request, settings, SESSION_COOKIE, raw, settings.auth_session_ttl_s)
    device = f"{account_id}.{_mac(settings, 'device', str(account_id))}"
    set_cookie(response, request, settings, DEVICE_COOKIE, device, DEVICE_TTL_S)


def end(session: Session, request: Request, response: Response) -> None:
    """Sign the browser out."""
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        store.end_browser_session(session, digest(raw))
    clear_cookie(response, request, SESSION_COOKIE)


def device_account(request: Request, settings: Settings) -> uuid.UUID | None:
    """The account this browser has signed in to before, if its device cookie is genuine."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    account, _, mac = value.partition(".")
    try:
        account_id = uuid.UUID(account)
    except ValueError:
        return None
    if not hmac.compare_digest(_mac(settings, "device", str(account_id)), mac):
        return None
    return account_id


# --- sealed round-trip state ---


def _aead(settings: Settings, purpose: str) -> AESGCM:
    hkdf = HKDF(hashes.SHA256(), 32, salt=b"trendpath-auth-cookies", info=purpose.encode())
    return AESGCM(hkdf.derive(settings.secret_key.encode()))


def seal(settings: Settings, purpose: str, data: dict[str, Any], ttl_s: int) -> str:
    """Encrypt ``data`` (with an expiry) into a cookie-safe string."""
    nonce = os.urandom(12)
    body = json.dumps({"exp": int(time.time()) + ttl_s, "data": data}).encode()
    sealed = nonce + _aead(settings, purpose).encrypt(nonce, body, purpose.encode())
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()


def unseal(settings: Settings, purpose: str, value: str | None) -> dict[str, Any] | None:
    """The data sealed by :func:`seal`, or None if missing, forged or expired."""
    if not value or len(value) > 4096:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        body = json.loads(_aead(settings, purpose).decrypt(raw[:12], raw[12:], purpose.encode()))
    except (InvalidTag, ValueError):
        return None
    if not isinstance(body, dict) or body.get("exp", 0) < time.time():
        return None
    data = body.get("data")
    return data if isinstance(data, dict) else None
