"""law.go.kr DRF law and administrative-rule lists: recorded DRF answers served locally."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

import pytest
from sources_fakeapi import FakeApi, Reply, Request, catalog_trends, fixture, source_settings, xml

from trendpath.trends.catalog import Trend
from trendpath.trends.sources.base import SourceNotConfigured, SourceResult
from trendpath.trends.sources.lawgo import TARGETS, LawGoKrSource, parse_page

PATH = "/DRF/lawSearch.do"
EFLAW = fixture("lawgo_eflaw_recorded.xml")  # query=소득세법, four versions
ADMRUL = fixture("lawgo_admrul_abridged_recorded.xml")  # one 고시
# 공포일자 2009-12-31, 2010-02-18, 2010-03-15, 2010-04-30 and 발령일자 2025-12-30, by ISO week
WEEKS = [
    dt.date(2009, 12, 28),
    dt.date(2010, 2, 15),
    dt.date(2010, 3, 15),
    dt.date(2010, 3, 22),
    dt.date(2010, 4, 26),
    dt.date(2025, 12, 29),
]
# The wording law.go.kr uses for an unknown OC or unregistered server (chrisryugj/korean-law-mcp
# CHANGELOG 4.0.8/4.0.9); the document around it is constructed, see fixtures/README.md.
UNVERIFIED_USER = (
    "<Response>사용자 정보 검증에 실패하였습니다. "
    "(정확한 서버장비의 IP주소 및 도메인주소를 등록해 주세요)</Response>"
).encode()


def recorded(request: Request) -> Reply:
    return xml(ADMRUL if request.query["target"] == "admrul" else EFLAW)


def source(api: FakeApi, **overrides: object) -> LawGoKrSource:
    settings = source_settings(
        trend_lawgo_oc="trendpath", trend_lawgo_url=api.url + PATH, **overrides
    )
    return LawGoKrSource.from_settings(settings)


def run(src: LawGoKrSource, trends: list[Trend], weeks: Sequence[dt.date] = WEEKS) -> SourceResult:
    async def go() -> SourceResult:
        try:
            return await src.fetch(trends, weeks)
        finally:
            await src.aclose()

    return asyncio.run(go())


def test_recorded_answers_parse() -> None:
    laws = parse_page(EFLAW, TARGETS["eflaw"])
    assert laws.total == 4
    assert laws.items == [
        ("eflaw:131405", dt.date(2009, 12, 31)),
        ("eflaw:104809", dt.date(2010, 4, 30)),
        ("eflaw:102729", dt.date(2010, 2, 18)),
        ("eflaw:103245", dt.date(2010, 3, 15)),
    ]
    rules = parse_page(ADMRUL, TARGETS["admrul"])
    assert rules.total == 1 and rules.items == [("admrul:2100000271110", dt.date(2025, 12, 30))]


def test_laws_and_rules_are_counted_once_per_week_across_keywords() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded)
        result = run(source(api, trend_source_max_keywords=2), catalog_trends("generative-ai"))
        hits = api.hits(PATH)
    eflaw = [h.query for h in hits if h.query["target"] == "eflaw"]
    admrul = [h.query for h in hits if h.query["target"] == "admrul"]
    assert [q["query"] for q in eflaw] == ["생성형 AI", "생성AI"]  # one page each: 4 of 4
    assert [q["query"] for q in admrul] == ["생성형 AI", "생성AI"]
    assert eflaw[0] == {
        "OC": "trendpath",
        "target": "eflaw",
        "type": "XML",
        "query": "생성형 AI",
        "search": "2",
        "display": "100",
        "ancYd": "20091228~20260104",
        "nw": "1,2,3",
        "page": "1",
    }
    assert admrul[0]["prmlYd"] == "20091228~20260104"
    assert hits[0].headers["referer"] == "https://www.law.go.kr/"  # refused without one
    assert result.problems == []
    # both keywords find the same versions: each counts once
    assert {w: result.values[("generative-ai", w)] for w in WEEKS} == {
        dt.date(2009, 12, 28): 1.0,
        dt.date(2010, 2, 15): 1.0,
        dt.date(2010, 3, 15): 1.0,
        dt.date(2010, 3, 22): 0.0,
        dt.date(2010, 4, 26): 1.0,
        dt.date(2025, 12, 29): 1.0,
    }


def test_laws_only_when_rules_are_not_wanted() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded)
        src = source(api, trend_lawgo_targets=("eflaw",), trend_source_max_keywords=1)
        result = run(src, catalog_trends("generative-ai"))
        assert {h.query["target"] for h in api.hits(PATH)} == {"eflaw"}
    assert sum(result.values.values()) == 4.0


def test_refusal_document_is_a_problem_for_that_trend_only() -> None:
    def refuse_agents(request: Request) -> Reply:
        if request.query["query"] == "AI 에이전트":
            return xml(fixture("lawgo_refusal_recorded.xml"))
        return recorded(request)

    with FakeApi() as api:
        api.route(PATH, refuse_agents)
        result = run(source(api), catalog_trends("ai-agents", "generative-ai"))
    (problem,) = result.problems
    assert problem.trend == "ai-agents" and "unexpected answer <Law>" in problem.message
    assert "일치하는 행정규칙이 없습니다" in problem.message
    assert sum(v for (slug, _), v in result.values.items() if slug == "generative-ai") == 5.0


def test_unverified_user_stops_the_source_with_what_to_check() -> None:
    with FakeApi() as api:
        api.route(PATH, lambda r: xml(UNVERIFIED_USER))
        result = run(source(api), catalog_trends("ai-agents", "generative-ai", "mlops"))
        assert len(api.hits(PATH)) == 1
    assert [p.trend for p in result.problems] == ["ai-agents", "generative-ai", "mlops"]
    first = result.problems[0].message
    assert "사용자 정보 검증" in first and "TRENDPATH_TREND_LAWGO_OC" in first
    assert "TRENDPATH_TREND_LAWGO_REFERER" in first and result.values == {}


def test_empty_or_html_200_is_retried_like_an_outage() -> None:
    with FakeApi() as api:
        api.route(PATH, recorded)
        api.script(
            PATH,
            Reply(200, b""),
            Reply(200, b"<!DOCTYPE html><html>\xec\xa0\x90\xea\xb2\x80</html>"),
        )
        src = source(api, trend_lawgo_targets=("eflaw",), trend_source_max_keywords=1)
        result = run(src, catalog_trends("generative-ai"))
        assert len(api.hits(PATH)) == 3
    assert result.problems == [] and sum(result.values.values()) == 4.0
    with FakeApi() as api:
        api.route(PATH, lambda r: Reply(200, b""))
        src = source(api, trend_lawgo_targets=("eflaw",), trend_source_max_keywords=1)
        (problem,) = run(src, catalog_trends("generative-ai")).problems
    assert "empty body or an HTML page" in problem.message and "after 3 attempts" in problem.message


def test_missing_oc_names_the_setting() -> None:
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_LAWGO_OC"):
        LawGoKrSource.from_settings(source_settings())
