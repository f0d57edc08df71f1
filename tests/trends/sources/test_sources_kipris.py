"""KIPRIS Plus patent search: recorded KIPRIS Plus answers served by a real local server."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

import pytest
from sources_fakeapi import FakeApi, Reply, Request, catalog_trends, fixture, source_settings, xml

from trendpath.trends.catalog import Trend
from trendpath.trends.sources.base import SourceNotConfigured, SourceResult
from trendpath.trends.sources.kipris import KiprisPatentSource, kipris_query, parse_page

PATH = "/kipo-api/kipi/patUtiModInfoSearchSevice/getAdvancedSearch"
RECORDED = fixture("kipris_word_search_recorded.xml")  # 2 items of 151,001 (numOfRows=2)
EMPTY = fixture("kipris_word_search_empty_recorded.xml")
# The two recorded documents: published 2017-12-04 (a Monday) and 2017-06-22 (week of 06-19).
WEEKS_2017 = [dt.date(2017, 6, 19), dt.date(2017, 6, 26), dt.date(2017, 12, 4)]


def source(api: FakeApi, **overrides: object) -> KiprisPatentSource:
    settings = source_settings(
        trend_kipris_service_key="kipris-test-key==",
        trend_kipris_url=api.url + PATH,
        **overrides,
    )
    src = KiprisPatentSource.from_settings(settings)
    src.page_size = 2  # the recorded answer was asked for numOfRows=2
    return src


def run(src: KiprisPatentSource, trends: list[Trend], weeks: Sequence[dt.date]) -> SourceResult:
    async def go() -> SourceResult:
        try:
            return await src.fetch(trends, weeks)
        finally:
            await src.aclose()

    return asyncio.run(go())


def recorded_then_exhausted(request: Request) -> Reply:
    """Page 1 is the recorded answer; later pages are the recorded empty answer."""
    return xml(RECORDED if request.query["pageNo"] == "1" else EMPTY)


def test_recorded_answer_parses_with_count_beside_body() -> None:
    page = parse_page(RECORDED, "openDate")
    assert page.total == 151001  # <count> is a sibling of <body> in the real answer
    assert page.items == [
        ("1020160062884", dt.date(2017, 12, 4)),
        ("1020150178699", dt.date(2017, 6, 22)),
    ]
    by_filing = parse_page(RECORDED, "applicationDate")
    assert [day for _, day in by_filing.items] == [dt.date(2016, 5, 23), dt.date(2015, 12, 14)]
    assert parse_page(EMPTY, "openDate").items == []


def test_pages_are_followed_and_counted_per_publication_week() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded_then_exhausted)
        result = run(source(api), catalog_trends("generative-ai"), WEEKS_2017)
        hits = api.hits(PATH)
    assert [h.query["pageNo"] for h in hits] == ["1", "2"]  # a short page ends the list
    query = hits[0].query
    assert query["ServiceKey"] == "kipris-test-key=="
    assert query["word"] == '"생성형 AI"+생성AI+거대언어모델+LLM+챗GPT'
    assert query["openDate"] == "20170619~20171210"
    assert query["patent"] == query["utility"] == "true"
    assert query["numOfRows"] == "2" and query["sortSpec"] == "AD"
    assert result.problems == []
    counts = {w: result.values[("generative-ai", w)] for w in WEEKS_2017}
    assert counts == {
        dt.date(2017, 6, 19): 1.0,
        dt.date(2017, 6, 26): 0.0,
        dt.date(2017, 12, 4): 1.0,
    }


def test_application_date_can_be_counted_instead() -> None:
    weeks = [dt.date(2015, 12, 14), dt.date(2016, 5, 23)]
    with FakeApi() as api:
        api.route(PATH, recorded_then_exhausted)
        src = source(api, trend_kipris_date_field="applicationDate")
        result = run(src, catalog_trends("generative-ai"), weeks)
        query = api.hits(PATH)[0].query
    assert query["applicationDate"] == "20151214~20160529" and "openDate" not in query
    assert {w: result.values[("generative-ai", w)] for w in weeks} == dict.fromkeys(weeks, 1.0)


def test_recorded_empty_answer_counts_zero() -> None:
    with FakeApi() as api:
        api.route(PATH, lambda r: xml(EMPTY))
        result = run(source(api), catalog_trends("mlops"), WEEKS_2017)
    assert result.problems == []
    assert set(result.values.values()) == {0.0} and len(result.values) == 3


def test_too_many_pages_is_refused_rather_than_undercounted() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded_then_exhausted)
        src = source(api)
        src.max_pages = 1
        result = run(src, catalog_trends("generative-ai"), WEEKS_2017)
    (problem,) = result.problems
    assert "151001 results need more than 1 pages of 2" in problem.message
    assert result.values == {}


def test_truncated_page_is_a_problem_for_that_trend_only() -> None:
    def by_word(request: Request) -> Reply:
        if request.query["word"].startswith('"AI 에이전트"'):
            return xml(RECORDED[: len(RECORDED) // 2])  # the recorded answer cut in half
        return recorded_then_exhausted(request)

    with FakeApi() as api:
        api.route(PATH, by_word)
        result = run(source(api), catalog_trends("ai-agents", "generative-ai"), WEEKS_2017)
    problems = {p.trend: p.message for p in result.problems}
    assert list(problems) == ["ai-agents"] and "not valid XML" in problems["ai-agents"]
    assert result.values[("generative-ai", dt.date(2017, 12, 4))] == 1.0


def test_refused_key_stops_the_source_at_the_first_trend() -> None:
    trends = catalog_trends("ai-agents", "on-device-ai", "generative-ai")
    with FakeApi() as api:
        api.route(PATH, lambda r: xml(fixture("kipris_error_key_reconstructed.xml")))
        result = run(source(api), trends, WEEKS_2017)
        assert len(api.hits(PATH)) == 1
    assert [p.trend for p in result.problems] == ["ai-agents", "on-device-ai", "generative-ai"]
    first = result.problems[0].message
    assert "error 30" in first and "TRENDPATH_TREND_KIPRIS_SERVICE_KEY" in first
    assert result.problems[1].message.startswith("skipped: ") and result.values == {}


def test_provider_quota_stops_the_source_at_once() -> None:
    trends = catalog_trends(
        "generative-ai", "ai-agents", "on-device-ai", "responsible-ai", "data-engineering"
    )
    with FakeApi() as api:
        api.route(PATH, lambda r: xml(fixture("datago_gateway_quota_reconstructed.xml")))
        result = run(source(api), trends, WEEKS_2017)
        assert len(api.hits(PATH)) == 1
    assert len(result.problems) == 5 and result.values == {}
    assert "quota" in result.problems[0].message
    assert "quota" in result.problems[-1].message and "skipped" in result.problems[-1].message


def test_http_401_is_a_credentials_failure() -> None:
    with FakeApi() as api:
        api.route(PATH, lambda r: Reply(401, b"Unauthorized"))
        result = run(source(api), catalog_trends("mlops", "fintech"), WEEKS_2017)
        assert len(api.hits(PATH)) == 1
    assert "HTTP 401" in result.problems[0].message
    assert "check TRENDPATH_TREND_KIPRIS_SERVICE_KEY" in result.problems[0].message


def test_query_quotes_phrases_and_ors_terms() -> None:
    assert kipris_query(["2차전지", "전고체 배터리", "LFP"]) == '2차전지+"전고체 배터리"+LFP'


def test_missing_key_names_the_setting() -> None:
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_KIPRIS_SERVICE_KEY"):
        KiprisPatentSource.from_settings(source_settings())
