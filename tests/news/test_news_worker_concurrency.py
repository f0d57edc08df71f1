"""Several workers at once, and a worker killed mid-run: each feed fetched once, nothing lost."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.news.worker import Worker

from .conftest import FeedServer, News, Route, rss, send


def story(feed: int, n: int) -> dict[str, str]:
    return {
        "title": f"피드 {feed}의 {n}번째 반도체 소식입니다",
        "link": f"https://f{feed}.example.kr/{n}",
        "guid": f"f{feed}-{n}",
        "description": f"HBM 생산 설비 확대 소식 {feed}-{n}.",
        "pubDate": "Tue, 30 Apr 2024 09:00:00 +0900",
    }


def slow_route(feeds: FeedServer, body: bytes, delay: float) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        feeds.release.wait(delay)
        send(h, 200, body, content_type="application/rss+xml")

    return route


def test_two_workers_share_the_feeds_and_fetch_each_once(news: News) -> None:
    paths = [f"/c{i}.xml" for i in range(8)]
    for i, path in enumerate(paths):
        news.feeds.routes[path] = slow_route(news.feeds, rss([story(i, 1), story(i, 2)]), 0.3)
        news.add_feed(path)
    live = news.worker_settings(news_worker_batch=3, news_worker_concurrency=3)

    outcomes: list[object] = []

    async def drain(worker: Worker) -> list[int]:
        done: list[int] = []
        while True:
            report = await worker.run_once()
            if not report.feeds:
                return done
            done += [f.feed_id for f in report.feeds]
            outcomes.extend(report.feeds)

    async def run() -> tuple[list[int], list[int]]:
        runtime = Runtime(settings=live, db=news.db, clients=ServiceClients(live))
        try:
            a, b = Worker(runtime, owner="worker-a"), Worker(runtime, owner="worker-b")
            return await asyncio.gather(drain(a), drain(b))
        finally:
            await runtime.clients.aclose()

    got_a, got_b = asyncio.run(run())
    assert got_a and got_b and not set(got_a) & set(got_b)
    assert sorted(got_a + got_b) == sorted(r.id for r in news.rows("SELECT id FROM news.feed"))
    assert [news.feeds.count(p) for p in paths] == [1] * 8
    assert news.scalar("SELECT count(*) FROM news.article") == 16, "\n".join(map(str, outcomes))
    assert news.scalar("SELECT count(*) FROM news.feed WHERE lease_owner IS NOT NULL") == 0


@pytest.fixture
def worker_process(news: News) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def spawn(news: News, started: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    live = news.worker_settings()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDPATH_")}
    env.update(
        TRENDPATH_ENV="test",
        TRENDPATH_DATABASE_URL=str(live.database_url),
        TRENDPATH_STATE_DIR=str(live.state_dir),
        TRENDPATH_LOG_LEVEL="WARNING",
        TRENDPATH_NEWS_ALLOW_HOSTS="127.0.0.1",
        TRENDPATH_NEWS_HOST_MIN_GAP_S="0",
        TRENDPATH_NEWS_JITTER="0",
        TRENDPATH_NEWS_WORKER_CONCURRENCY="2",
        TRENDPATH_NEWS_WORKER_LEASE_S="5",
        TRENDPATH_NEWS_WORKER_POLL_S="0.2",
        TRENDPATH_NEWS_FETCH_READ_TIMEOUT_S="60",
        TRENDPATH_NEWS_FETCH_TOTAL_TIMEOUT_S="60",
        **{
            f"TRENDPATH_{s.upper()}_URL": str(live.service_url(s)) for s in ("auth", "trends", "ai")
        },
    )
    cmd = [sys.executable, "-m", "trendpath.news.cli", "worker"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started.append(proc)
    return proc


def wait_for(check: object, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"worker exited early ({proc.returncode}): {err[-2000:]}")
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.1)


@pytest.mark.slow
def test_a_killed_worker_loses_nothing_committed_and_duplicates_nothing(
    news: News, worker_process: list[subprocess.Popen[bytes]]
) -> None:
    fast = [f"/fast{i}.xml" for i in range(2)]
    slow = [f"/slow{i}.xml" for i in range(4)]
    bodies = {p: rss([story(i, n) for n in range(3)]) for i, p in enumerate(fast + slow)}
    for path in fast:
        news.feeds.serve(path, bodies[path])
    for path in slow:
        news.feeds.routes[path] = slow_route(news.feeds, bodies[path], 60)
    ids = {path: news.add_feed(path) for path in fast + slow}

    proc = spawn(news, worker_process)
    stored = "SELECT count(*) FROM news.feed WHERE last_fetched_at IS NOT NULL"
    wait_for(lambda: news.scalar(stored) == 2, 90, proc)
    wait_for(lambda: sum(news.feeds.count(p) for p in slow) >= 1, 30, proc)  # one per host
    committed = {r.id for r in news.rows("SELECT id FROM news.article")}
    assert len(committed) == 6
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    leased = news.rows("SELECT id, lease_owner FROM news.feed WHERE lease_owner IS NOT NULL")
    assert {r.id for r in leased} == {ids[p] for p in slow}  # claimed, never stored
    for path in slow:
        news.feeds.serve(path, bodies[path])
    news.feeds.release.set()
    time.sleep(5.2)  # the dead worker's leases expire (TRENDPATH_NEWS_WORKER_LEASE_S=5)

    restarted = news.cycle()
    assert sorted(f.feed_id for f in restarted.feeds) == sorted(ids[p] for p in slow)
    assert restarted.new_articles == 12
    after = {r.id for r in news.rows("SELECT id FROM news.article")}
    assert committed <= after and len(after) == 18
    per_feed = news.rows("SELECT feed_id, count(*) FROM news.article GROUP BY feed_id")
    assert sorted(n for _, n in per_feed) == [3] * 6
    assert news.scalar("SELECT count(DISTINCT url) FROM news.article") == 18
    assert news.scalar("SELECT count(*) FROM news.feed WHERE lease_owner IS NOT NULL") == 0
