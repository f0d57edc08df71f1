"""The news worker (``trendpath news worker``) killed with SIGKILL inside a feed's store step.

tests/news kills a worker while it waits on slow feeds (nothing written yet). Here the kill lands
at the end of a feed's transaction: the feed was fetched and analysed, its lease row is locked
and all its articles, trend tags and deals are inserted; only the feed's new state (which also
releases the lease) and the commit are missing. Afterwards the other feed's committed articles
are intact, the killed feed has none (never half a feed), its lease still names the dead worker
and blocks nobody once it expires; a restarted worker takes the feed over by itself, after the
lease and not before, and stores exactly what an uninterrupted run stored for an identical feed.
Refetching both feeds then adds nothing: no article is stored twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest
from crash_proc import (
    Blocker,
    Spawn,
    rows,
    scalar,
    table_lock_free,
    tables_written,
    wait_backends_gone,
    wait_until,
    waiting_on_lock,
)
from sqlalchemy import select

from support import LiveServer
from trendpath.ai import space
from trendpath.ai.korean import kiwi
from trendpath.combined import create_combined_app
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.news import models as nm
from trendpath.news import store
from trendpath.trends import store as trend_store
from trendpath.trends.catalog import catalog_by_slug
from trendpath.trends.demo_data import trend_row

TRENDS = ("generative-ai", "ai-semiconductor", "secondary-battery", "fintech")
TOPICS = (
    ("반도체", "HBM 생산 설비를 늘리고 시리즈B 투자 300억 원을 유치했다."),
    ("생성형 AI", "기업용 생성형 AI 서비스로 50억 원 규모 시드 투자를 유치했다."),
    ("이차전지", "배터리 양극재 공장을 새로 짓는다."),
    ("핀테크", "간편결제 앱 이용자가 크게 늘었다."),
)
ITEMS = 8


def rss() -> bytes:
    """One feed document: 8 Korean items about the test trends, two with funding deals."""
    items = []
    for n in range(ITEMS):
        topic, text = TOPICS[n % len(TOPICS)]
        items.append(
            f"<item><title>{topic} 소식 {n}번째: 업계 동향 정리</title>"
            f"<link>https://news.example.kr/{n}</link><guid>story-{n}</guid>"
            f"<description>{topic} 기업 A{n}사가 {text}</description>"
            "<pubDate>Tue, 30 Apr 2024 09:00:00 +0900</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>테스트 피드</title><link>https://news.example.kr/</link>{''.join(items)}"
        "</channel></rss>"
    ).encode()


class _Feeds(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = rss()

    def do_GET(self) -> None:
        host: FeedHost = self.server.host  # type: ignore[attr-defined]
        with host.lock:
            host.hits.append(self.path)
        if self.path.startswith("/held"):
            host.gate.wait(60)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        except OSError:
            pass  # the worker was killed

    def log_message(self, *args: object) -> None:
        pass


class FeedHost:
    """Every path serves the same feed document; paths under /held wait for ``gate``."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Feeds)
        self.httpd.daemon_threads = True
        self.httpd.host = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def count(self, path: str) -> int:
        """Requests seen for ``path``."""
        with self.lock:
            return self.hits.count(path)


@pytest.fixture
def feed_host() -> Iterator[FeedHost]:
    """The feeds' web server on 127.0.0.1."""
    host = FeedHost()
    yield host
    host.gate.set()
    host.httpd.shutdown()
    host.httpd.server_close()


@pytest.fixture
def services(crash_db: Database, settings: Settings) -> Iterator[str]:
    """Trends, AI and auth services on a real port, for the worker's tags, embeddings, tokens."""
    catalog = catalog_by_slug()
    with crash_db.session_scope() as session:
        trend_store.upsert_trends(session, [trend_row(catalog[s]) for s in TRENDS])
    kiwi(), space.encoder()  # loaded before the worker asks, so no call waits on a cold start
    runtime = Runtime(settings=settings, db=crash_db, clients=ServiceClients(settings))
    with LiveServer(create_combined_app(settings, runtime)) as server:
        yield server.url


def worker_env(services: str) -> dict[str, str]:
    """A worker in its own process reaching the services over HTTP, fetching from 127.0.0.1."""
    env = {f"TRENDPATH_{s.upper()}_URL": f"{services}/api/{s}" for s in ("auth", "trends", "ai")}
    env.update(
        TRENDPATH_NEWS_ALLOW_HOSTS="127.0.0.1",
        TRENDPATH_NEWS_HOST_MIN_GAP_S="0",
        TRENDPATH_NEWS_JITTER="0",
        TRENDPATH_NEWS_WORKER_CONCURRENCY="2",
        TRENDPATH_NEWS_WORKER_LEASE_S="5",
        TRENDPATH_NEWS_WORKER_POLL_S="0.2",
        TRENDPATH_SERVICE_TIMEOUT_S="60",
    )
    return env


def add_feed(db: Database, url: str) -> int:
    """Register a feed, due at once; its id."""
    with db.session_scope() as session:
        row = store.add_feed(session, url, added_by="crash-test")
    assert row is not None
    return int(row.id)


def articles(db: Database, feed_id: int) -> dict[str, dict[str, Any]]:
    """A feed's articles by hash, with their tags and deal: everything the worker derives."""
    a, t, d = nm.article, nm.article_trend, nm.deal
    with db.engine.connect() as conn:
        found = list(conn.execute(select(a).where(a.c.feed_id == feed_id)))
        tags = list(
            conn.execute(select(t).join(a, a.c.id == t.c.article_id).where(a.c.feed_id == feed_id))
        )
        deals = list(
            conn.execute(select(d).join(a, a.c.id == d.c.article_id).where(a.c.feed_id == feed_id))
        )
    out: dict[str, dict[str, Any]] = {}
    for r in found:
        out[r.hash] = {
            "id": r.id,
            "fields": (r.url, r.title, r.summary, r.published_at, tuple(r.keywords), r.meta),
            "tagged": r.tagged_at is not None,
            "embedding": None if r.embedding is None else tuple(float(x) for x in r.embedding),
            "tags": sorted(
                (x.slug, round(x.score, 9), tuple(x.matched)) for x in tags if x.article_id == r.id
            ),
            "deal": [(x.round, x.amount_krw, x.sentence) for x in deals if x.article_id == r.id],
        }
    return out


def same_derivation(got: dict[str, Any], want: dict[str, Any]) -> bool:
    """Equal content, keywords, tags, deal and embedding (ids and fetch times aside)."""
    keys = ("fields", "tagged", "tags", "deal")
    if any(got[k] != want[k] for k in keys):
        return False
    if got["embedding"] is None or want["embedding"] is None:
        return got["embedding"] is want["embedding"]
    return bool(np.allclose(np.array(got["embedding"]), np.array(want["embedding"]), atol=1e-6))


def feed(db: Database, feed_id: int) -> Any:
    """The feed's row (state and lease)."""
    [row] = rows(db, "SELECT * FROM news.feed WHERE id = :f", f=feed_id)
    return row


@pytest.mark.slow
def test_worker_killed_inside_a_feeds_transaction_stores_it_once_after_restart(
    crash_db: Database, spawn: Spawn, services: str, feed_host: FeedHost
) -> None:
    control = add_feed(crash_db, f"{feed_host.url}/control.xml")
    crashed = add_feed(crash_db, f"{feed_host.url}/held.xml")
    env = worker_env(services)

    first = spawn("news", "worker", **env)
    wait_until(
        lambda: (
            feed(crash_db, control).last_fetched_at is not None
            and feed_host.count("/held.xml") == 1
        ),
        120,
        "one feed stored and the other claimed and being fetched",
        first,
    )
    committed = articles(crash_db, control)
    with Blocker(crash_db, "LOCK TABLE news.feed IN SHARE MODE"):
        feed_host.gate.set()  # the fetch completes; the store step then waits on the feed table
        wait_until(
            lambda: waiting_on_lock(crash_db, "news-worker", "UPDATE news.feed"),
            120,
            "the worker to wait at the end of the feed's transaction",
            first,
        )
        assert {"article", "article_trend", "deal"} <= tables_written(crash_db, "news-worker")
        first.kill9()
    wait_backends_gone(crash_db, "news-worker")
    assert table_lock_free(crash_db, "news.article")

    assert len(committed) == ITEMS and articles(crash_db, control) == committed
    assert all(a["tagged"] and a["embedding"] is not None for a in committed.values())
    assert articles(crash_db, crashed) == {}, "half a feed was stored"
    orphan = feed(crash_db, crashed)
    assert orphan.lease_owner is not None and orphan.last_fetched_at is None
    assert scalar(crash_db, "SELECT count(*) FROM news.article_trend") == sum(
        len(a["tags"]) for a in committed.values()
    )
    assert sum(1 for a in committed.values() if a["deal"]) == 4  # deals: part of the check

    second = spawn("news", "worker", **env)
    wait_until(
        lambda: feed(crash_db, crashed).last_fetched_at is not None,
        120,
        "the restarted worker to take the orphaned feed over",
        second,
    )
    taken = feed(crash_db, crashed)
    assert taken.lease_owner is None and taken.last_fetched_at >= orphan.lease_until
    resumed = articles(crash_db, crashed)
    assert set(resumed) == set(committed)
    for digest, article in resumed.items():
        assert same_derivation(article, committed[digest]), digest

    # Both feeds due again: a full refetch of the same items adds nothing.
    fetched = {f: feed(crash_db, f).last_fetched_at for f in (control, crashed)}
    with crash_db.engine.begin() as conn:
        conn.execute(nm.feed.update().values(next_check_at=None))
    wait_until(
        lambda: all(feed(crash_db, f).last_fetched_at > at for f, at in fetched.items()),
        60,
        "both feeds refetched",
        second,
    )
    assert second.stop() == 0, second.output[-3000:]
    assert articles(crash_db, control) == committed
    assert {h: a["id"] for h, a in articles(crash_db, crashed).items()} == {
        h: a["id"] for h, a in resumed.items()
    }
    assert scalar(crash_db, "SELECT count(*) FROM news.article") == 2 * ITEMS
    assert scalar(crash_db, "SELECT count(*) FROM news.feed WHERE lease_owner IS NOT NULL") == 0
