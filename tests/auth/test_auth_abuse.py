"""Bad input and abuse: secret guessing, password guessing, user enumeration, IDOR, policy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import text

from trendpath.auth import ratelimit
from trendpath.auth.app import create_app
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

from .conftest import PASSWORD, Browser, Flow, csrf_of


def _unblock(db: Database) -> None:
    """Let the back-off run out (what waiting Retry-After seconds does)."""
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE auth.rate_limit SET blocked_until = now() - interval '1 s'"))


def test_client_secret_brute_force_is_rate_limited(
    flow: Flow, api: httpx.Client, db: Database
) -> None:
    limit = flow.server.settings.auth_client_max_failures
    body = {"grant_type": "client_credentials", "scope": "trends:read"}
    for i in range(limit):
        resp = api.post("/token", data=body, auth=("test-service", f"guess-{i}"))
        assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
        assert resp.headers["www-authenticate"].startswith("Basic")
    blocked = api.post("/token", data=body, auth=("test-service", "guess-x"))
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= flow.server.settings.auth_backoff_max_s
    # While blocked even the right secret is refused: the block is no oracle.
    right = ("test-service", flow.secrets["test-service"])
    assert api.post("/token", data=body, auth=right).status_code == 429
    _unblock(db)
    assert api.post("/token", data=body, auth=right).status_code == 200


def _login(visitor: Browser, issuer: str, email: str, password: str, ip: str) -> httpx.Response:
    page = visitor.get(f"{issuer}/login")
    return visitor.post(
        f"{issuer}/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        headers={"X-Forwarded-For": ip},
    )


def test_password_guessing_backs_off_but_cannot_lock_the_owner_out(
    flow: Flow, visitor: Browser, db: Database, browsers: Callable[[], Browser]
) -> None:
    settings = flow.server.settings
    issuer = flow.server.issuer
    flow.signup("victim@example.com")
    owner, stranger, again = browsers(), browsers(), browsers()
    ok = _login(owner, issuer, "victim@example.com", PASSWORD, "198.51.100.7")
    assert ok.status_code == 303
    # Attackers spread over several addresses until the account-wide limit blocks.
    statuses = []
    for i in range(settings.auth_account_max_failures + 5):
        ip = f"203.0.113.{i // settings.auth_login_max_failures}"
        statuses.append(
            _login(visitor, issuer, "victim@example.com", "wrong-pass-1", ip).status_code
        )
    assert statuses[0] == 401 and statuses[-1] == 429
    refused = _login(stranger, issuer, "victim@example.com", PASSWORD, "192.0.2.1")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) <= settings.auth_backoff_max_s
    # The owner's own device (it signed in before) is not locked out by strangers' failures.
    ok = _login(owner, issuer, "victim@example.com", PASSWORD, "198.51.100.7")
    assert ok.status_code == 303
    # And the back-off ends: once it runs out, anyone with the password gets in.
    _unblock(db)
    assert _login(again, issuer, "victim@example.com", PASSWORD, "192.0.2.1").status_code == 303


def test_backoff_grows_exponentially_and_is_capped(db: Database) -> None:
    limit = ratelimit.Limit(max_failures=3, window_s=900, base_s=10, max_s=60)
    key = ratelimit.bucket("login:acct", "cap@example.com")
    with db.session_scope() as session:
        blocks = [ratelimit.record_failure(session, key, limit) for _ in range(8)]
        waited = ratelimit.retry_after(session, [key])
    assert blocks == [0, 0, 10, 20, 40, 60, 60, 60]
    assert 55 <= waited <= 60
    with db.session_scope() as session:
        session.execute(text("UPDATE auth.rate_limit SET updated_at = now() - interval '1 hour'"))
        # A quiet window later the count starts over.
        assert ratelimit.record_failure(session, key, limit) == 0
    with db.engine.connect() as conn:
        assert "cap@example.com" not in str(
            conn.execute(text("SELECT * FROM auth.rate_limit")).all()
        )


@pytest.fixture
def heavy(settings: Settings, database: Database) -> Iterator[httpx.AsyncClient]:
    """The auth app in-process with production-strength argon2 (timing is measurable)."""
    strong = settings.model_copy(
        update={
            "auth_argon2_time_cost": 2,
            "auth_argon2_memory_kib": 19456,
            "auth_login_max_failures": 1000,
            "auth_account_max_failures": 1000,
            "auth_ip_max_failures": 1000,
        }
    )
    runtime = Runtime(settings=strong, db=database, clients=ServiceClients(strong))
    app = create_app(strong, runtime)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://auth")
    yield client


def test_unknown_email_and_wrong_password_look_the_same(
    heavy: httpx.AsyncClient, db: Database
) -> None:
    async def go() -> tuple[list[httpx.Response], list[float], list[float]]:
        created = await heavy.post(
            "/accounts",
            json={"email": "known@example.com", "password": PASSWORD, "display_name": "가"},
        )
        assert created.status_code == 201
        page = await heavy.get("/login")
        token = csrf_of(page.text)
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        responses = []
        for _ in range(8):
            for kind in ("known", "unknown"):
                start = time.perf_counter()
                resp = await heavy.post(
                    "/login",
                    data={
                        "email": f"{kind}@example.com",
                        "password": "wrong-password-9",
                        "csrf_token": token,
                    },
                )
                timings[kind].append(time.perf_counter() - start)
                responses.append(resp)
        return responses, timings["known"], timings["unknown"]

    responses, known, unknown = asyncio.run(go())
    bodies = {
        r.text.replace("unknown@example.com", "E").replace("known@example.com", "E")
        for r in responses
    }
    assert {r.status_code for r in responses} == {401}
    assert len(bodies) == 1 and "이메일 또는 비밀번호가 맞지 않아요" in bodies.pop()
    # The fastest of eight tries is each path's own cost: hashing threads run at a lower
    # priority, so a test running beside this one can stretch any single try tenfold (a CI run
    # saw medians of 0.10 s against 0.35 s, while both fastest tries were 0.03 s). Without the
    # dummy hash an unknown email would answer ~10x faster (no argon2 at all).
    ratio = min(unknown) / min(known)
    assert 0.5 < ratio < 2.0, (known, unknown)


def test_user_cannot_read_another_users_profile(flow: Flow, visitor: Browser, db: Database) -> None:
    a = flow.signup("a@example.com", name="에이")
    b = flow.signup("b@example.com", name="비")
    token_a = flow.code_tokens(visitor, "a@example.com", "openid profile")["access_token"]
    bearer = {"Authorization": f"Bearer {token_a}"}
    assert flow.api.get(f"/users/{a['id']}", headers=bearer).status_code == 200
    other = flow.api.get(f"/users/{b['id']}", headers=bearer)
    assert other.status_code == 404 and "비" not in other.text
    from trendpath.auth import store

    with db.session_scope() as session:
        store.set_role(session, "a@example.com", "admin")
    assert flow.api.get(f"/users/{b['id']}", headers=bearer).json()["display_name"] == "비"


def test_password_policy_and_email_normalisation(flow: Flow, api: httpx.Client) -> None:
    def sign_up(email: str, password: str) -> httpx.Response:
        return api.post(
            "/accounts", json={"email": email, "password": password, "display_name": "정책"}
        )

    short = sign_up("p@example.com", "short1!")
    assert short.status_code == 400 and short.json()["error"]["code"] == "weak_password"
    assert "10자" in short.json()["error"]["message"]
    common = sign_up("p@example.com", "Password123")
    assert common.status_code == 400 and "흔한" in common.json()["error"]["message"]
    assert sign_up("p@example.com", "aaaaaaaaaaaa").status_code == 400
    assert sign_up("not-an-email", PASSWORD).json()["error"]["code"] == "invalid_email"
    made = sign_up("  Mixed.Case@Example.COM ", PASSWORD)
    assert made.status_code == 201 and made.json()["email"] == "mixed.case@example.com"
    dup = sign_up("MIXED.case@example.com", PASSWORD)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "email_taken"


def test_refused_sign_ups_count_toward_the_per_ip_limit(
    flow: Flow, api: httpx.Client, settings: Settings
) -> None:
    """A 409 reveals that an email has an account, so refused attempts count (docs/auth.md)."""
    body = {"email": "taken@example.com", "password": PASSWORD, "display_name": "중복"}
    first = api.post("/accounts", json=body)
    assert first.status_code in (201, 429)
    answers = [api.post("/accounts", json=body) for _ in range(settings.auth_signup_per_ip + 1)]
    codes = [r.status_code for r in answers]
    assert 429 in codes and set(codes) <= {409, 429}
    blocked = answers[codes.index(429)]
    assert int(blocked.headers["Retry-After"]) > 0
    assert codes[codes.index(429) :] == [429] * (len(codes) - codes.index(429))


def test_oversized_and_malformed_bodies_are_precise_4xx(api: httpx.Client, flow: Flow) -> None:
    huge = api.post(
        "/token",
        content=b"a=" + b"x" * 2_000_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert huge.status_code == 413
    bad = api.post("/accounts", json={"email": "x@example.com"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    malformed = api.post(
        "/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic !!!"}
    )
    assert malformed.status_code == 401 and malformed.json()["error"] == "invalid_client"


def test_weak_argon2_parameters_are_refused_outside_tests(settings: Settings) -> None:
    from trendpath.auth.passwords import passwords_for
    from trendpath.kit.errors import ConfigError

    prod = settings.model_copy(update={"env": "prod", "secret_key": "s" * 40})
    weak = prod.model_copy(update={"auth_argon2_time_cost": 1, "auth_argon2_memory_kib": 8192})
    with pytest.raises(ConfigError, match="too weak"):
        passwords_for(weak)
    # Any configuration from the OWASP list is accepted, e.g. 46 MiB with one pass.
    alt = prod.model_copy(update={"auth_argon2_time_cost": 1, "auth_argon2_memory_kib": 47104})
    assert passwords_for(alt).hasher.memory_cost == 47104
    assert passwords_for(weak.model_copy(update={"env": "test"})).hasher.time_cost == 1
