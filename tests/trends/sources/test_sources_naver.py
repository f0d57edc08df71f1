"""Naver DataLab search trend: recorded answers and a server that scales like the real API."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from sources_fakeapi import (
    WEEKS,
    FakeApi,
    Reply,
    catalog_trends,
    fixture,
    json_reply,
    simulated_datalab,
    source_settings,
    true_volume,
)

from trendpath.trends.catalog import Trend
from trendpath.trends.sources.base import SourceNotConfigured, SourceResult
from trendpath.trends.sources.naver import NaverDataLabSource, parse_response

PATH = "/v1/datalab/search"


def source(api: FakeApi) -> NaverDataLabSource:
    configured = source_settings(
        trend_naver_client_id="test-client-id",
        trend_naver_client_secret="test-client-secret",
        trend_naver_url=api.url + PATH,
    )
    return NaverDataLabSource.from_settings(configured)


def run(src: NaverDataLabSource, trends: list[Trend]) -> SourceResult:
    async def go() -> SourceResult:
        try:
            return await src.fetch(trends, WEEKS)
        finally:
            await src.aclose()

    return asyncio.run(go())


def test_recorded_answer_parses_to_weekly_ratios() -> None:
    ratios = parse_response(fixture("naver_datalab_week.json"))
    assert set(ratios) == {"anchor", "generative-ai", "ai-agents"}
    assert ratios["generative-ai"][dt.date(2025, 9, 1)] == 41.7
    assert all(week.weekday() == 0 for series in ratios.values() for week in series)
    assert dt.date(2025, 7, 14) not in ratios["ai-agents"]  # a week without data is left out


def test_fetch_sends_the_documented_request_and_computes_4_over_4_growth() -> None:
    with FakeApi() as api:
        api.route(PATH, lambda r: json_reply(fixture("naver_datalab_week.json")))
        result = run(source(api), catalog_trends("generative-ai", "ai-agents"))
        (hit,) = api.hits(PATH)
    assert hit.method == "POST"
    assert hit.headers["x-naver-client-id"] == "test-client-id"
    assert hit.headers["x-naver-client-secret"] == "test-client-secret"
    assert hit.headers["content-type"] == "application/json"
    body = json.loads(hit.body)
    assert body["startDate"] == "2025-07-14"  # 7 weeks of history before the first week
    assert body["endDate"] == "2025-10-12"
    assert body["timeUnit"] == "week"
    assert body["keywordGroups"][0] == {"groupName": "anchor", "keywords": ["엑셀"]}
    assert body["keywordGroups"][1] == {"groupName": "generative-ai", "keywords": ["생성형 AI"]}
    assert result.problems == []
    # (34.6 + 36.9 + 38.2 + 41.7) / (31.2 + 30.5 + 33.8 + 35.1) - 1
    assert result.values[("generative-ai", dt.date(2025, 9, 1))] == pytest.approx(15.9264931)
    # the missing first week of ai-agents counts as zero searches
    expected = 100 * ((11.8 + 12.5 + 13.9 + 15.2) / (0 + 9.1 + 9.7 + 10.2) - 1)
    assert result.values[("ai-agents", dt.date(2025, 9, 1))] == pytest.approx(expected)
    assert {w for (_, w) in result.values} == set(WEEKS)


def test_anchor_puts_every_batch_on_one_scale() -> None:
    slugs = [
        "generative-ai", "ai-agents", "on-device-ai", "responsible-ai", "data-engineering",
        "mlops", "cybersecurity", "cloud-native", "blockchain",
    ]  # fmt: skip
    trends = catalog_trends(*slugs)
    with FakeApi() as api:
        api.route(PATH, simulated_datalab)
        src = source(api)
        result = run(src, trends)
        hits = api.hits(PATH)
    assert len(hits) == 3  # 9 trends, 4 per request beside the anchor
    for hit in hits:
        groups = json.loads(hit.body)["keywordGroups"]
        assert len(groups) <= 5 and groups[0]["keywords"] == ["엑셀"]
    assert result.problems == []
    span = [dt.date(2025, 7, 14) + dt.timedelta(weeks=i) for i in range(13)]
    anchor_mean = sum(true_volume("엑셀", w) for w in span) / len(span)
    for trend in trends:
        for week in span:
            truth = 100 * true_volume(trend.search_keyword, week) / anchor_mean
            assert src.levels[trend.slug][week] == pytest.approx(truth, rel=1e-3), trend.slug
    # the same growth a single request over the true volumes would give
    week = WEEKS[0]
    vols = [true_volume("AI 에이전트", week - dt.timedelta(weeks=i)) for i in range(8)]
    expected = 100 * (sum(vols[:4]) / sum(vols[4:]) - 1)
    assert result.values[("ai-agents", week)] == pytest.approx(expected, rel=1e-4)


def test_malformed_batch_is_a_problem_not_a_crash() -> None:
    trends = catalog_trends(
        "generative-ai", "ai-agents", "on-device-ai", "responsible-ai", "data-engineering"
    )
    with FakeApi() as api:
        api.route(PATH, simulated_datalab)
        api.script(PATH, Reply(200, b"<html>\xec\x98\xa4\xeb\xa5\x98</html>"))
        result = run(source(api), trends)
    failed = {p.trend for p in result.problems}
    assert failed == {"generative-ai", "ai-agents", "on-device-ai", "responsible-ai"}
    assert all("unreadable response" in p.message for p in result.problems)
    assert ("data-engineering", WEEKS[0]) in result.values  # the second batch still counts


def test_rejected_credentials_are_reported_per_trend() -> None:
    with FakeApi() as api:
        api.route(PATH, lambda r: json_reply(fixture("naver_error_401.json"), status=401))
        result = run(source(api), catalog_trends("generative-ai"))
    (problem,) = result.problems
    assert "HTTP 401" in problem.message and "Authentication failed" in problem.message
    assert result.values == {}


def test_quota_429_is_retried_then_succeeds() -> None:
    with FakeApi() as api:
        api.route(PATH, lambda r: json_reply(fixture("naver_datalab_week.json")))
        api.script(PATH, json_reply(fixture("naver_error_429.json"), status=429))
        result = run(source(api), catalog_trends("generative-ai", "ai-agents"))
        assert len(api.hits(PATH)) == 2
    assert result.problems == [] and len(result.values) == 12


def test_missing_keys_name_the_setting() -> None:
    settings = source_settings()
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_NAVER_CLIENT_ID") as err:
        NaverDataLabSource.from_settings(settings)
    assert err.value.setting == "TRENDPATH_TREND_NAVER_CLIENT_ID"
    half = settings.model_copy(update={"trend_naver_client_id": "id-only"})
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_NAVER_CLIENT_SECRET"):
        NaverDataLabSource.from_settings(half)
