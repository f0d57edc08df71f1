"""Article identity: dedup hash precedence and cross-outlet near-duplicate keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from trendpath.news.dedup import (
    article_hash,
    identify,
    near_duplicate_key,
    normalize_link,
    normalize_title,
)
from trendpath.news.parse import parse_feed

FIXTURES = Path(__file__).parent / "fixtures"


def test_guid_wins_over_link_and_text() -> None:
    by_guid = article_hash("g-1", "https://a.kr/1", "제목", "본문")
    assert by_guid == article_hash("g-1", "https://a.kr/other", "다른 제목", "")
    assert by_guid != article_hash("g-2", "https://a.kr/1", "제목", "본문")


def test_link_is_used_without_guid_and_normalised() -> None:
    a = article_hash(None, "https://News.Example.kr/a?id=3&utm_source=rss#top", "x")
    b = article_hash("  ", "https://news.example.kr/a?id=3", "y")
    assert a == b
    assert a != article_hash(None, "https://news.example.kr/a?id=4", "x")


def test_title_and_content_are_the_last_resort() -> None:
    a = article_hash(None, None, "제목  하나", "본문")
    assert a == article_hash(None, "", "제목 하나", "본문")
    assert a != article_hash(None, None, "제목 하나", "다른 본문")


def test_kinds_never_collide() -> None:
    assert article_hash("https://a.kr/1", None, "") != article_hash(None, "https://a.kr/1", "")


def test_normalize_link_sorts_query_and_drops_tracking() -> None:
    assert normalize_link("HTTPS://A.kr?b=2&a=1&fbclid=x") == "https://a.kr/?a=1&b=2"


def test_same_story_from_two_outlets_shares_a_key() -> None:
    a = near_duplicate_key("[속보] 삼성전자, 2분기 영업이익 10조 원 돌파 - 한국경제")
    b = near_duplicate_key("삼성전자 2분기 영업이익 10조원 돌파(종합) | 연합뉴스")
    c = near_duplicate_key("SK하이닉스, 2분기 영업이익 5조 원 돌파")
    assert a is not None and a == b and a != c


def test_fullwidth_and_case_are_folded() -> None:
    assert normalize_title("ＡＩ 반도체 시장") == normalize_title("ai 반도체 시장")


def test_generic_titles_get_no_key() -> None:
    assert near_duplicate_key("[포토] 오늘") is None
    assert near_duplicate_key("사진") is None


def test_identify_drops_repeated_guids_and_links() -> None:
    feed = parse_feed(
        (FIXTURES / "duplicate_guids.xml").read_bytes(), fetched_at=dt.datetime.now(dt.UTC)
    )
    assert len(feed.entries) == 4
    articles = identify(feed.entries)
    assert [a.entry.title for a in articles] == ["원본 기사", "guid 없는 기사"]
    assert len({a.hash for a in articles}) == 2


def test_identify_is_stable_across_fetches() -> None:
    raw = (FIXTURES / "rss20_ko.xml").read_bytes()
    first = identify(parse_feed(raw, fetched_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC)).entries)
    later = identify(parse_feed(raw, fetched_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC)).entries)
    assert [a.hash for a in first] == [a.hash for a in later]
