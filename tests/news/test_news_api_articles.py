"""Reading over HTTP: a trend's articles, search, and the signals contract of the trend service."""

from __future__ import annotations

import datetime as dt

import pytest

from trendpath.trends.sources.funding import DealSignals

from .conftest import News, rss

WEEK = "2024-04-29"  # the ISO week (Korea time) of the fixture articles
COPY = {
    "title": "[속보] 생성형 AI 스타트업, 300억 원 규모 시리즈B 투자 유치 - 경제신문",
    "link": "https://other.example.kr/n/77",
    "guid": "other-77",
    "description": "A사가 300억 원 규모 시리즈B 투자를 유치했다. 생성형 AI 기업용 서비스.",
    "pubDate": "Tue, 30 Apr 2024 10:00:00 +0900",
}
LATER_DEAL = {
    "title": "핀테크 B사, 50억 원 시드 투자 유치",
    "link": "https://other.example.kr/n/78",
    "guid": "other-78",
    "description": "간편결제 핀테크 스타트업 B사가 50억 원 규모 시드 투자를 유치했다.",
    "pubDate": "Mon, 06 May 2024 09:00:00 +0900",
}


@pytest.fixture
def stored(news: News) -> News:
    """Two outlets, one story in common, a deal the next week; one worker cycle."""
    news.feeds.serve_file("/a.xml", "rss20_ko.xml")
    news.feeds.serve("/b.xml", rss([COPY, LATER_DEAL], "다른 언론사"))
    news.add_feed("/a.xml", "테크 뉴스")
    news.add_feed("/b.xml", "다른 언론사")
    assert news.cycle().new_articles == 5
    return news


def reader(news: News) -> str:
    return news.token("news-reader", "news:read")


def test_article_signals_count_a_story_once(stored: News) -> None:
    with stored.api(reader(stored)) as api:
        resp = api.get("/v1/signals/articles", params={"from": WEEK, "to": "2024-05-06"})
    assert resp.status_code == 200, resp.text
    items = {(i["trend"], i["week"]): i for i in resp.json()["items"]}
    assert items[("generative-ai", WEEK)]["articles"] == 1
    assert items[("generative-ai", WEEK)]["mentions"] == 2
    assert items[("ai-semiconductor", WEEK)]["articles"] == 1
    assert items[("secondary-battery", WEEK)]["articles"] == 1
    assert items[("fintech", "2024-05-06")]["articles"] == 1
    assert len(items) == 4


def test_deal_signals_match_the_funding_connector_contract(stored: News) -> None:
    with stored.api(reader(stored)) as api:
        resp = api.get("/v1/signals/deals", params={"from": WEEK, "to": "2024-05-06"})
        only_first = api.get("/v1/signals/deals", params={"from": WEEK, "to": WEEK})
        mid_week = api.get("/v1/signals/deals", params={"from": "2024-05-01", "to": "2024-05-08"})
    assert resp.status_code == 200, resp.text
    parsed = DealSignals.model_validate_json(resp.content)  # the trend service's own model
    got = {(s.trend, s.week): (s.deals, s.amount_krw) for s in parsed.items}
    assert got == {
        ("generative-ai", dt.date(2024, 4, 29)): (1, 30_000_000_000.0),  # two outlets, one deal
        ("fintech", dt.date(2024, 5, 6)): (1, 5_000_000_000.0),
    }
    assert [i["trend"] for i in only_first.json()["items"]] == ["generative-ai"]
    assert {i["week"] for i in mid_week.json()["items"]} == {WEEK, "2024-05-06"}


def test_signal_ranges_are_checked(news: News) -> None:
    with news.api(reader(news)) as api:
        backwards = api.get("/v1/signals/deals", params={"from": "2024-05-06", "to": WEEK})
        assert backwards.status_code == 422
        assert api.get("/v1/signals/deals", params={"from": WEEK}).status_code == 422
        huge = api.get("/v1/signals/articles", params={"from": "1990-01-01", "to": "2024-01-01"})
        assert huge.status_code == 422
        empty = api.get("/v1/signals/deals", params={"from": WEEK, "to": WEEK})
        assert empty.json() == {"items": []}


@pytest.mark.parametrize("path", ["/v1/signals/articles", "/v1/signals/deals"])
@pytest.mark.parametrize(
    ("first", "last"), [("0001-01-12", "0008-01-01"), ("9999-12-20", "9999-12-31")]
)
def test_signal_ranges_at_the_ends_of_the_calendar_are_refused(
    news: News, path: str, first: str, last: str
) -> None:
    # Found by the API fuzzer: a week at either end of the calendar overflowed ``datetime`` in
    # the Korea-time bounds, a 500 instead of a 422.
    with news.api(reader(news)) as api:
        resp = api.get(path, params={"from": first, "to": last})
        assert resp.status_code == 422, resp.text
        assert resp.json()["error"]["code"] == "validation_error"
        edge = api.get(path, params={"from": "1900-01-01", "to": "1900-01-08"})
        assert edge.status_code == 200 and edge.json() == {"items": []}


def test_a_trends_articles_are_newest_first_with_copies_collapsed(stored: News) -> None:
    with stored.api(reader(stored)) as api:
        page = api.get("/v1/trends/generative-ai/articles").json()
        assert page["trend"] == "generative-ai" and page["total"] == 1
        (story,) = page["items"]
        assert story["copies"] == 2 and story["source"] == "테크 뉴스"
        assert story["title"].startswith("생성형 AI 스타트업") and story["score"] >= 0.3
        assert story["deal"] == {
            "round": "series-b",
            "amount_krw": 30_000_000_000,
            "currency": "KRW",
            "amount_text": "300억 원",
        }
        chips = api.get("/v1/trends/ai-semiconductor/articles").json()["items"]
        assert [a["title"] for a in chips] == ["SK하이닉스, HBM 생산 설비 확대"]
        assert chips[0]["deal"] is None and "HBM" in chips[0]["keywords"]
        none = api.get("/v1/trends/quantum-computing/articles").json()
        assert none == {"trend": "quantum-computing", "total": 0, "items": []}


def test_keyword_search_finds_inflected_korean_and_collapses_copies(stored: News) -> None:
    with stored.api(reader(stored)) as api:
        resp = api.get("/v1/search", params={"q": "반도체 설비", "mode": "keyword"})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["mode"] == "keyword" and "반도체" in body["terms"]
        assert body["items"][0]["title"] == "SK하이닉스, HBM 생산 설비 확대"
        deal = api.get("/v1/search", params={"q": "시리즈B 투자", "mode": "keyword"}).json()
        top = deal["items"][0]
        assert top["copies"] == 2 and top["title"].startswith("생성형 AI 스타트업")
        assert top["keyword_score"] > deal["items"][1]["keyword_score"]
        only = api.get("/v1/search", params={"q": "투자", "mode": "keyword", "trend": "fintech"})
        assert [i["title"] for i in only.json()["items"]] == ["핀테크 B사, 50억 원 시드 투자 유치"]
        nothing = api.get("/v1/search", params={"q": "양자컴퓨터", "mode": "keyword"}).json()
        assert nothing["items"] == []


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_nul_in_a_search_is_a_422(stored: News, mode: str) -> None:
    # Found by the API fuzzer: PostgreSQL cannot take U+0000 in a query parameter (a 500).
    with stored.api(reader(stored)) as api:
        resp = api.get("/v1/search", params={"q": "a\x00", "mode": mode})
        assert resp.status_code == 422, resp.text
        assert resp.json()["error"]["code"] == "validation_error"
