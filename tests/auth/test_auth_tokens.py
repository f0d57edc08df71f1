"""Token promises, checked through ``kit.auth`` in a separate little service (as every service
verifies tokens) and at the auth server itself: reuse, revocation, expiry, audience, issuer,
signature, ``alg=none``, unknown ``kid`` and key rotation."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import text

from trendpath.auth import keys, tokens
from trendpath.kit.auth import (
    LEEWAY_S,
    CurrentPrincipal,
    CurrentUser,
    JwksCache,
    TokenVerifier,
    issuer_url,
    require_scopes,
    unverified_header,
)
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app

from .conftest import Browser, Flow, Served


def probe_router() -> APIRouter:
    """A tiny protected service, as another team would write it."""
    router = APIRouter()

    @router.get("/whoami")
    async def whoami(user: CurrentUser) -> dict[str, Any]:
        return {"sub": user.subject, "scopes": sorted(user.scopes)}

    @router.get("/trends", dependencies=[require_scopes("trends:read")])
    async def trends() -> dict[str, bool]:
        return {"ok": True}

    @router.get("/any")
    async def any_principal(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"sub": principal.subject, "service": principal.is_service}

    return router


class Probe:
    """Calls the tiny service in-process; it fetches the JWKS over real HTTP."""

    def __init__(self, server: Served, database: Database) -> None:
        settings = server.settings.model_copy(update={"auth_url": server.issuer})
        self.runtime = Runtime(settings=settings, db=database, clients=ServiceClients(settings))
        spec = ServiceSpec(name="probe", title="probe", description="", routers=(probe_router(),))
        self.app = build_app(spec, settings, self.runtime)

        self.loop = asyncio.new_event_loop()

    def get(self, path: str, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://probe") as c:
                return await c.get(path, headers=headers)

        return self.loop.run_until_complete(go())

    def close(self) -> None:
        self.loop.run_until_complete(self.runtime.clients.aclose())
        self.loop.close()


@pytest.fixture
def probe(auth_server: Served, database: Database) -> Iterator[Probe]:
    p = Probe(auth_server, database)
    yield p
    p.close()


def forge(flow: Flow, db: Database, typ: str = "at+jwt", **overrides: Any) -> str:
    """A token signed with the server's real active key, with chosen claims."""
    now = int(time.time())
    claims = {
        "iss": flow.server.issuer,
        "sub": str(uuid.uuid4()),
        "aud": "trendpath",
        "client_id": "test-app",
        "scope": "trends:read",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        **overrides,
    }
    with db.session_scope() as session:
        return tokens.sign(session, flow.server.settings, claims, typ=typ)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_service_rejects_missing_and_accepts_valid_tokens(
    flow: Flow, visitor: Browser, probe: Probe
) -> None:
    flow.signup("svc@example.com")
    access = flow.code_tokens(visitor, "svc@example.com", "openid trends:read")["access_token"]
    missing = probe.get("/whoami")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["error"]["code"] == "unauthorized"
    assert probe.get("/whoami", "not-a-jwt").status_code == 401
    ok = probe.get("/whoami", access)
    assert ok.status_code == 200 and ok.json()["scopes"] == ["openid", "trends:read"]
    assert probe.get("/trends", access).status_code == 200


def test_missing_scope_is_403(flow: Flow, visitor: Browser, probe: Probe) -> None:
    flow.signup("scope@example.com")
    access = flow.code_tokens(visitor, "scope@example.com", "openid profile")["access_token"]
    resp = probe.get("/trends", access)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "insufficient_scope"
    assert 'scope="trends:read"' in resp.headers["www-authenticate"]


def test_service_token_is_a_principal_but_not_a_user(flow: Flow, probe: Probe) -> None:
    svc = flow.token("test-service", grant_type="client_credentials", scope="trends:read")
    access = svc.json()["access_token"]
    assert probe.get("/any", access).json() == {"sub": "test-service", "service": True}
    assert probe.get("/trends", access).status_code == 200
    assert probe.get("/whoami", access).status_code == 403


def test_refresh_token_reuse_revokes_the_family(
    flow: Flow, visitor: Browser, api: httpx.Client
) -> None:
    flow.signup("reuse@example.com")
    first = flow.code_tokens(visitor, "reuse@example.com")
    second = flow.token(grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    reused = flow.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # The legitimate newest token dies too, and so do the family's access tokens (here).
    latest = flow.token(grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert latest.status_code == 400
    for access in (first["access_token"], second["access_token"]):
        assert api.get("/me", headers={"Authorization": f"Bearer {access}"}).status_code == 401


def test_revoked_tokens_are_refused(flow: Flow, visitor: Browser, api: httpx.Client) -> None:
    flow.signup("revoke@example.com")
    got = flow.code_tokens(visitor, "revoke@example.com")
    auth = ("test-app", flow.secrets["test-app"])
    bearer = {"Authorization": f"Bearer {got['access_token']}"}
    assert api.get("/me", headers=bearer).status_code == 200
    # RFC 7009: revoking an access token; unknown tokens also answer 200 (§2.2).
    assert api.post("/revoke", data={"token": got["access_token"]}, auth=auth).status_code == 200
    assert api.post("/revoke", data={"token": "garbage"}, auth=auth).status_code == 200
    assert api.get("/me", headers=bearer).status_code == 401
    # Revoking the refresh token ends the grant.
    assert api.post("/revoke", data={"token": got["refresh_token"]}, auth=auth).status_code == 200
    refused = flow.token(grant_type="refresh_token", refresh_token=got["refresh_token"])
    assert refused.status_code == 400
    # Another client cannot revoke someone else's token.
    other = flow.code_tokens(visitor, "revoke@example.com")
    foreign = ("third-app", flow.secrets["third-app"])
    api.post("/revoke", data={"token": other["refresh_token"]}, auth=foreign)
    still = flow.token(grant_type="refresh_token", refresh_token=other["refresh_token"])
    assert still.status_code == 200


def test_expired_token_is_refused(flow: Flow, db: Database, probe: Probe) -> None:
    past = int(time.time()) - 600
    token = forge(flow, db, iat=past - 300, exp=past)
    resp = probe.get("/trends", token)
    assert resp.status_code == 401 and "expired" in resp.json()["error"]["message"]
    assert probe.get("/trends", forge(flow, db)).status_code == 200  # the control passes


def test_wrong_audience_is_refused(flow: Flow, db: Database, probe: Probe) -> None:
    assert probe.get("/trends", forge(flow, db, aud="some-other-api")).status_code == 401


def test_wrong_issuer_is_refused(flow: Flow, db: Database, probe: Probe) -> None:
    assert probe.get("/trends", forge(flow, db, iss="https://evil.example")).status_code == 401


def test_id_token_is_not_an_access_token(flow: Flow, db: Database, probe: Probe) -> None:
    assert probe.get("/trends", forge(flow, db, typ="JWT")).status_code == 401


def test_tampered_signature_is_refused(flow: Flow, db: Database, probe: Probe) -> None:
    token = forge(flow, db)
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "trends:read admin"
    assert probe.get("/trends", f"{head}.{_b64(claims)}.{sig}").status_code == 401
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    assert probe.get("/trends", f"{head}.{payload}.{flipped}").status_code == 401


def test_alg_none_is_refused(flow: Flow, db: Database, probe: Probe) -> None:
    token = forge(flow, db)
    head, payload, _ = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    for alg in ("none", "None", "HS256"):
        resp = probe.get("/trends", f"{_b64({**header, 'alg': alg})}.{payload}.")
        assert resp.status_code == 401
        assert resp.json()["error"]["message"] == "token algorithm not allowed"


def test_unknown_kid_refetches_once_then_refuses(flow: Flow, db: Database) -> None:
    rogue = RSAKey.generate_key(2048, private=True)
    claims = {
        "iss": flow.server.issuer,
        "sub": "x",
        "aud": "trendpath",
        "client_id": "test-app",
        "exp": int(time.time()) + 300,
        "jti": "j",
    }
    header = {"alg": "RS256", "kid": "ghost-key", "typ": "at+jwt"}
    forged = jwt.encode(header, claims, rogue, algorithms=["RS256"])
    verifier, cache = _verifier(flow, refetch_interval_s=60)

    async def go() -> list[int]:
        await verifier.verify(forge(flow, db))  # warm the cache
        counts = [cache.fetches]
        for _ in range(3):
            with pytest.raises(Exception, match="unknown key"):
                await verifier.verify(forged)
            counts.append(cache.fetches)
        return counts

    # One refetch for the unknown kid, then the throttle holds: random kids cannot flood the
    # auth service with JWKS requests.
    assert asyncio.run(go()) == [1, 2, 2, 2]


def _verifier(flow: Flow, refetch_interval_s: float) -> tuple[TokenVerifier, JwksCache]:
    async def fetch() -> dict[str, Any]:
        async with httpx.AsyncClient() as c:
            resp = await c.get(f"{flow.server.issuer}/.well-known/jwks.json")
        body: dict[str, Any] = resp.json()
        return body

    cache = JwksCache(fetch, refetch_interval_s=refetch_interval_s)
    settings = flow.server.settings
    return TokenVerifier(issuer_url(settings), settings.auth_audience, cache), cache


def test_key_rotation_keeps_old_tokens_valid_until_they_expire(
    flow: Flow, visitor: Browser, db: Database, api: httpx.Client
) -> None:
    from trendpath.auth import store

    flow.signup("admin@example.com")
    with db.session_scope() as session:
        assert store.set_role(session, "admin@example.com", "admin")
    old = flow.code_tokens(visitor, "admin@example.com", "openid admin")["access_token"]
    verifier, cache = _verifier(flow, refetch_interval_s=60)
    asyncio.run(verifier.verify(old))
    rotated = api.post("/admin/keys/rotate", headers={"Authorization": f"Bearer {old}"})
    assert rotated.status_code == 200, rotated.text
    new_kid = rotated.json()["kid"]
    new = flow.code_tokens(visitor, "admin@example.com", "openid admin")["access_token"]
    assert unverified_header(new)["kid"] == new_kid
    published = [k["kid"] for k in api.get("/.well-known/jwks.json").json()["keys"]]
    assert new_kid in published and len(published) == 2
    before = cache.fetches
    assert asyncio.run(verifier.verify(new)).subject  # unknown kid → one refetch → accepted
    assert cache.fetches == before + 1
    assert asyncio.run(verifier.verify(old)).subject  # the old key is still published
    # Once every token the old key signed has expired, the key is dropped from the JWKS.
    life = keys.max_token_life(flow.server.settings).total_seconds()
    with db.session_scope() as session:
        session.execute(
            text(
                "UPDATE auth.signing_key SET retired_at = now() - make_interval(secs => :s) "
                "WHERE retired_at IS NOT NULL"
            ),
            {"s": life + 1},
        )
        assert keys.prune(session, flow.server.settings) == 1
    assert [k["kid"] for k in api.get("/.well-known/jwks.json").json()["keys"]] == [new_kid]
    cache.max_age_s = 0
    with pytest.raises(Exception, match="unknown key"):
        asyncio.run(verifier.verify(old))


def test_private_keys_are_encrypted_at_rest(flow: Flow, db: Database) -> None:
    forge(flow, db)
    with db.engine.connect() as conn:
        blob = conn.execute(text("SELECT private_key FROM auth.signing_key")).scalar_one()
    assert b"PRIVATE KEY" not in bytes(blob)
    wrong = flow.server.settings.model_copy(update={"secret_key": "x" * 40})
    with db.session_scope() as session:
        kid = keys.active_key(session, flow.server.settings).kid
        row = session.execute(text("SELECT private_key FROM auth.signing_key")).scalar_one()
        with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
            keys.unseal(wrong, kid, bytes(row))


def test_maintenance_rotates_old_keys_and_prunes(auth_server: Served, db: Database) -> None:
    from trendpath.auth.app import maintain

    runtime = auth_server.runtime
    first = maintain(runtime)
    assert first["rotated"] == 0  # the first key is created, not rotated
    assert maintain(runtime)["rotated"] == 0  # a young key stays
    days = auth_server.settings.auth_key_rotation_days
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE auth.signing_key SET created_at = now() - make_interval(days => :d)"),
            {"d": days + 1},
        )
    assert maintain(runtime)["rotated"] == 1
    with db.engine.connect() as conn:
        states = conn.execute(
            text("SELECT retired_at IS NULL FROM auth.signing_key ORDER BY created_at")
        ).scalars()
        assert list(states) == [False, True]  # the old key is retired, still published


def test_verified_tokens_are_remembered_until_expiry_or_a_new_key_set(
    flow: Flow, db: Database
) -> None:
    verifier, cache = _verifier(flow, refetch_interval_s=60)
    token = forge(flow, db)
    first = asyncio.run(verifier.verify(token))
    checks: list[str] = []
    original = verifier.rules.principal

    def counting(token: str, keys: Any) -> Any:
        checks.append(token)
        return original(token, keys)

    verifier.rules.principal = counting  # type: ignore[method-assign]
    again = asyncio.run(verifier.verify(token))
    assert again == first and checks == []  # served from the cache: no signature check
    cache.generation += 1  # what a JWKS refetch does
    assert asyncio.run(verifier.verify(token)) == first and checks == [token]
    verifier.cache_ttl_s = -1.0
    verifier._verified.clear()
    asyncio.run(verifier.verify(token))
    asyncio.run(verifier.verify(token))
    assert checks == [token] * 3  # entries past their lifetime are checked again
    verifier.cache_size = 2
    verifier.cache_ttl_s = 60.0
    for t in (forge(flow, db, jti="a"), forge(flow, db, jti="b"), forge(flow, db, jti="c")):
        asyncio.run(verifier.verify(t))
    assert len(verifier._verified) == 2


def test_a_remembered_token_still_expires(flow: Flow, db: Database) -> None:
    verifier, _ = _verifier(flow, refetch_interval_s=60)
    dies_at = int(time.time()) + 4  # exp + leeway: valid for a few seconds
    dying = forge(flow, db, exp=dies_at - LEEWAY_S)
    assert asyncio.run(verifier.verify(dying)).subject
    time.sleep(max(0.0, dies_at + 1.2 - time.time()))
    with pytest.raises(Exception, match="expired"):
        asyncio.run(verifier.verify(dying))
