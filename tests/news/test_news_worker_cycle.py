"""The worker against the test database and a real feed server: storing, idempotence, state."""

from __future__ import annotations

import datetime as dt
from http.server import BaseHTTPRequestHandler

import feedparser
import pytest

from support import free_port

from .conftest import FIXTURES, News, rss, send

LATER = dt.timedelta(days=2)


def _articles(news: News, feed_id: int) -> int:
    return int(news.scalar("SELECT count(*) FROM news.article WHERE feed_id = :f", f=feed_id))


def test_a_feed_is_stored_with_keywords_tags_deal_and_state(news: News) -> None:
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    feed_id = news.add_feed("/ko.xml")
    report = news.cycle()
    assert [(f.feed_id, f.outcome, f.new_articles) for f in report.feeds] == [
        (feed_id, "updated", 3)
    ]
    rows = {
        r.title: r for r in news.rows("SELECT * FROM news.article WHERE feed_id = :f", f=feed_id)
    }
    ai = rows["생성형 AI 스타트업, 300억 원 규모 시리즈B 투자 유치"]
    assert "생성형" in " ".join(ai.keywords) and ai.tagged_at is not None
    assert ai.url == "https://news.example.kr/articles/1001"
    tags = dict(news.rows("SELECT slug, article_id FROM news.article_trend"))
    assert tags["generative-ai"] == ai.id
    assert tags["ai-semiconductor"] == rows["SK하이닉스, HBM 생산 설비 확대"].id
    assert tags["secondary-battery"] == rows["2차전지 소재 수출, 전기차 수요 둔화에 감소"].id
    deal = news.scalar("SELECT amount_krw FROM news.deal WHERE article_id = :a", a=ai.id)
    assert deal == 30_000_000_000
    assert news.scalar("SELECT count(*) FROM news.deal") == 1  # "매출 300억 원" is no deal
    (feed,) = news.rows("SELECT * FROM news.feed")
    assert feed.last_outcome == "updated" and feed.lease_owner is None
    assert feed.title == "테크 뉴스 & 경제" and feed.lang == "ko"
    assert feed.next_check_at > feed.last_fetched_at


def test_fetching_twice_stores_each_article_once(news: News) -> None:
    news.feeds.serve_file("/same.xml", "rss20_ko.xml")
    feed_id = news.add_feed("/same.xml")
    assert news.cycle().new_articles == 3
    again = news.cycle(now=dt.datetime.now(dt.UTC) + LATER)
    assert again.feeds[0].outcome == "updated" and again.new_articles == 0
    assert _articles(news, feed_id) == 3 and news.feeds.count("/same.xml") == 2
    assert news.scalar("SELECT count(*) FROM news.article_trend") == 3


def test_duplicate_guids_are_stored_once(news: News) -> None:
    news.feeds.serve_file("/dups.xml", "duplicate_guids.xml")
    feed_id = news.add_feed("/dups.xml")
    assert news.cycle().new_articles == 2
    assert _articles(news, feed_id) == 2


def test_a_304_pass_stores_nothing_and_keeps_validators(news: News) -> None:
    body = (FIXTURES / "rss20_ko.xml").read_bytes()

    def conditional(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304, etag='"v1"')
        else:
            send(h, 200, body, content_type="application/rss+xml", etag='"v1"')

    news.feeds.routes["/cond.xml"] = conditional
    feed_id = news.add_feed("/cond.xml")
    news.cycle()
    second = news.cycle(now=dt.datetime.now(dt.UTC) + LATER)
    assert second.feeds[0].outcome == "not_modified" and second.new_articles == 0
    assert _articles(news, feed_id) == 3
    assert news.feeds.hits[-1][1].get("If-None-Match") == '"v1"'
    assert news.scalar("SELECT etag FROM news.feed WHERE id = :f", f=feed_id) == '"v1"'


@pytest.mark.parametrize(
    "fixture",
    # the second names a feed version (feedparser saw <rss version="2.0">) and still yields nothing
    ["malformed_garbage.xml", "malformed_versioned_empty.xml"],
)
def test_repeated_parse_errors_park_the_feed(news: News, fixture: str) -> None:
    news.feeds.serve_file("/garbage.xml", fixture)
    feed_id = news.add_feed("/garbage.xml")
    start = dt.datetime.now(dt.UTC)
    outcomes = [news.cycle(now=start + i * LATER).feeds[0].outcome for i in range(3)]
    assert outcomes == ["malformed"] * 3
    ((parked, errors, nxt),) = news.rows(
        "SELECT parked, parse_error_count, next_check_at FROM news.feed WHERE id = :f", f=feed_id
    )
    assert parked and errors == 3 and nxt is None
    assert news.cycle(now=start + 10 * LATER).feeds == []  # parked feeds are not claimed
    assert _articles(news, feed_id) == 0


def test_gone_parks_at_once_and_missing_backs_off(news: News) -> None:
    news.feeds.routes["/gone.xml"] = lambda h: send(h, 410, b"gone")
    gone = news.add_feed("/gone.xml")
    missing = news.add_feed("/missing.xml")  # the server answers 404
    now = dt.datetime.now(dt.UTC)
    report = {f.feed_id: f for f in news.cycle(now=now).feeds}
    assert report[gone].outcome == "gone" and report[missing].outcome == "not_found"
    state = {r.id: r for r in news.rows("SELECT * FROM news.feed")}
    assert state[gone].parked and state[gone].next_check_at is None
    assert not state[missing].parked and state[missing].error_count == 1
    assert state[missing].next_check_at >= now + dt.timedelta(minutes=15)


def test_a_near_duplicate_from_another_outlet_is_one_story(news: News) -> None:
    news.feeds.serve_file("/a.xml", "rss20_ko.xml")
    copy = {
        "title": "[속보] 생성형 AI 스타트업, 300억 원 규모 시리즈B 투자 유치 - 경제신문",
        "link": "https://other.example.kr/n/77",
        "guid": "other-77",
        "description": "A사가 300억 원 규모 시리즈B 투자를 유치했다. 생성형 AI 기업용 서비스.",
        "pubDate": "Tue, 30 Apr 2024 10:00:00 +0900",
    }
    news.feeds.serve("/b.xml", rss([copy], "다른 언론사"))
    news.add_feed("/a.xml")
    news.add_feed("/b.xml")
    assert news.cycle().new_articles == 4
    keys = news.scalar(
        "SELECT count(DISTINCT near_key) FROM news.article WHERE title LIKE '%시리즈B 투자 유치%'"
    )
    assert keys == 1
    assert rss  # the builder is shared with other tests


def test_articles_stored_while_the_trend_service_is_down_are_tagged_later(news: News) -> None:
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    news.add_feed("/ko.xml")
    down = news.cycle(trends_url=f"http://127.0.0.1:{free_port()}")
    assert down.new_articles == 3
    assert news.scalar("SELECT count(*) FROM news.article WHERE tagged_at IS NULL") == 3
    assert news.scalar("SELECT count(*) FROM news.article_trend") == 0
    assert news.scalar("SELECT count(*) FROM news.deal") == 1  # local analysis still ran
    back = news.cycle()
    assert back.feeds == [] and back.caught_up == 3
    assert news.scalar("SELECT count(*) FROM news.article WHERE tagged_at IS NULL") == 0
    slugs = {r.slug for r in news.rows("SELECT slug FROM news.article_trend")}
    assert slugs == {"generative-ai", "ai-semiconductor", "secondary-battery"}
    assert news.cycle().caught_up == 0


def test_nul_characters_from_a_broken_feed_are_stored_without_them(news: News) -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title><item><title>AI \x00\xeb\xb0\x98\xeb\x8f'
        b"\x84\xec\xb2\xb4 &#0;\xec\x86\x8c\xec\x8b\x9d</title><link>https://x.example.kr/1</link>"
        b"<description>HBM\x00 \xec\x88\x98\xec\x9a\x94</description></item></channel></rss>"
    )
    news.feeds.serve("/nul.xml", body)
    news.add_feed("/nul.xml")
    report = news.cycle()
    assert [(f.outcome, f.new_articles) for f in report.feeds] == [("updated", 1)]
    title, summary = news.rows("SELECT title, summary FROM news.article")[0]
    assert title == "AI 반도체 소식" and summary == "HBM 수요"


def test_a_lone_surrogate_in_a_title_is_stored_as_a_replacement_character(news: News) -> None:
    news.feeds.serve_file("/surrogate.xml", "lone_surrogate.xml")
    feed_id = news.add_feed("/surrogate.xml")
    report = news.cycle()
    assert [(f.outcome, f.new_articles) for f in report.feeds] == [("updated", 2)]
    titles = {
        r.title for r in news.rows("SELECT title FROM news.article WHERE feed_id = :f", f=feed_id)
    }
    assert titles == {"AI 반도체 \ufffd 투자 확대", "정상 기사"}
    ((errors, parse_errors),) = news.rows(
        "SELECT error_count, parse_error_count FROM news.feed WHERE id = :f", f=feed_id
    )
    assert errors == 0 and parse_errors == 0


def test_an_unexpected_parser_failure_is_a_counted_feed_error(
    news: News, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the third-party parser on some input must not escape fetch_feed or the worker."""

    def broken(*args: object, **kwargs: object) -> object:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(feedparser, "parse", broken)
    news.feeds.serve_file("/crash.xml", "rss20_ko.xml")
    feed_id = news.add_feed("/crash.xml")
    start = dt.datetime.now(dt.UTC)
    outcomes = [news.cycle(now=start + i * LATER).feeds[0].outcome for i in range(3)]
    assert outcomes == ["malformed"] * 3
    ((parked, parse_errors, error),) = news.rows(
        "SELECT parked, parse_error_count, last_error FROM news.feed WHERE id = :f", f=feed_id
    )
    assert parked and parse_errors == 3 and "UnicodeEncodeError" in error
    assert _articles(news, feed_id) == 0
