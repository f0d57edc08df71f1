"""Signed-in dashboard clients for the web tests: real accounts, real tokens, sealed sessions."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import httpx
import pytest

from support import USER_SCOPES, LiveServer, issue_token
from trendpath.kit.db import Database
from trendpath.kit.settings import Settings
from trendpath.web import session as websession

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Visitor:
    """A signed-in dashboard user: the cookie-keeping client, its account and CSRF token."""

    client: httpx.Client
    email: str
    user_id: str
    token: str
    csrf: str


def _account(db: Database, settings: Settings, email: str, admin: bool) -> str:
    from trendpath.auth.accounts import sign_up
    from trendpath.auth.store import set_role

    fast = settings.model_copy(update={"auth_argon2_time_cost": 1, "auth_argon2_memory_kib": 1024})
    with db.session_scope() as session:
        account = sign_up(
            session, fast, email=email, password=PASSWORD, display_name="테스트 사용자"
        )
        if admin:
            assert set_role(session, email, "admin")
        return str(account.id)


def seal_session(
    client: httpx.Client, settings: Settings, user_id: str, token: str, scopes: str
) -> str:
    """Put the dashboard's sealed session for ``token`` into ``client``; returns the CSRF token."""
    now = int(time.time())
    session = websession.WebSession(
        sub=user_id,
        name="테스트 사용자",
        access_token=token,
        access_exp=now + 600,
        refresh_token="unused-in-these-tests",
        csrf="csrf-" + uuid.uuid4().hex,
        expires_at=now + 3600,
        scopes=scopes,
    )
    client.cookies.set(
        websession.SESSION_COOKIE,
        websession.seal(settings, websession.SESSION_COOKIE, asdict(session)),
        domain=client.base_url.host,  # as the server would set it, so it can clear it too
    )
    return session.csrf


@pytest.fixture
def visitors(
    live_server: LiveServer, settings: Settings, db: Database
) -> Iterator[Callable[..., Visitor]]:
    """Make signed-in visitors: ``visitors(admin=True)`` holds a token with ``admin``, as the
    auth server grants it to admin accounts; tables are emptied afterwards."""
    made: list[httpx.Client] = []

    def make(admin: bool = False, base: str | None = None) -> Visitor:
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        user_id = _account(db, settings, email, admin)
        scopes = USER_SCOPES + (" admin" if admin else "")
        token = issue_token(db, settings, subject=user_id, client_id="web", scope=scopes)
        client = httpx.Client(base_url=base or live_server.url, timeout=30)
        made.append(client)
        csrf = seal_session(client, settings, user_id, token, scopes)
        return Visitor(client, email, user_id, token, csrf)

    yield make
    for client in made:
        client.close()
