"""Feed parsing: formats, safety gate, not-a-feed, plain text, dates."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from trendpath.news.parse import (
    MalformedFeedError,
    NotAFeedError,
    UnsafeFeedError,
    entry_date,
    html_to_text,
    parse_feed,
    scrub_charrefs,
)

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = dt.datetime(2024, 5, 1, 3, 0, tzinfo=dt.UTC)


def test_rss20_entries_are_plain_text_with_utc_dates_and_absolute_links() -> None:
    feed = parse_feed(
        (FIXTURES / "rss20_ko.xml").read_bytes(),
        base_url="https://news.example.kr/rss",
        fetched_at=FETCHED,
    )
    assert feed.version == "rss20" and feed.title == "테크 뉴스 & 경제" and feed.ttl_minutes == 90
    first, second, third = feed.entries
    assert first.guid == "news-1001"
    assert first.summary.startswith("거대언어모델 기반 기업용 챗봇을")
    assert "<" not in first.summary and "alert" not in first.summary
    assert first.published == dt.datetime(2024, 4, 30, 0, 30, tzinfo=dt.UTC)
    assert first.author == "김기자" and first.categories == ("AI",)
    assert second.link == "https://news.example.kr/articles/1002"
    assert second.guid == "news-1002"  # a bare guid is not turned into a URL
    assert third.guid is None and third.date_source == "feed"


def test_atom_entry_with_html_title_and_content() -> None:
    feed = parse_feed((FIXTURES / "atom_ko.xml").read_bytes(), fetched_at=FETCHED)
    (entry,) = feed.entries
    assert feed.version == "atom10"
    assert entry.title == "데이터 엔지니어링 파이프라인 <개편> 후기"
    assert entry.content == "백엔드 팀이 Kafka와 Spark로 파이프라인을 옮겼다."
    assert entry.published == dt.datetime(2024, 4, 29, 1, 0, tzinfo=dt.UTC)
    assert entry.guid == "tag:tech.example.kr,2024:pipeline"


def test_rss10_and_syndication_period() -> None:
    feed = parse_feed((FIXTURES / "rss10.xml").read_bytes(), fetched_at=FETCHED)
    assert feed.version == "rss10" and feed.ttl_minutes == 30  # hourly, twice
    assert feed.entries[0].title == "로봇 자동화 확산"


def test_rss091_with_netscape_doctype_is_accepted() -> None:
    feed = parse_feed((FIXTURES / "rss091.xml").read_bytes(), fetched_at=FETCHED)
    assert feed.version.startswith("rss09") and feed.entries[0].title == "클라우드 전환 사례"


def test_euc_kr_feed_decodes() -> None:
    feed = parse_feed((FIXTURES / "euckr_prolog.xml").read_bytes(), fetched_at=FETCHED)
    assert feed.encoding == "cp949" and "똠방각하" in feed.entries[0].title


def test_utf8_bom_feed_parses() -> None:
    feed = parse_feed((FIXTURES / "utf8_bom.xml").read_bytes(), fetched_at=FETCHED)
    assert len(feed.entries) == 3 and not feed.malformed


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe_file.xml", "xxe_parameter.xml"])
def test_entity_tricks_are_refused_before_expansion(name: str) -> None:
    started = time.monotonic()
    with pytest.raises(UnsafeFeedError):
        parse_feed((FIXTURES / name).read_bytes(), fetched_at=FETCHED)
    assert time.monotonic() - started < 1.0


def test_entity_declaration_in_a_broken_prolog_is_still_refused() -> None:
    raw = b'<?xml version="1.0"?>\n<!DOCTYPE x [ <!ENTITY a "b"> <<broken ]>\n<rss>&a;</rss>'
    with pytest.raises(UnsafeFeedError):
        parse_feed(raw, fetched_at=FETCHED)


def test_entity_text_inside_an_article_is_fine() -> None:
    raw = (
        b'<rss version="2.0"><channel><title>t</title><item><title>XXE</title>'
        b"<description><![CDATA[write <!ENTITY x SYSTEM 'file:///'> to exploit]]></description>"
        b"<link>https://sec.example.kr/1</link></item></channel></rss>"
    )
    feed = parse_feed(raw, fetched_at=FETCHED)
    assert feed.entries[0].title == "XXE"


def test_a_body_that_names_a_local_file_is_not_read(tmp_path: Path) -> None:
    # Given bytes, feedparser first tries them as a file name; we must hand it a stream.
    local = tmp_path / "local-secret.xml"
    local.write_bytes((FIXTURES / "rss20_ko.xml").read_bytes())
    with pytest.raises(MalformedFeedError):
        parse_feed(str(local).encode(), fetched_at=FETCHED)


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(NotAFeedError):
        parse_feed((FIXTURES / "html_page.html").read_bytes(), fetched_at=FETCHED)
    with pytest.raises(NotAFeedError):  # sloppy HTML that is not even well-formed
        parse_feed(b"<!doctype html>\n<HTML><body><p>hi<br><img src=x></body>", fetched_at=FETCHED)


@pytest.mark.parametrize("body", [b"", b"   \n\t"])
def test_empty_body_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeedError):
        parse_feed(body, fetched_at=FETCHED)


def test_json_document_is_not_a_feed() -> None:
    with pytest.raises((NotAFeedError, MalformedFeedError)):
        parse_feed(b'{"items": []}', fetched_at=FETCHED)


def test_empty_feed_is_a_feed_with_no_entries() -> None:
    feed = parse_feed((FIXTURES / "empty_feed.xml").read_bytes(), fetched_at=FETCHED)
    assert feed.version == "rss20" and feed.entries == () and feed.title == "빈 피드"


def test_malformed_xml_with_recoverable_entries_is_kept_and_flagged() -> None:
    feed = parse_feed((FIXTURES / "malformed_recoverable.xml").read_bytes(), fetched_at=FETCHED)
    assert feed.malformed
    assert [e.guid for e in feed.entries] == ["b-1", "b-2"]


def test_garbage_is_malformed() -> None:
    with pytest.raises(MalformedFeedError):
        parse_feed((FIXTURES / "malformed_garbage.xml").read_bytes(), fetched_at=FETCHED)


def test_missing_future_naive_and_bogus_dates() -> None:
    feed = parse_feed((FIXTURES / "dates_missing_future.xml").read_bytes(), fetched_at=FETCHED)
    got = {e.title: (e.published, e.date_source) for e in feed.entries}
    assert got["날짜 없음"] == (FETCHED, "fetch_time")
    assert got["미래 날짜"] == (FETCHED, "clamped")
    assert got["시간대 없는 날짜"] == (dt.datetime(2024, 4, 30, 1, 0, tzinfo=dt.UTC), "feed")
    assert got["엉터리 날짜"] == (FETCHED, "fetch_time")
    assert got["1970년"] == (FETCHED, "fetch_time")
    assert all(e.published.tzinfo is dt.UTC for e in feed.entries)


def test_small_clock_skew_is_tolerated_and_naive_zone_is_configurable() -> None:
    soon = {"published": "2024-05-01 03:05:00"}
    assert entry_date(soon, FETCHED, naive_tz=dt.UTC) == (
        dt.datetime(2024, 5, 1, 3, 5, tzinfo=dt.UTC),
        "feed",
    )
    assert entry_date({}, FETCHED) == (FETCHED, "fetch_time")


def test_html_to_text() -> None:
    markup = "<p>첫&nbsp;줄<br>둘째   줄</p><script>evil()</script><style>p{}</style>&lt;태그&gt;"
    assert html_to_text(markup) == "첫 줄\n둘째 줄\n<태그>"
    assert html_to_text("평범한   텍스트") == "평범한 텍스트"
    assert html_to_text("<b>abcdef</b>", limit=3) == "abc"


def test_broken_xml_that_names_a_version_but_yields_nothing_is_malformed() -> None:
    with pytest.raises(MalformedFeedError):
        parse_feed((FIXTURES / "malformed_versioned_empty.xml").read_bytes())


def test_character_references_xml_forbids_become_replacement_characters() -> None:
    feed = parse_feed((FIXTURES / "lone_surrogate.xml").read_bytes())
    first, second = feed.entries
    assert first.title == "AI 반도체 \ufffd 투자 확대" and first.guid == "s-1\ufffd"
    assert "\x00" not in first.summary and second.title == "정상 기사"
    assert scrub_charrefs(b"a&#x41;&#65;&#xD800;&#55296;&#0;&#x110000;&#9;") == (
        b"a&#x41;&#65;&#xFFFD;&#xFFFD;&#xFFFD;&#9;"
    )
