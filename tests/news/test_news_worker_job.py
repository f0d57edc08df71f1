"""The worker as the news app's background job (``trendpath run`` / ``serve news``)."""

from __future__ import annotations

import time

from support import LiveServer
from trendpath.combined import create_combined_app
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime

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
    live = news.server.settings.model_copy(
        update={"background_jobs": True, "news_worker_poll_s": 0.2}
    )
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    news.add_feed("/ko.xml")
    runtime = Runtime(settings=live, db=news.db, clients=ServiceClients(live))
    with LiveServer(create_combined_app(live, runtime)):
        time.sleep(1.0)
    assert news.feeds.count("/ko.xml") == 0 and news.scalar("SELECT count(*) FROM news.feed") == 1
