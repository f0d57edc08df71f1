"""Token and revocation endpoint errors, one promise each: the RFC 6749 §5.2 ``error`` code, the
HTTP status and our ``error_description`` (RFC 6749 §4.1.3, §4.4, §5.2, §6; RFC 7009; RFC 7636
§4.6), plus what each failure leaves behind (revoked families, their recorded reason, denials).

Everything runs against the real auth server and database of ``conftest.py``.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import quote_plus

import httpx
from sqlalchemy import text

from trendpath.auth import clients as auth_clients
from trendpath.auth import grants, ratelimit, store, tokens
from trendpath.auth.oauth import MAX_PARAM_CHARS, OAuthError
from trendpath.kit.db import Database

from .conftest import LOOPBACK_CB, Browser, Flow, pkce

NOT_ALLOWED = "client may not use this grant"
REUSED = "refresh token already used; session revoked"


def _refused(resp: httpx.Response, status: int, error: str, description: str) -> None:
    """An RFC 6749 §5.2 error response, never cached."""
    assert resp.status_code == status, resp.text
    assert resp.json() == {"error": error, "error_description": description}
    assert resp.headers["cache-control"] == "no-store"


def _claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT (the server's signature is checked by other tests)."""
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def _reasons(db: Database) -> list[str | None]:
    """Why each grant family was revoked (None: still live), oldest first."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT revoked_reason FROM auth.grant_family ORDER BY created_at")
        )
        return [r[0] for r in rows]


def _seconds_left(db: Database, sql: str) -> float:
    with db.engine.connect() as conn:
        return float(conn.execute(text(f"SELECT extract(epoch FROM ({sql}) - now())")).scalar_one())


def _orphan(db: Database, email: str) -> None:
    """Remove an account row but keep its codes and grants: the state a grant meets when its
    account vanished behind its back (foreign-key cascades are off for this one transaction;
    setting ``session_replication_role`` needs a superuser, as the embedded test server has)."""
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM auth.account WHERE email = :e"), {"e": email})


def _code(flow: Flow, visitor: Browser, email: str, **extra: str) -> tuple[str, str]:
    """Sign up, sign in and authorize test-app: (code, verifier)."""
    flow.signup(email)
    assert flow.login(visitor, email).status_code == 303
    verifier, challenge = pkce()
    got = flow.authorize(visitor, challenge=challenge, **extra)
    return got["code"], verifier


def _exchange(flow: Flow, code: str, verifier: str, client_id: str = "test-app") -> httpx.Response:
    return flow.token(
        client_id,
        grant_type="authorization_code",
        code=code,
        redirect_uri=LOOPBACK_CB,
        code_verifier=verifier,
    )


def _basic(client_id: str, secret: str) -> dict[str, str]:
    """client_secret_basic exactly as RFC 6749 §2.3.1 says: form-urlencode, then base64."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


# --- the error type itself ---


def test_oauth_error_carries_code_description_status_and_headers() -> None:
    err = OAuthError("invalid_grant", "unknown refresh token")
    assert str(err) == "unknown refresh token"  # what logs and tracebacks show
    assert (err.error, err.status, err.headers) == ("invalid_grant", 400, {})
    assert err.body() == {"error": "invalid_grant", "error_description": "unknown refresh token"}
    limited = OAuthError("rate_limited", "too many failed attempts", 429, {"Retry-After": "3"})
    assert (limited.status, limited.headers) == (429, {"Retry-After": "3"})


# --- parameters and client authentication (RFC 6749 §2.3, §3.1) ---


def test_parameters_up_to_the_size_limit_pass_and_longer_ones_are_refused(flow: Flow) -> None:
    ok = flow.token("test-service", grant_type="client_credentials", note="x" * MAX_PARAM_CHARS)
    assert ok.status_code == 200, ok.text
    long = flow.token(
        "test-service", grant_type="client_credentials", note="x" * (MAX_PARAM_CHARS + 1)
    )
    _refused(long, 400, "invalid_request", "parameter 'note' too long")


def test_malformed_basic_credentials_are_invalid_client(flow: Flow, api: httpx.Client) -> None:
    secret = flow.secrets["test-service"]
    good = base64.b64encode(f"test-service:{secret}".encode()).decode()
    body = {"grant_type": "client_credentials"}
    for value in (
        good[:8] + "*" + good[8:],  # outside the base64 alphabet (a lax decoder would skip it)
        base64.b64encode(b"\xff\xfe:secret").decode(),  # not UTF-8
        base64.b64encode(b"no-colon-here").decode(),
    ):
        resp = api.post("/token", data=body, headers={"Authorization": f"Basic {value}"})
        _refused(resp, 401, "invalid_client", "malformed Basic credentials")
    # The scheme is case-insensitive and the credentials may be padded with spaces.
    for header in (f"BASIC {good}", f"basic  {good}"):
        resp = api.post("/token", data=body, headers={"Authorization": header})
        assert resp.status_code == 200, (header, resp.text)


def test_basic_credentials_are_form_urlencoded(flow: Flow, api: httpx.Client, db: Database) -> None:
    """RFC 6749 §2.3.1: a secret with ``+``, ``%``, spaces and non-ASCII survives, and so does a
    client id whose characters were percent-encoded."""
    client_id, secret = "ops-tool", "s3cr+t %2F/ 비밀:x"
    with db.session_scope() as session:
        auth_clients.register(
            session,
            client_id=client_id,
            name="ops",
            redirect_uris=[],
            grant_types=["client_credentials"],
            scopes=["trends:read"],
            public=False,
        )
        session.execute(
            text("UPDATE auth.client SET secret_hash = :h WHERE client_id = :c"),
            {"h": auth_clients.digest(secret), "c": client_id},
        )
    body = {"grant_type": "client_credentials", "scope": "trends:read"}
    resp = api.post("/token", data=body, headers=_basic(client_id, secret))
    assert resp.status_code == 200, resp.text
    assert _claims(resp.json()["access_token"])["sub"] == client_id
    # A percent-encoded id, and a secret whose ``:`` was left as it is: the id ends at the
    # first colon (RFC 7617 §2), so the rest is the secret.
    secret_part = quote_plus(secret).replace("%3A", ":")
    encoded = base64.b64encode(f"ops%2Dtool:{secret_part}".encode()).decode()
    resp = api.post("/token", data=body, headers={"Authorization": f"Basic {encoded}"})
    assert resp.status_code == 200, resp.text
    # The same secret sent without the encoding step is a different secret.
    raw = base64.b64encode(f"{quote_plus(client_id)}:{secret}".encode()).decode()
    wrong = api.post("/token", data=body, headers={"Authorization": f"Basic {raw}"})
    assert wrong.status_code == 401


def test_one_client_authentication_method_per_request(flow: Flow, api: httpx.Client) -> None:
    secret = flow.secrets["test-service"]
    auth = ("test-service", secret)
    body = {"grant_type": "client_credentials"}
    both = api.post("/token", data={**body, "client_secret": secret}, auth=auth)
    _refused(both, 400, "invalid_request", "use one client authentication method")
    other = api.post("/token", data={**body, "client_id": "test-app"}, auth=auth)
    _refused(other, 400, "invalid_request", "use one client authentication method")
    # Repeating the Basic client's own id in the form is allowed.
    same = api.post("/token", data={**body, "client_id": "test-service"}, auth=auth)
    assert same.status_code == 200, same.text
    # client_secret_post alone works too; a non-Basic Authorization header is no client auth.
    post = {**body, "client_id": "test-service", "client_secret": secret}
    assert api.post("/token", data=post).status_code == 200
    bearer = api.post("/token", data=post, headers={"Authorization": "Bearer whatever"})
    assert bearer.status_code == 200, bearer.text


def test_client_authentication_failures_are_401_invalid_client(
    flow: Flow, api: httpx.Client
) -> None:
    body = {"grant_type": "client_credentials"}
    anonymous = api.post("/token", data=body)
    _refused(anonymous, 401, "invalid_client", "client authentication required")
    failed = "client authentication failed"
    # Basic: the challenge names the scheme (RFC 6749 §5.2).
    basic = api.post("/token", data=body, auth=("test-service", "wrong"))
    _refused(basic, 401, "invalid_client", failed)
    assert basic.headers["www-authenticate"] == 'Basic realm="trendpath"'
    # client_secret_post, a missing secret of a confidential client, an unknown client, and a
    # public client that sends a secret: refused, and no Basic challenge for a form login.
    for form in (
        {"client_id": "test-service", "client_secret": "wrong"},
        {"client_id": "test-service"},
        {"client_id": "nobody", "client_secret": "x"},
        {"client_id": "test-spa", "client_secret": "anything"},
    ):
        resp = api.post("/token", data={**body, **form})
        _refused(resp, 401, "invalid_client", failed)
        assert "www-authenticate" not in resp.headers, form


def test_failures_are_counted_per_client_and_per_address(
    flow: Flow, api: httpx.Client, db: Database
) -> None:
    """The buckets docs/auth.md names: ``token:client`` (per client id), ``token:ip``."""
    resp = api.post("/token", data={"grant_type": "client_credentials"}, auth=("Test-Service", "x"))
    assert resp.status_code == 401
    with db.engine.connect() as conn:
        counted = dict(conn.execute(text("SELECT bucket, failures FROM auth.rate_limit")).all())
    assert counted == {
        ratelimit.bucket("token:client", "test-service"): 1,
        ratelimit.bucket("token:ip", "127.0.0.1"): 1,
    }
    assert all(b.startswith(("token:client:", "token:ip:")) for b in counted)


def test_failures_from_one_address_block_every_client(flow: Flow, api: httpx.Client) -> None:
    """token:ip counts failures over all client ids, so rotating ids does not help a guesser."""
    limit = flow.server.settings.auth_ip_max_failures
    assert limit > flow.server.settings.auth_client_max_failures
    body = {"grant_type": "client_credentials"}
    for i in range(limit):
        resp = api.post("/token", data={**body, "client_id": f"guess-{i}", "client_secret": "x"})
        assert resp.status_code == 401, i
    right = ("test-service", flow.secrets["test-service"])
    blocked = api.post("/token", data=body, auth=right)
    _refused(blocked, 429, "rate_limited", "too many failed attempts")
    assert 0 < int(blocked.headers["retry-after"]) <= flow.server.settings.auth_backoff_max_s


# --- authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6) ---


def test_code_grant_needs_the_grant_type_and_a_code(flow: Flow) -> None:
    svc = flow.token("test-service", grant_type="authorization_code", code="c")
    _refused(svc, 400, "unauthorized_client", NOT_ALLOWED)
    missing = flow.token(grant_type="authorization_code", redirect_uri=LOOPBACK_CB)
    _refused(missing, 400, "invalid_request", "code is required")
    unknown = _exchange(flow, "no-such-code", pkce()[0])
    _refused(unknown, 400, "invalid_grant", "unknown authorization code")


def test_code_errors_name_the_failed_check(flow: Flow, visitor: Browser) -> None:
    code, verifier = _code(flow, visitor, "checks@example.com")
    foreign = _exchange(flow, code, verifier, "third-app")
    _refused(foreign, 400, "invalid_grant", "unknown authorization code")
    moved = flow.token(
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://app.example/cb",
        code_verifier=verifier,
    )
    _refused(moved, 400, "invalid_grant", "redirect_uri does not match the authorization request")
    code, _ = _code(flow, visitor, "checks2@example.com")
    wrong = _exchange(flow, code, pkce()[0])
    _refused(wrong, 400, "invalid_grant", "code_verifier does not match the code_challenge")


def test_an_expired_code_is_invalid_grant(flow: Flow, visitor: Browser, db: Database) -> None:
    code, verifier = _code(flow, visitor, "late@example.com")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE auth.auth_code SET expires_at = now() - interval '1 second'"))
    _refused(_exchange(flow, code, verifier), 400, "invalid_grant", "authorization code expired")


def test_a_foreign_client_does_not_burn_the_code(flow: Flow, visitor: Browser) -> None:
    code, verifier = _code(flow, visitor, "owner@example.com")
    assert _exchange(flow, code, verifier, "third-app").status_code == 400
    assert _exchange(flow, code, verifier).status_code == 200


def test_code_replay_names_itself_and_records_why_the_grant_died(
    flow: Flow, visitor: Browser, db: Database
) -> None:
    code, verifier = _code(flow, visitor, "replay@example.com")
    assert _exchange(flow, code, verifier).status_code == 200
    assert _reasons(db) == [None]
    _refused(
        _exchange(flow, code, verifier), 400, "invalid_grant", "authorization code already used"
    )
    assert _reasons(db) == ["code_replay"]


def test_a_failed_check_burns_the_code_without_a_grant(
    flow: Flow, visitor: Browser, db: Database
) -> None:
    code, verifier = _code(flow, visitor, "burnt@example.com")
    assert _exchange(flow, code, pkce()[0]).status_code == 400
    _refused(
        _exchange(flow, code, verifier), 400, "invalid_grant", "authorization code already used"
    )
    assert _reasons(db) == []


def test_code_exchange_response_and_what_it_stores(
    flow: Flow, visitor: Browser, db: Database
) -> None:
    settings = flow.server.settings
    code, verifier = _code(flow, visitor, "shape@example.com", nonce="n-42")
    resp = _exchange(flow, code, verifier)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "scope",
        "refresh_token",
        "id_token",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.auth_access_token_ttl_s
    assert body["scope"] == "account email openid profile"
    with db.engine.connect() as conn:
        family, account, auth_time, scope = conn.execute(
            text(
                "SELECT id, account_id, floor(extract(epoch FROM auth_time))::bigint, scope "
                "FROM auth.grant_family"
            )
        ).one()
    assert scope == body["scope"]
    access = _claims(body["access_token"])
    assert (access["sub"], access["client_id"], access["sid"]) == (
        str(account),
        "test-app",
        str(family),
    )
    assert access["scope"] == body["scope"]
    id_token = _claims(body["id_token"])
    assert (id_token["aud"], id_token["sub"], id_token["nonce"]) == (
        "test-app",
        str(account),
        "n-42",
    )
    assert id_token["auth_time"] == auth_time
    assert id_token["email"] == "shape@example.com"
    # The grant lives auth_session_ttl_s, its refresh token auth_refresh_token_ttl_s.
    left = _seconds_left(db, "SELECT expires_at FROM auth.grant_family")
    assert abs(left - settings.auth_session_ttl_s) < 120
    left = _seconds_left(db, "SELECT expires_at FROM auth.refresh_token")
    assert abs(left - settings.auth_refresh_token_ttl_s) < 120
    with db.engine.connect() as conn:
        used, produced = conn.execute(text("SELECT used_at, family_id FROM auth.auth_code")).one()
    assert used is not None and produced == family


def test_refresh_and_id_tokens_only_when_granted(
    flow: Flow, visitor: Browser, db: Database
) -> None:
    flow.signup("narrow@example.com")
    no_openid = flow.code_tokens(visitor, "narrow@example.com", "profile")
    assert "id_token" not in no_openid and no_openid["scope"] == "profile"
    assert no_openid["refresh_token"]
    # A client not registered for refresh_token gets none with its code.
    with db.session_scope() as session:
        secret = auth_clients.register(
            session,
            client_id="code-only",
            name="code only",
            redirect_uris=[LOOPBACK_CB],
            grant_types=["authorization_code"],
            scopes=["openid", "profile"],
            public=False,
            first_party=True,
        )
    assert secret
    flow.secrets["code-only"] = secret
    verifier, challenge = pkce()
    got = flow.authorize(visitor, client_id="code-only", challenge=challenge, scope="openid")
    resp = _exchange(flow, got["code"], verifier, "code-only")
    assert resp.status_code == 200, resp.text
    assert set(resp.json()) == {"access_token", "token_type", "expires_in", "scope", "id_token"}


def test_code_of_a_vanished_account_is_refused(flow: Flow, visitor: Browser, db: Database) -> None:
    code, verifier = _code(flow, visitor, "gone@example.com")
    _orphan(db, "gone@example.com")
    _refused(_exchange(flow, code, verifier), 400, "invalid_grant", "account no longer exists")


# --- refresh_token (RFC 6749 §6, RFC 9700 §4.14.2) ---


def test_refresh_needs_the_grant_type_and_a_token(flow: Flow, visitor: Browser) -> None:
    flow.signup("rt@example.com")
    issued = flow.code_tokens(visitor, "rt@example.com")["refresh_token"]
    for client_id in ("third-app", "test-service"):
        resp = flow.token(client_id, grant_type="refresh_token", refresh_token=issued)
        _refused(resp, 400, "unauthorized_client", NOT_ALLOWED)
    for form in ({}, {"refresh_token": ""}):
        resp = flow.token(grant_type="refresh_token", **form)
        _refused(resp, 400, "invalid_request", "refresh_token is required")
    unknown = flow.token(grant_type="refresh_token", refresh_token="not-a-token")
    _refused(unknown, 400, "invalid_grant", "unknown refresh token")
    # None of these touched the grant.
    assert flow.token(grant_type="refresh_token", refresh_token=issued).status_code == 200


def test_reuse_revokes_the_family_and_records_why(
    flow: Flow, visitor: Browser, db: Database
) -> None:
    flow.signup("reuse2@example.com")
    first = flow.code_tokens(visitor, "reuse2@example.com")["refresh_token"]
    assert flow.token(grant_type="refresh_token", refresh_token=first).status_code == 200
    again = flow.token(grant_type="refresh_token", refresh_token=first)
    _refused(again, 400, "invalid_grant", REUSED)
    assert _reasons(db) == ["refresh_reuse"]


def test_another_clients_refresh_token_revokes_its_family(
    flow: Flow, visitor: Browser, db: Database
) -> None:
    """A refresh token in the wrong client's hands is treated as stolen (RFC 6749 §10.4)."""
    flow.signup("stolen@example.com")
    issued = flow.code_tokens(visitor, "stolen@example.com")["refresh_token"]
    stolen = flow.token("test-spa", grant_type="refresh_token", refresh_token=issued)
    _refused(stolen, 400, "invalid_grant", REUSED)
    assert _reasons(db) == ["refresh_reuse"]
    owner = flow.token(grant_type="refresh_token", refresh_token=issued)
    _refused(owner, 400, "invalid_grant", "refresh token revoked or expired")


def test_revoked_and_expired_refresh_tokens_are_refused(
    flow: Flow, visitor: Browser, db: Database, api: httpx.Client
) -> None:
    flow.signup("dead@example.com")
    auth = ("test-app", flow.secrets["test-app"])
    revoked = flow.code_tokens(visitor, "dead@example.com")["refresh_token"]
    assert api.post("/revoke", data={"token": revoked}, auth=auth).status_code == 200
    resp = flow.token(grant_type="refresh_token", refresh_token=revoked)
    _refused(resp, 400, "invalid_grant", "refresh token revoked or expired")
    expired = flow.code_tokens(visitor, "dead@example.com")["refresh_token"]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE auth.refresh_token SET expires_at = now() - interval '1 second'"))
    resp = flow.token(grant_type="refresh_token", refresh_token=expired)
    _refused(resp, 400, "invalid_grant", "refresh token revoked or expired")


def test_refresh_response_keeps_the_grant(flow: Flow, visitor: Browser, db: Database) -> None:
    settings = flow.server.settings
    flow.signup("keep@example.com")
    first = flow.code_tokens(visitor, "keep@example.com")
    resp = flow.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.auth_access_token_ttl_s
    assert body["scope"] == first["scope"]
    old, new = _claims(first["access_token"]), _claims(body["access_token"])
    assert (new["sub"], new["sid"], new["scope"]) == (old["sub"], old["sid"], old["scope"])
    old_id, new_id = _claims(first["id_token"]), _claims(body["id_token"])
    assert new_id["auth_time"] == old_id["auth_time"] and new_id["sub"] == old_id["sub"]
    assert _reasons(db) == [None]


def test_refresh_checks_the_role_again(flow: Flow, visitor: Browser, db: Database) -> None:
    flow.signup("boss@example.com")
    with db.session_scope() as session:
        assert store.set_role(session, "boss@example.com", "admin")
    first = flow.code_tokens(visitor, "boss@example.com", "openid admin")
    assert first["scope"] == "admin openid"
    kept = flow.token(grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert kept["scope"] == "admin openid"
    with db.session_scope() as session:
        assert store.set_role(session, "boss@example.com", "user")
    demoted = flow.token(grant_type="refresh_token", refresh_token=kept["refresh_token"]).json()
    assert demoted["scope"] == "openid"
    assert _claims(demoted["access_token"])["scope"] == "openid"


def test_refresh_of_a_vanished_account_is_refused(
    flow: Flow, visitor: Browser, db: Database
) -> None:
    flow.signup("vanish@example.com")
    issued = flow.code_tokens(visitor, "vanish@example.com")["refresh_token"]
    _orphan(db, "vanish@example.com")
    resp = flow.token(grant_type="refresh_token", refresh_token=issued)
    _refused(resp, 400, "invalid_grant", "account no longer exists")


# --- client_credentials (RFC 6749 §4.4) ---


def test_client_credentials_only_for_confidential_clients_with_the_grant(
    flow: Flow, db: Database
) -> None:
    with db.session_scope() as session:
        auth_clients.register(
            session,
            client_id="public-svc",
            name="public",
            redirect_uris=[],
            grant_types=["client_credentials"],
            scopes=["trends:read"],
            public=True,
        )
    for client_id in ("test-app", "public-svc"):
        resp = flow.token(client_id, grant_type="client_credentials", scope="trends:read")
        _refused(resp, 400, "unauthorized_client", NOT_ALLOWED)


def test_client_credentials_scope_is_bounded_by_the_client(flow: Flow) -> None:
    everything = flow.token(
        "test-service", grant_type="client_credentials", scope="trends:read events:read"
    )
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == flow.server.settings.auth_access_token_ttl_s
    assert body["scope"] == "events:read trends:read"
    claims = _claims(body["access_token"])
    assert (claims["sub"], claims["client_id"]) == ("test-service", "test-service")
    assert "sid" not in claims
    for scope in ("trends:read admin", "no-such-scope", "trends:read news:read"):
        resp = flow.token("test-service", grant_type="client_credentials", scope=scope)
        _refused(resp, 400, "invalid_scope", "scope not allowed for this client")


# --- revocation (RFC 7009) ---


def test_revoke_needs_a_token(flow: Flow, api: httpx.Client) -> None:
    auth = ("test-app", flow.secrets["test-app"])
    for form in ({"token_type_hint": "refresh_token"}, {"token": ""}):
        resp = api.post("/revoke", data=form, auth=auth)
        _refused(resp, 400, "invalid_request", "token is required")
    _refused(
        api.post("/revoke", data={"token": "t"}, auth=("test-app", "wrong")),
        401,
        "invalid_client",
        "client authentication failed",
    )


def test_revoking_a_refresh_token_records_why(
    flow: Flow, visitor: Browser, db: Database, api: httpx.Client
) -> None:
    flow.signup("rv@example.com")
    got = flow.code_tokens(visitor, "rv@example.com")
    foreign = ("third-app", flow.secrets["third-app"])
    assert (
        api.post("/revoke", data={"token": got["refresh_token"]}, auth=foreign).status_code == 200
    )
    assert _reasons(db) == [None]  # another client's token is ignored
    auth = ("test-app", flow.secrets["test-app"])
    assert api.post("/revoke", data={"token": got["refresh_token"]}, auth=auth).status_code == 200
    assert _reasons(db) == ["revoked"]
    # The family's access token dies with it.
    bearer = {"Authorization": f"Bearer {got['access_token']}"}
    assert api.get("/me", headers=bearer).status_code == 401


def test_access_token_denial_lasts_until_the_token_expires(
    flow: Flow, visitor: Browser, db: Database, api: httpx.Client
) -> None:
    flow.signup("deny@example.com")
    got = flow.code_tokens(visitor, "deny@example.com")
    access = got["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    foreign = ("third-app", flow.secrets["third-app"])
    assert api.post("/revoke", data={"token": access}, auth=foreign).status_code == 200
    assert api.get("/me", headers=bearer).status_code == 200  # not the third app's to revoke
    auth = ("test-app", flow.secrets["test-app"])
    assert api.post("/revoke", data={"token": access}, auth=auth).status_code == 200
    with db.engine.connect() as conn:
        jti, until = conn.execute(
            text("SELECT jti, extract(epoch FROM expires_at)::bigint FROM auth.revoked_token")
        ).one()
    claims = _claims(access)
    assert (jti, until) == (claims["jti"], claims["exp"])
    # Maintenance keeps the denial while the token could still be used.
    with db.session_scope() as session:
        grants.prune(session)
    assert api.get("/me", headers=bearer).status_code == 401
    assert _reasons(db) == [None]  # only the access token was revoked, not the grant


def test_revoking_own_jwts_without_jti_or_exp(flow: Flow, db: Database, api: httpx.Client) -> None:
    """Tokens this server signed but never mints as access tokens: no jti is nothing to deny;
    one without exp is still denied by its jti. Both answer 200 (RFC 7009 §2.2)."""
    auth = ("test-app", flow.secrets["test-app"])
    base = {
        "iss": flow.server.issuer,
        "sub": str(uuid.uuid4()),
        "aud": "trendpath",
        "client_id": "test-app",
        "iat": int(time.time()),
    }
    with db.session_scope() as session:
        settings = flow.server.settings
        no_jti = tokens.sign(session, settings, {**base, "exp": int(time.time()) + 60})
        no_exp = tokens.sign(session, settings, {**base, "jti": "no-exp"})
    assert api.post("/revoke", data={"token": no_jti}, auth=auth).status_code == 200
    assert api.post("/revoke", data={"token": no_exp}, auth=auth).status_code == 200
    with db.engine.connect() as conn:
        denied = conn.execute(text("SELECT jti FROM auth.revoked_token")).scalars().all()
    assert denied == ["no-exp"]
