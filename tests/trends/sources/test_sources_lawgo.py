"""law.go.kr DRF law and administrative-rule lists: recorded XML served locally."""

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
from trendpath.trends.sources.lawgo import LawGoKrSource

PATH = "/DRF/lawSearch.do"


def recorded(request: Request) -> Reply:
    if request.query["target"] == "admrul":
        return xml(fixture("lawgo_admrul.xml"))
    return xml(fixture(f"lawgo_eflaw_p{request.query['page']}.xml"))


def source(api: FakeApi, **overrides: object) -> LawGoKrSource:
    settings = source_settings(
        trend_lawgo_oc="trendpath", trend_lawgo_url=api.url + PATH, **overrides
    )
    src = LawGoKrSource.from_settings(settings)
    src.page_size = 2  # the recorded eflaw list comes in pages of 2
    return src


def run(src: LawGoKrSource, trends: list[Trend]) -> SourceResult:
    async def go() -> SourceResult:
        try:
            return await src.fetch(trends, WEEKS)
        finally:
            await src.aclose()

    return asyncio.run(go())


def test_laws_and_rules_are_counted_once_per_week_across_keywords() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded)
        result = run(source(api, trend_source_max_keywords=2), catalog_trends("generative-ai"))
        hits = api.hits(PATH)
    eflaw = [h.query for h in hits if h.query["target"] == "eflaw"]
    admrul = [h.query for h in hits if h.query["target"] == "admrul"]
    assert [(q["query"], q["page"]) for q in eflaw] == [
        ("생성형 AI", "1"), ("생성형 AI", "2"), ("생성AI", "1"), ("생성AI", "2"),
    ]  # fmt: skip
    assert [q["query"] for q in admrul] == ["생성형 AI", "생성AI"]
    assert eflaw[0] | {"page": "1"} == {
        "OC": "trendpath",
        "target": "eflaw",
        "type": "XML",
        "query": "생성형 AI",
        "search": "2",
        "display": "2",
        "ancYd": "20250901~20251012",
        "nw": "1,2,3",
        "page": "1",
    }
    assert admrul[0]["prmlYd"] == "20250901~20251012"
    assert result.problems == []
    # both keywords find the same versions: each counts once
    assert {w: result.values[("generative-ai", w)] for w in WEEKS} == {
        dt.date(2025, 9, 1): 2.0,  # 시행령 일부개정 9/2, 가이드라인 제정 9/3
        dt.date(2025, 9, 8): 0.0,
        dt.date(2025, 9, 15): 1.0,  # 기본법 일부개정 9/16
        dt.date(2025, 9, 22): 0.0,
        dt.date(2025, 9, 29): 2.0,  # 타법개정 9/30, 고시 개정 10/1
        dt.date(2025, 10, 6): 0.0,
    }


def test_laws_only_when_rules_are_not_wanted() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded)
        src = source(api, trend_lawgo_targets=("eflaw",), trend_source_max_keywords=1)
        result = run(src, catalog_trends("generative-ai"))
        assert {h.query["target"] for h in api.hits(PATH)} == {"eflaw"}
    assert sum(result.values.values()) == 3.0


def test_refusal_page_is_a_problem_for_that_trend_only() -> None:
    def refuse_agents(request: Request) -> Reply:
        if request.query["query"] == "AI 에이전트":
            return Reply(200, fixture("lawgo_refusal.html"), {"Content-Type": "text/html"})
        return recorded(request)

    with FakeApi() as api:
        api.route(PATH, refuse_agents)
        result = run(source(api), catalog_trends("ai-agents", "generative-ai"))
    (problem,) = result.problems
    assert problem.trend == "ai-agents" and "law-go-kr eflaw" in problem.message
    assert sum(v for (slug, _), v in result.values.items() if slug == "generative-ai") == 5.0


def test_unexpected_document_is_reported_with_its_text() -> None:
    refusal = "<Law>미신청된 목록/본문에 대한 접근입니다.</Law>".encode()
    with FakeApi() as api:
        api.route(PATH, lambda r: xml(refusal))
        result = run(source(api), catalog_trends("generative-ai"))
    (problem,) = result.problems
    assert "unexpected answer <Law>" in problem.message and "미신청된" in problem.message


def test_missing_oc_names_the_setting() -> None:
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_LAWGO_OC"):
        LawGoKrSource.from_settings(source_settings())
