"""고용24 (HRD-Net) training course list: pages reconstructed from the 고용24 Open API guide
(no recorded answer could be found, see fixtures/README.md), served locally."""

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
from trendpath.trends.sources.work24 import Work24CourseSource

PATH = "/cm/openApi/call/hr/callOpenApiSvcInfo310L01.do"


def recorded(request: Request) -> Reply:
    return xml(fixture(f"work24_page{request.query['pageNum']}_reconstructed.xml"))


def source(api: FakeApi, **overrides: object) -> Work24CourseSource:
    settings = source_settings(
        trend_work24_auth_key="work24-test-key", trend_work24_url=api.url + PATH, **overrides
    )
    src = Work24CourseSource.from_settings(settings)
    src.page_size = 10  # the reconstructed list comes in pages of 10
    return src


def run(src: Work24CourseSource, trends: list[Trend]) -> SourceResult:
    async def go() -> SourceResult:
        try:
            return await src.fetch(trends, WEEKS)
        finally:
            await src.aclose()

    return asyncio.run(go())


def test_course_openings_become_4_over_4_growth() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded)
        result = run(source(api, trend_source_max_keywords=2), catalog_trends("generative-ai"))
        hits = api.hits(PATH)
    assert [(h.query["srchTraProcessNm"], h.query["pageNum"]) for h in hits] == [
        ("생성형 AI", "1"), ("생성형 AI", "2"), ("생성형 AI", "3"),
        ("생성AI", "1"), ("생성AI", "2"), ("생성AI", "3"),
    ]  # fmt: skip
    query = hits[0].query
    assert query["authKey"] == "work24-test-key"
    assert query["returnType"] == "XML" and query["outType"] == "1"
    assert query["srchTraStDt"] == "20250714"  # 7 weeks of history for the growth rate
    assert query["srchTraEndDt"] == "20251012"
    assert result.problems == []
    # Runs starting per week from 7/14: 1 2 1 2 | 2 1 3 3 | 2 1 2 0 2 (a duplicate listing and
    # the second keyword's identical answer count once).
    growth = {w: result.values[("generative-ai", w)] for w in WEEKS}
    assert growth == pytest.approx(
        {
            dt.date(2025, 9, 1): 100 * (9 / 6 - 1),
            dt.date(2025, 9, 8): 100 * (9 / 7 - 1),
            dt.date(2025, 9, 15): 100 * (9 / 6 - 1),
            dt.date(2025, 9, 22): 0.0,
            dt.date(2025, 9, 29): 100 * (5 / 9 - 1),
            dt.date(2025, 10, 6): 100 * (5 / 9 - 1),
        }
    )


def test_malformed_answer_is_a_problem_and_other_trends_still_count() -> None:
    def broken_for_agents(request: Request) -> Reply:
        if request.query["srchTraProcessNm"] == "AI 에이전트":
            return xml(b"<HRDNet><scn_cnt>many</scn_cnt></HRDNet>")
        return recorded(request)

    with FakeApi() as api:
        api.route(PATH, broken_for_agents)
        result = run(source(api, trend_source_max_keywords=1), catalog_trends("ai-agents", "mlops"))
    (problem,) = result.problems
    assert problem.trend == "ai-agents" and "expected a number in <scn_cnt>" in problem.message
    assert len([k for k in result.values if k[0] == "mlops"]) == len(WEEKS)


def test_server_errors_then_success_are_retried() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded)
        api.script(PATH, Reply(503, b"Service Unavailable"))
        result = run(source(api, trend_source_max_keywords=1), catalog_trends("generative-ai"))
        assert len(api.hits(PATH)) == 4
    assert result.problems == [] and len(result.values) == len(WEEKS)


def test_missing_key_names_the_setting() -> None:
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_WORK24_AUTH_KEY"):
        Work24CourseSource.from_settings(source_settings())
