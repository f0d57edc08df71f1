"""KIPRIS Plus patent search: recorded XML pages served by a real local server."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sources_fakeapi import (
    WEEKS,
    FakeApi,
    Reply,
    Request,
    catalog_trends,
    fixture,
    source_settings,
    xml,
)

from trendpath.trends.catalog import Trend
from trendpath.trends.sources.base import SourceNotConfigured, SourceResult
from trendpath.trends.sources.kipris import KiprisPatentSource, kipris_query

PATH = "/kipo-api/kipi/patUtiModInfoSearchSevice/getAdvancedSearch"


def source(api: FakeApi, **overrides: object) -> KiprisPatentSource:
    settings = source_settings(
        trend_kipris_service_key="kipris-test-key==",
        trend_kipris_url=api.url + PATH,
        **overrides,
    )
    src = KiprisPatentSource.from_settings(settings)
    src.page_size = 3  # the recorded pages hold 3 items
    return src


def run(src: KiprisPatentSource, trends: list[Trend]) -> SourceResult:
    async def go() -> SourceResult:
        try:
            return await src.fetch(trends, WEEKS)
        finally:
            await src.aclose()

    return asyncio.run(go())


def recorded_pages(request: Request) -> Reply:
    return xml(fixture(f"kipris_page{request.query['pageNo']}.xml"))


def test_pages_are_followed_and_counted_per_publication_week() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded_pages)
        result = run(source(api), catalog_trends("generative-ai"))
        hits = api.hits(PATH)
    assert [h.query["pageNo"] for h in hits] == ["1", "2"]
    query = hits[0].query
    assert query["ServiceKey"] == "kipris-test-key=="
    assert query["word"] == '"생성형 AI"+생성AI+거대언어모델+LLM+챗GPT'
    assert query["openDate"] == "20250901~20251012"
    assert query["patent"] == query["utility"] == "true"
    assert query["numOfRows"] == "3"
    assert result.problems == []
    counts = {w: result.values[("generative-ai", w)] for w in WEEKS}
    # 1020230123456 is listed on both pages and counts once
    assert counts == {
        dt.date(2025, 9, 1): 2.0,
        dt.date(2025, 9, 8): 0.0,
        dt.date(2025, 9, 15): 1.0,
        dt.date(2025, 9, 22): 0.0,
        dt.date(2025, 9, 29): 1.0,
        dt.date(2025, 10, 6): 0.0,
    }


def test_application_date_can_be_counted_instead() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded_pages)
        result = run(
            source(api, trend_kipris_date_field="applicationDate"),
            catalog_trends("generative-ai"),
        )
        query = api.hits(PATH)[0].query
    assert query["applicationDate"] == "20250901~20251012" and "openDate" not in query
    # the recorded filings are from 2023–2024, none in the requested weeks
    assert set(result.values.values()) == {0.0}


def test_gateway_errors_and_malformed_pages_are_problems_per_trend() -> None:
    bad_key = fixture("kipris_gateway_key_error.xml")
    truncated = fixture("kipris_truncated.xml")

    def by_word(request: Request) -> Reply:
        if request.query["word"].startswith('"AI 에이전트"'):
            return xml(truncated)
        if request.query["word"].startswith('"온디바이스 AI"'):
            return xml(bad_key)
        return recorded_pages(request)

    trends = catalog_trends("ai-agents", "on-device-ai", "generative-ai")
    with FakeApi() as api:
        api.route(PATH, by_word)
        result = run(source(api), trends)
    problems = {p.trend: p.message for p in result.problems}
    assert "not valid XML" in problems["ai-agents"]
    assert "SERVICE_KEY_IS_NOT_REGISTERED_ERROR" in problems["on-device-ai"]
    assert "generative-ai" not in problems
    assert result.values[("generative-ai", dt.date(2025, 9, 1))] == 2.0
    assert not any(slug == "ai-agents" for slug, _ in result.values)


def test_provider_quota_stops_after_three_trends() -> None:
    trends = catalog_trends(
        "generative-ai", "ai-agents", "on-device-ai", "responsible-ai", "data-engineering"
    )
    with FakeApi() as api:
        api.route(PATH, lambda r: xml(fixture("kipris_gateway_quota.xml")))
        result = run(source(api), trends)
        assert len(api.hits(PATH)) == 3
    assert len(result.problems) == 5 and result.values == {}
    assert "quota" in result.problems[0].message
    assert "skipped after 3 consecutive failures" in result.problems[-1].message


def test_too_many_pages_is_refused_rather_than_undercounted() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded_pages)
        src = source(api)
        src.max_pages = 1
        result = run(src, catalog_trends("generative-ai"))
    (problem,) = result.problems
    assert "5 results need more than 1 pages" in problem.message
    assert result.values == {}


def test_query_quotes_phrases_and_ors_terms() -> None:
    assert kipris_query(["2차전지", "전고체 배터리", "LFP"]) == '2차전지+"전고체 배터리"+LFP'


def test_missing_key_names_the_setting() -> None:
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_KIPRIS_SERVICE_KEY"):
        KiprisPatentSource.from_settings(source_settings())
