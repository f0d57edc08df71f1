"""The worker as the news app's background job (``trendpath run`` / ``serve news``)."""

from __future__ import annotations

import asyncio
import time

from support import LiveServer
from trendpath.combined import create_combined_app
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.news.config import seed_enabled, worker_enabled
from trendpath.news.worker import news_job

from .conftest import News


def test_the_app_runs_the_worker_when_enabled(news: News) -> None:
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    feed_id = news.add_feed("/ko.xml")
    live = news.server.settings.model_copy(
        update={"background_jobs": True, "news_worker_enabled": True, "news_worker_poll_s": 0.2}
    )
    runtime = Runtime(settings=live, db=news.db, clients=ServiceClients(live))
    with LiveServer(create_combined_app(live, runtime)):
        deadline = time.monotonic() + 60
        query = "SELECT count(*) FROM news.article WHERE feed_id = :f AND tagged_at IS NOT NULL"
        while news.scalar(query, f=feed_id) < 3:
            assert time.monotonic() < deadline, "the background worker stored nothing"
            time.sleep(0.2)
    assert news.scalar("SELECT count(*) FROM news.feed") == 1  # no default feeds in tests
    assert news.feeds.count("/ko.xml") == 1


def test_the_worker_stays_off_in_tests_by_default(news: News) -> None:
    """With env=test and nothing set, the news job seeds nothing and returns at once.

    The job runs the worker forever when it is enabled, so a job that *returns* is proof that it
    stayed off (no sleeping and hoping nothing happened).
    """
    live = news.server.settings.model_copy(update={"background_jobs": True})
    assert live.env == "test" and live.news_worker_enabled is None
    assert not worker_enabled(live) and not seed_enabled(live)
    assert worker_enabled(live.model_copy(update={"env": "dev"}))
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    news.add_feed("/ko.xml")
    runtime = Runtime(settings=live, db=news.db, clients=ServiceClients(live))
    asyncio.run(asyncio.wait_for(news_job(runtime), timeout=30))
    assert news.feeds.count("/ko.xml") == 0 and news.scalar("SELECT count(*) FROM news.feed") == 1
