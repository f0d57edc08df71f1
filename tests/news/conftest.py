"""Fixtures for the News Service's storage, worker and API tests.

* ``feeds``: a real HTTP server on 127.0.0.1 serving feeds (routes set per test).
* ``news_server``: every service on one real port, with settings that let the SSRF guard through
  to 127.0.0.1 (the session's ``live_server`` has no such allow-list).
* ``news``: per test - a few catalog trends in the trend service, OAuth clients for tokens, and a
  worker runner that talks to the services over real HTTP, as a worker in its own container does.
  Tables are emptied after each test (the ``db`` fixture).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text

from support import LiveServer
from trendpath.auth import clients as auth_clients
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.news import store
from trendpath.news.worker import CycleReport, Worker

FIXTURES = Path(__file__).parent / "fixtures"
TRENDS = ("generative-ai", "ai-semiconductor", "secondary-battery", "fintech")
NEWS_SETTINGS: dict[str, Any] = {
    "news_allow_hosts": "127.0.0.1",
    "news_host_min_gap_s": 0.0,
    "news_jitter": 0.0,
    "news_fetch_read_timeout_s": 5.0,
    "news_fetch_total_timeout_s": 8.0,
}
Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server: Any = self.server
        path = urlsplit(self.path).path
        with server.lock:
            server.hits.append((path, dict(self.headers.items())))
        route = server.routes.get(path)
        (route or (lambda h: send(h, 404, b"missing")))(self)

    def log_message(self, *args: object) -> None:
        pass


def send(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    """Answer with ``status``, ``body`` and headers (``content_type`` -> ``Content-Type``)."""
    try:
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name.replace("_", "-"), value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    except OSError:
        pass  # the client went away (a killed worker)


def rss(items: list[dict[str, str]], title: str = "테스트 피드") -> bytes:
    """An RSS 2.0 document from item dicts (title, link, guid, description, pubDate)."""
    parts = [
        f"<rss version='2.0'><channel><title>{title}</title><link>https://t.example.kr/</link>"
    ]
    for item in items:
        fields = "".join(f"<{k}>{v}</{k}>" for k, v in item.items())
        parts.append(f"<item>{fields}</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>' + "".join(parts) + "</channel></rss>").encode()


class FeedServer:
    """Serves routes on 127.0.0.1 and records every request (path, headers)."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()  # set to let "slow" routes answer at once
        self.httpd.routes = self.routes  # type: ignore[attr-defined]
        self.httpd.hits = self.hits  # type: ignore[attr-defined]
        self.httpd.lock = self.lock  # type: ignore[attr-defined]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        """The absolute URL of ``path``."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, body: bytes, content_type: str = "application/rss+xml") -> None:
        """Serve ``body`` at ``path`` (200, no validators)."""
        self.routes[path] = lambda h: send(h, 200, body, content_type=content_type)

    def serve_file(self, path: str, name: str) -> None:
        """Serve the fixture file ``name`` at ``path``."""
        self.serve(path, (FIXTURES / name).read_bytes())

    def count(self, path: str) -> int:
        """Requests seen for ``path``."""
        with self.lock:
            return sum(1 for p, _ in self.hits if p == path)

    def reset(self) -> None:
        """Forget routes and hits."""
        self.release.set()
        with self.lock:
            self.routes.clear()
            self.hits.clear()
        self.release = threading.Event()


@pytest.fixture(scope="session")
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.release.set()
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def feeds(feed_server: FeedServer) -> Iterator[FeedServer]:
    """The feed server, with no routes at the start of the test."""
    feed_server.reset()
    yield feed_server
    feed_server.reset()


@dataclass
class NewsServer:
    """Every service on one port, set up for feeds on 127.0.0.1."""

    url: str
    settings: Settings
    runtime: Runtime


@pytest.fixture(scope="session")
def news_server(settings: Settings, database: Database) -> Iterator[NewsServer]:
    from trendpath.combined import create_combined_app

    live = settings.model_copy(update=NEWS_SETTINGS)
    runtime = Runtime(settings=live, db=database, clients=ServiceClients(live))
    with LiveServer(create_combined_app(live, runtime)) as server:
        yield NewsServer(server.url, live, runtime)


def seed_trends(database: Database, slugs: tuple[str, ...] = TRENDS) -> None:
    """Put catalog trends into the trend service's tables (as its catalog sync does)."""
    from trendpath.trends.catalog import catalog_by_slug
    from trendpath.trends.demo_data import trend_row
    from trendpath.trends.store import upsert_trends

    catalog = catalog_by_slug()
    with database.session_scope() as session:
        upsert_trends(session, [trend_row(catalog[s]) for s in slugs])


@dataclass
class News:
    """Per-test helpers: tokens, API clients, feeds and worker cycles."""

    server: NewsServer
    db: Database
    feeds: FeedServer
    secrets: dict[str, str] = field(default_factory=dict)

    def client(self, client_id: str, scopes: list[str]) -> None:
        """Register a client-credentials OAuth client with ``scopes``."""
        with self.db.session_scope() as session:
            secret = auth_clients.register(
                session,
                client_id=client_id,
                name=f"{client_id} 테스트",
                redirect_uris=["http://127.0.0.1/cb"],
                grant_types=["client_credentials"],
                scopes=scopes,
                public=False,
            )
        assert secret is not None
        self.secrets[client_id] = secret

    def token(self, client_id: str, scope: str) -> str:
        """An access token for a registered client."""
        resp = httpx.post(
            f"{self.server.url}/api/auth/token",
            data={"grant_type": "client_credentials", "scope": scope},
            auth=(client_id, self.secrets[client_id]),
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        return str(resp.json()["access_token"])

    def api(self, token: str | None) -> httpx.Client:
        """A client on the news service's API, with a bearer token if given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=f"{self.server.url}/api/news", headers=headers, timeout=60)

    def worker_settings(self, **overrides: Any) -> Settings:
        """Settings of a worker that reaches the services over HTTP (its own container)."""
        base = self.server.url + "/api/"
        urls = {f"{s}_url": base + s for s in ("auth", "trends", "ai", "users", "news")}
        return self.server.settings.model_copy(update={**urls, **overrides})

    def add_feed(self, path: str, title: str = "") -> int:
        """Register the feed server's ``path`` directly in the store; its id."""
        with self.db.session_scope() as session:
            row = store.add_feed(session, self.feeds.url(path), added_by="test", title=title)
        assert row is not None
        return int(row.id)

    def cycle(
        self, now: dt.datetime | None = None, owner: str | None = None, **overrides: Any
    ) -> CycleReport:
        """One worker cycle with a fresh runtime (its own event loop and HTTP clients)."""
        live = self.worker_settings(**overrides)

        async def run() -> CycleReport:
            runtime = Runtime(settings=live, db=self.db, clients=ServiceClients(live))
            try:
                return await Worker(runtime, owner=owner).run_once(now)
            finally:
                await runtime.clients.aclose()

        return asyncio.run(run())

    def scalar(self, sql: str, **params: Any) -> Any:
        """One value from the database."""
        with self.db.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, stmt: Any, **params: Any) -> list[Any]:
        """All rows of a query (SQL text or a SQLAlchemy statement)."""
        query = text(stmt) if isinstance(stmt, str) else stmt
        with self.db.engine.connect() as conn:
            return list(conn.execute(query, params))


@pytest.fixture
def news(news_server: NewsServer, db: Database, feeds: FeedServer) -> News:
    # The tables of the last test (the auth keys among them) are gone: drop what the server cached
    # from them (JWKS, service tokens signed with a deleted key, the trend catalog).
    for key in list(news_server.runtime.extras):
        if key.startswith(("kit.auth.", "news.")):
            news_server.runtime.extras.pop(key, None)
    seed_trends(db)
    helper = News(news_server, db, feeds)
    helper.client("news-admin", ["admin", "news:read", "news:write"])
    helper.client("news-reader", ["news:read"])
    helper.client("news-service", ["news:read", "news:write"])
    return helper
