"""Fixtures for the User Service: a real combined server (all services in-process, a real port),
users who sign up and sign in through the auth service (authorization code + PKCE with the
built-in dashboard client), and a local HTTP server replaying the connectors' recorded answers."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import text
from starlette.types import ASGIApp

from support import Deferred, LiveServer, truncate_all
from trendpath.kit.auth import WEB_CLIENT_ID, builtin_client_secret
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery staple"
USER_SCOPES = "openid users:read users:write"
API = "/api/users/v1"


class Recorded:
    """A local HTTP server answering from recorded files: ``routes[path]`` is a list of
    (status, headers, body) answers served in turn (the last one repeats)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                outer.requests.append((parts.path, parse_qs(parts.query)))
                answers = outer.routes.get(parts.path) or [(404, {}, b"not found")]
                status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path: str, *answers: tuple[int, dict[str, str], bytes]) -> None:
        """Answer ``path`` with ``answers`` in turn."""
        self.routes[path] = list(answers)
        self.requests.clear()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def fixture_bytes(name: str) -> bytes:
    """A recorded answer from tests/users/fixtures."""
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session")
def recorded() -> Iterator[Recorded]:
    """The session's recorded-answer server."""
    server = Recorded()
    yield server
    server.close()


@dataclass
class Served:
    """The running combined server."""

    url: str
    settings: Settings
    runtime: Runtime
    db: Database
    apps: dict[str, ASGIApp] = field(default_factory=dict)


@pytest.fixture(scope="session")
def users_server(settings: Settings, database: Database, recorded: Recorded) -> Iterator[Served]:
    """Every service on one real port, with an A/B experiment and connectors pointing at the
    recorded-answer server."""
    from trendpath.combined import create_combined_app

    deferred = Deferred()
    server = LiveServer(deferred)
    live = settings.model_copy(
        update={
            "public_url": server.url,
            "auth_argon2_time_cost": 1,
            "auth_argon2_memory_kib": 1024,
            "auth_signup_per_ip": 100_000,
            "users_ab_variants": "similarity=50,momentum=50",
            "users_kmooc_service_key": "kmooc-test-key%2B%3D%3D",
            "users_kmooc_url": f"{recorded.url}/kmooc/courseList_v2_0",
            "users_seoji_cert_key": "seoji-test-key",
            "users_seoji_url": f"{recorded.url}/seoji/SearchApi.do",
            "users_aladin_ttb_key": "ttb-test-key",
            "users_aladin_url": f"{recorded.url}/aladin/ItemSearch.aspx",
            "users_connector_backoff_base_s": 0.01,
        }
    )
    runtime = Runtime(settings=live, db=database, clients=ServiceClients(live))
    deferred.app = create_combined_app(live, runtime)
    with server:
        yield Served(server.url, live, runtime, database, dict(runtime.clients.apps))


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class User:
    """A signed-up user and an API client carrying their access token."""

    id: uuid.UUID
    email: str
    token: str
    api: httpx.Client


def sign_up(served: Served, email: str, scope: str = USER_SCOPES, admin: bool = False) -> User:
    """Create an account, sign in and run the code + PKCE flow of the dashboard client."""
    issuer = served.url + "/api/auth"
    with httpx.Client(timeout=30, follow_redirects=False) as browser:
        made = browser.post(
            f"{issuer}/accounts",
            json={"email": email, "password": PASSWORD, "display_name": "테스트"},
        )
        assert made.status_code == 201, made.text
        if admin:
            with served.db.engine.begin() as conn:
                conn.execute(
                    text("UPDATE auth.account SET role = 'admin' WHERE email = :e"), {"e": email}
                )
        page = browser.get(f"{issuer}/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf, "no csrf token on the login page"
        login = browser.post(
            f"{issuer}/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf.group(1)},
        )
        assert login.status_code == 303, login.text
        verifier, challenge = _pkce()
        redirect_uri = f"{served.url}/auth/callback"
        query = {
            "response_type": "code",
            "client_id": WEB_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        landed = browser.get(f"{issuer}/authorize?{urlencode(query)}")
        assert landed.status_code in (302, 303), landed.text
        code = parse_qs(urlsplit(landed.headers["location"]).query)["code"][0]
        secret = builtin_client_secret(served.settings, WEB_CLIENT_ID)
        tokens = browser.post(
            f"{issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            auth=(WEB_CLIENT_ID, secret),
        )
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
    api = httpx.Client(
        base_url=served.url + API,
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=60,
    )
    me = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "=="))
    return User(uuid.UUID(me["sub"]), email, body["access_token"], api)


def forget_keys(served: Served) -> None:
    """Drop the server's cached JWKS and service tokens.

    Tests empty every table between them, signing keys included; a long-lived server would
    otherwise keep verifying against (and presenting tokens signed by) keys that no longer exist.
    """
    for key in [k for k in served.runtime.extras if k.startswith("kit.auth.")]:
        served.runtime.extras.pop(key, None)


@pytest.fixture
def users(users_server: Served, db: Database) -> Iterator[Callable[..., User]]:
    """A factory of signed-in users (tables are emptied after the test)."""
    forget_keys(users_server)
    made: list[User] = []

    def make(name: str | None = None, **kwargs: Any) -> User:
        email = f"{name or uuid.uuid4().hex[:10]}@example.com"
        user = sign_up(users_server, email, **kwargs)
        made.append(user)
        return user

    yield make
    for user in made:
        user.api.close()


PROFILE: dict[str, Any] = {
    "status": "career_changer",
    "field": "경영학",
    "education": "bachelor",
    "weekly_hours": 8,
    "region": "seoul",
    "interests": ["ai", "data", "software_development"],
    "skills": {"python": 2, "math_statistics": 3, "communication": 4},
    "extras": {"target_role": "데이터 분석가", "languages": ["ko", "en"]},
}


def side_runtime(served: Served) -> Runtime:
    """A runtime for calling the live server's services from the test thread, over real HTTP.

    Not in-process: an ASGI app driven from a short-lived event loop would leave its request
    sessions open (their clean-up runs after the answer, on a loop that is gone by then).
    """
    urls = {f"{s}_url": f"{served.url}/api/{s}" for s in ("auth", "users", "news", "trends", "ai")}
    settings = served.settings.model_copy(update=urls)
    return Runtime(settings=settings, db=served.db, clients=ServiceClients(settings))


def seed_trends(served: Served) -> None:
    """Load the demo trends and embed them through the AI service (as `trendpath run` does)."""
    from trendpath.ai.aliases import load_aliases
    from trendpath.ai.korean import kiwi
    from trendpath.demo import ensure_demo
    from trendpath.trends.vectors import refresh_trend_vectors

    truncate_all(served.db)
    forget_keys(served)
    # What the AI service's warm-up job does at start-up (background jobs are off in tests): on
    # a busy machine loading Kiwi inside the first embedding request outlasts its timeout.
    kiwi()
    load_aliases()
    list(ensure_demo(served.runtime))
    seeding = side_runtime(served)

    async def embed() -> int:
        try:
            return await refresh_trend_vectors(seeding)
        finally:
            await seeding.clients.aclose()

    assert asyncio.run(embed()) > 0
