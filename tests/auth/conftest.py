"""Fixtures for the OAuth Service: a real combined server whose issuer matches its port, a
browser with per-origin cookie jars, registered test clients and a small flow driver."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest
from starlette.types import ASGIApp

from support import Deferred, LiveServer
from trendpath.auth import clients as auth_clients
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

PASSWORD = "correct horse battery staple"
LOOPBACK_CB = "http://127.0.0.1/cb"
FAST_HASHING = {"auth_argon2_time_cost": 1, "auth_argon2_memory_kib": 1024}


@dataclass
class Served:
    """A running server and what built it."""

    url: str
    issuer: str
    settings: Settings
    runtime: Runtime


def serve(
    build: Callable[[Settings, Runtime], ASGIApp],
    settings: Settings,
    database: Database,
    issuer_path: str,
) -> Iterator[Served]:
    """Start ``build``'s app on a free port with ``public_url``/issuer pointing at that port."""
    deferred = Deferred()
    server = LiveServer(deferred)
    update: dict[str, Any] = {"public_url": server.url}
    if not issuer_path:
        update["auth_issuer"] = server.url
    live = settings.model_copy(update=update)
    runtime = Runtime(settings=live, db=database, clients=ServiceClients(live))
    deferred.app = build(live, runtime)
    with server:
        yield Served(server.url, server.url + issuer_path, live, runtime)


@pytest.fixture(scope="session")
def auth_settings(settings: Settings) -> Settings:
    """Test settings with cheap argon2 (allowed in env=test only)."""
    return settings.model_copy(update=FAST_HASHING)


def auth_and_dashboard(settings: Settings, runtime: Runtime) -> ASGIApp:
    """The auth service at ``/api/auth`` and the dashboard at ``/``, mounted as ``trendpath run``
    mounts them (the other services are left out so their state cannot disturb these tests)."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from trendpath.auth.app import create_app as create_auth
    from trendpath.web.app import create_app as create_web

    auth = create_auth(settings, runtime)
    runtime.clients.apps["auth"] = auth
    web = create_web(settings, runtime)
    return Starlette(routes=[Mount("/api/auth", app=auth), Mount("/", app=web)])


@pytest.fixture(scope="session")
def auth_server(auth_settings: Settings, database: Database) -> Iterator[Served]:
    """The auth service and the dashboard on one real port, issuer matching that port."""
    yield from serve(auth_and_dashboard, auth_settings, database, "/api/auth")


@pytest.fixture(scope="session")
def run_server(auth_settings: Settings, database: Database) -> Iterator[Served]:
    """Every service and the dashboard on one port, exactly as ``trendpath run`` serves them."""
    from trendpath.combined import create_combined_app

    yield from serve(create_combined_app, auth_settings, database, "/api/auth")


@pytest.fixture
def api(auth_server: Served, db: Database) -> Iterator[httpx.Client]:
    """An HTTP client on the auth service (tables are emptied after the test)."""
    with httpx.Client(base_url=auth_server.issuer, timeout=30) as client:
        yield client


class Browser:
    """Cookie jars per origin and manual redirects: what a browser does across servers."""

    def __init__(self) -> None:
        self.jars: dict[str, httpx.Client] = {}

    def client(self, url: str) -> httpx.Client:
        """The client (cookie jar) of ``url``'s origin."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.jars:
            self.jars[origin] = httpx.Client(timeout=30, follow_redirects=False)
        return self.jars[origin]

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET ``url`` with that origin's cookies."""
        return self.client(url).get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST to ``url`` with that origin's cookies."""
        return self.client(url).post(url, **kwargs)

    def follow(self, resp: httpx.Response, until: str, limit: int = 10) -> str | httpx.Response:
        """Follow redirects; return the first location starting with ``until`` (not fetched),
        or the first non-redirect response."""
        for _ in range(limit):
            if resp.status_code not in (301, 302, 303, 307, 308):
                return resp
            location = urljoin(str(resp.url), resp.headers["location"])
            if location.startswith(until):
                return location
            resp = self.get(location)
        raise AssertionError("too many redirects")

    def close(self) -> None:
        """Close every jar."""
        for client in self.jars.values():
            client.close()


@pytest.fixture
def browsers() -> Iterator[Callable[[], Browser]]:
    """A factory of fresh browsers (all closed after the test)."""
    made: list[Browser] = []

    def make() -> Browser:
        made.append(Browser())
        return made[-1]

    yield make
    for b in made:
        b.close()


@pytest.fixture
def visitor(browsers: Callable[[], Browser]) -> Browser:
    """A fresh browser."""
    return browsers()


def csrf_of(html: str) -> str:
    """The CSRF token of the first form in a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf token in page"
    return found.group(1)


def next_of(html: str) -> str:
    """The hidden ``next`` field of a sign-in or sign-up form (HTML-unescaped)."""
    found = re.search(r'name="next" value="([^"]*)"', html)
    assert found, "no next field in page"
    return found.group(1).replace("&amp;", "&")


def pkce() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Flow:
    """Drives the server the way clients and users do."""

    server: Served
    api: httpx.Client
    secrets: dict[str, str]

    def signup(self, email: str, password: str = PASSWORD, name: str = "테스트") -> dict[str, Any]:
        """Create an account through the JSON API."""
        resp = self.api.post(
            "/accounts", json={"email": email, "password": password, "display_name": name}
        )
        assert resp.status_code == 201, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def login(self, visitor: Browser, email: str, password: str = PASSWORD) -> httpx.Response:
        """Sign the browser in at the auth server's login form."""
        page = visitor.get(f"{self.server.issuer}/login")
        return visitor.post(
            f"{self.server.issuer}/login",
            data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        )

    def authorize(
        self,
        visitor: Browser,
        client_id: str = "test-app",
        redirect_uri: str = LOOPBACK_CB,
        scope: str = "openid profile email account",
        challenge: str | None = None,
        **extra: str,
    ) -> dict[str, str]:
        """Run the authorization request; the query the client's redirect URI received."""
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": "st-1",
            "code_challenge": challenge or pkce()[1],
            "code_challenge_method": "S256",
            **extra,
        }
        params = {k: v for k, v in params.items() if v != ""}
        resp = visitor.get(f"{self.server.issuer}/authorize?{urlencode(params)}")
        landed = visitor.follow(resp, redirect_uri.split("/cb")[0])
        assert isinstance(landed, str), f"no redirect to the client: {landed}"
        return {k: v[0] for k, v in parse_qs(urlsplit(landed).query).items()}

    def token(self, client_id: str = "test-app", **data: str) -> httpx.Response:
        """POST to the token endpoint with the client's credentials (Basic)."""
        secret = self.secrets.get(client_id)
        auth = (client_id, secret) if secret else None
        if auth is None:
            data = {"client_id": client_id, **data}
        return self.api.post("/token", data=data, auth=auth)

    def code_tokens(
        self, visitor: Browser, email: str, scope: str = "openid profile email account"
    ) -> dict[str, Any]:
        """Sign in, authorize and exchange the code: the token response."""
        self.login(visitor, email)
        verifier, challenge = pkce()
        got = self.authorize(visitor, scope=scope, challenge=challenge)
        resp = self.token(
            grant_type="authorization_code",
            code=got["code"],
            redirect_uri=LOOPBACK_CB,
            code_verifier=verifier,
        )
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body


@pytest.fixture
def flow(auth_server: Served, api: httpx.Client, database: Database) -> Flow:
    """Registered test clients plus the flow driver."""
    made: dict[str, str] = {}
    with database.session_scope() as session:
        for client_id, grants, public, first_party, scopes in (
            ("test-app", ["authorization_code", "refresh_token"], False, True, None),
            ("test-spa", ["authorization_code", "refresh_token"], True, True, None),
            ("third-app", ["authorization_code"], False, False, None),
            ("test-service", ["client_credentials"], False, True, ["trends:read", "events:read"]),
        ):
            secret = auth_clients.register(
                session,
                client_id=client_id,
                name=f"{client_id} 앱",
                redirect_uris=[LOOPBACK_CB, "https://app.example/cb"],
                grant_types=grants,
                scopes=scopes or ["openid", "profile", "email", "account", "trends:read", "admin"],
                public=public,
                first_party=first_party,
                post_logout_redirect_uris=["https://app.example/bye"],
            )
            if secret:
                made[client_id] = secret
    return Flow(auth_server, api, made)
