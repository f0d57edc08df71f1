"""The ``admin`` scope follows the account's role: at sign-in and again at every refresh."""

from __future__ import annotations

from trendpath.auth import store
from trendpath.kit.db import Database

from .conftest import Browser, Flow

ASKED = "openid profile admin"


def test_only_admins_receive_the_admin_scope(flow: Flow, visitor: Browser, db: Database) -> None:
    flow.signup("plain@example.com")
    plain = flow.code_tokens(visitor, "plain@example.com", ASKED)
    assert plain["scope"] == "openid profile"  # asked for, silently not granted


def test_a_revoked_admin_loses_the_scope_at_the_next_refresh(
    flow: Flow, visitor: Browser, db: Database
) -> None:
    flow.signup("boss@example.com")
    with db.session_scope() as session:
        assert store.set_role(session, "boss@example.com", "admin")
    got = flow.code_tokens(visitor, "boss@example.com", ASKED)
    assert got["scope"] == "admin openid profile"
    kept = flow.token(grant_type="refresh_token", refresh_token=got["refresh_token"]).json()
    assert kept["scope"] == "admin openid profile"
    with db.session_scope() as session:
        assert store.set_role(session, "boss@example.com", "user")
    dropped = flow.token(grant_type="refresh_token", refresh_token=kept["refresh_token"])
    assert dropped.status_code == 200
    assert dropped.json()["scope"] == "openid profile"
