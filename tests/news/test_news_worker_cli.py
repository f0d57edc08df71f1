"""``trendpath news ...`` commands against the test database."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from trendpath.news.cli import app

from .conftest import News


@pytest.fixture
def env(news: News, monkeypatch: pytest.MonkeyPatch) -> News:
    live = news.worker_settings()
    monkeypatch.setenv("TRENDPATH_ENV", "test")
    monkeypatch.setenv("TRENDPATH_DATABASE_URL", str(live.database_url))
    monkeypatch.setenv("TRENDPATH_STATE_DIR", str(live.state_dir))
    monkeypatch.setenv("TRENDPATH_LOG_JSON", "false")
    monkeypatch.setenv("TRENDPATH_NEWS_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("TRENDPATH_NEWS_HOST_MIN_GAP_S", "0")
    for service in ("auth", "trends", "ai"):
        monkeypatch.setenv(f"TRENDPATH_{service.upper()}_URL", str(live.service_url(service)))
    return news


def test_add_feed_list_feeds_and_one_worker_cycle(env: News) -> None:
    env.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    runner = CliRunner()
    added = runner.invoke(app, ["add-feed", env.feeds.url("/ko.xml"), "--title", "테크"])
    assert added.exit_code == 0, added.output
    assert added.output.startswith("added feed ")
    again = runner.invoke(app, ["add-feed", env.feeds.url("/ko.xml")])
    assert again.exit_code == 1 and "already registered" in again.output

    once = runner.invoke(app, ["worker", "--once"])
    assert once.exit_code == 0, once.output
    assert "updated\t+3\t" in once.output and "1 feeds, 3 new articles" in once.output

    listed = runner.invoke(app, ["list-feeds", "--status", "ok"])
    assert listed.exit_code == 0, listed.output
    assert "\tok\t0/0\t3\t" in listed.output and "테크" in listed.output
    assert listed.output.rstrip().endswith("1 feeds")


def test_refused_urls_and_statuses_are_one_line_errors(env: News) -> None:
    runner = CliRunner()
    refused = runner.invoke(app, ["add-feed", "http://192.168.1.10/rss"])
    assert refused.exit_code == 2 and "blocked address" in refused.output
    assert "Traceback" not in refused.output
    bad = runner.invoke(app, ["list-feeds", "--status", "weird"])
    assert bad.exit_code == 2 and "unknown status" in bad.output
    assert env.scalar("SELECT count(*) FROM news.feed") == 0
