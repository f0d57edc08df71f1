"""Authorization endpoint and code exchange: one test per promise (RFC 6749, RFC 7636, RFC 9700)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlencode

import httpx
from sqlalchemy import text

from trendpath.kit.db import Database

from .conftest import LOOPBACK_CB, Browser, Flow, pkce


def _signed_in(flow: Flow, visitor: Browser, email: str = "code@example.com") -> None:
    flow.signup(email)
    assert flow.login(visitor, email).status_code == 303


def _exchange(flow: Flow, code: str, verifier: str | None, redirect_uri: str = LOOPBACK_CB):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    return flow.token(**data)


def test_redirect_uri_mismatch_is_refused_without_redirecting(flow: Flow, visitor: Browser) -> None:
    _signed_in(flow, visitor)
    for uri in (
        "https://evil.example/cb",
        "https://app.example/cb/extra",
        "https://app.example/cb?x=1",
        "http://127.0.0.1/other",
        "http://localhost/cb",
    ):
        params = {
            "response_type": "code",
            "client_id": "test-app",
            "redirect_uri": uri,
            "scope": "openid",
            "code_challenge": pkce()[1],
            "code_challenge_method": "S256",
        }
        resp = visitor.get(f"{flow.server.issuer}/authorize?{urlencode(params)}")
        assert resp.status_code == 400, uri
        assert "location" not in resp.headers
        assert "리디렉션" in resp.text
    # Only the port of a loopback redirect may vary (RFC 8252 §7.3).
    assert "code" in flow.authorize(visitor, redirect_uri="http://127.0.0.1:8765/cb")


def test_plain_pkce_is_refused(flow: Flow, visitor: Browser) -> None:
    _signed_in(flow, visitor)
    verifier = "p" * 50
    got = flow.authorize(visitor, challenge=verifier, code_challenge_method="plain")
    assert got["error"] == "invalid_request"
    assert "S256" in got["error_description"]
    assert got["state"] == "st-1" and got["iss"] == flow.server.issuer
    # Leaving the method out means "plain" (RFC 7636 §4.3): refused too.
    got = flow.authorize(visitor, challenge=pkce()[1], code_challenge_method="")
    assert got["error"] == "invalid_request"


def test_authorization_without_challenge_is_refused(flow: Flow, visitor: Browser) -> None:
    """A verifier can never meet a code that had no challenge: such codes are never issued."""
    _signed_in(flow, visitor)
    params = {
        "response_type": "code",
        "client_id": "test-app",
        "redirect_uri": LOOPBACK_CB,
        "scope": "openid",
        "state": "s",
    }
    resp = visitor.get(f"{flow.server.issuer}/authorize?{urlencode(params)}")
    landed = visitor.follow(resp, "http://127.0.0.1/cb")
    assert isinstance(landed, str) and "error=invalid_request" in landed and "code=" not in landed


def test_missing_verifier_is_refused(flow: Flow, visitor: Browser) -> None:
    _signed_in(flow, visitor)
    got = flow.authorize(visitor)
    resp = _exchange(flow, got["code"], None)
    assert resp.status_code == 400
    assert resp.json() == {
        "error": "invalid_request",
        "error_description": "code_verifier is required (PKCE)",
    }


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_malformed_verifier_is_refused_even_when_it_matches_the_challenge(
    flow: Flow, visitor: Browser
) -> None:
    """RFC 7636 §4.1: 43–128 unreserved characters; a short or odd one is refused outright."""
    _signed_in(flow, visitor)
    for verifier in ("too-short", "a" * 129, "space in verifier " + "a" * 40):
        got = flow.authorize(visitor, challenge=_s256(verifier))
        resp = _exchange(flow, got["code"], verifier)
        assert resp.status_code == 400, verifier
        assert resp.json() == {
            "error": "invalid_request",
            "error_description": "code_verifier is malformed",
        }


def test_wrong_verifier_is_refused_and_burns_the_code(flow: Flow, visitor: Browser) -> None:
    _signed_in(flow, visitor)
    verifier, challenge = pkce()
    got = flow.authorize(visitor, challenge=challenge)
    wrong = _exchange(flow, got["code"], pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    again = _exchange(flow, got["code"], verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_replay_is_refused_and_revokes_what_it_issued(
    flow: Flow, visitor: Browser, api: httpx.Client
) -> None:
    _signed_in(flow, visitor)
    verifier, challenge = pkce()
    got = flow.authorize(visitor, challenge=challenge)
    first = _exchange(flow, got["code"], verifier)
    assert first.status_code == 200
    tokens = first.json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert api.get("/userinfo", headers=bearer).status_code == 200
    replay = _exchange(flow, got["code"], verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # Everything the first exchange produced is now dead.
    refreshed = flow.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    denied = api.get("/userinfo", headers=bearer)
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_expired_code_is_refused(flow: Flow, visitor: Browser, db: Database) -> None:
    _signed_in(flow, visitor)
    verifier, challenge = pkce()
    got = flow.authorize(visitor, challenge=challenge)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE auth.auth_code SET expires_at = now() - interval '1 second'"))
    resp = _exchange(flow, got["code"], verifier)
    assert resp.status_code == 400
    assert resp.json()["error_description"] == "authorization code expired"


def test_code_bound_to_client_and_redirect_uri(flow: Flow, visitor: Browser) -> None:
    _signed_in(flow, visitor)
    verifier, challenge = pkce()
    got = flow.authorize(visitor, challenge=challenge)
    other = flow.token(
        "third-app",
        grant_type="authorization_code",
        code=got["code"],
        redirect_uri=LOOPBACK_CB,
        code_verifier=verifier,
    )
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"
    moved = _exchange(flow, got["code"], verifier, "https://app.example/cb")
    assert moved.status_code == 400 and "redirect_uri" in moved.json()["error_description"]


def test_codes_are_stored_only_as_hashes(flow: Flow, visitor: Browser, db: Database) -> None:
    _signed_in(flow, visitor)
    tokens = flow.code_tokens(visitor, "code@example.com")
    with db.engine.connect() as conn:
        dump = " ".join(
            str(r)
            for table in ("auth_code", "refresh_token", "browser_session")
            for r in conn.execute(text(f"SELECT * FROM auth.{table}"))
        )
    assert tokens["refresh_token"] not in dump
    for cookie in visitor.client(flow.server.issuer).cookies.values():
        assert cookie not in dump


def test_scope_outside_the_client_is_refused(flow: Flow, visitor: Browser) -> None:
    _signed_in(flow, visitor)
    got = flow.authorize(visitor, scope="openid users:write")
    assert got["error"] == "invalid_scope"


def test_token_endpoint_errors_are_precise(flow: Flow, api: httpx.Client) -> None:
    secret = flow.secrets["test-app"]
    assert api.post("/token", json={"grant_type": "x"}).json()["error"] == "invalid_request"
    unsupported = api.post("/token", data={"grant_type": "password"}, auth=("test-app", secret))
    assert unsupported.json()["error"] == "unsupported_grant_type"
    repeated = api.post(
        "/token",
        content="grant_type=refresh_token&grant_type=refresh_token",
        headers={"content-type": "application/x-www-form-urlencoded"},
        auth=("test-app", secret),
    )
    assert repeated.status_code == 400 and repeated.json() == {
        "error": "invalid_request",
        "error_description": "parameter 'grant_type' repeated",
    }
