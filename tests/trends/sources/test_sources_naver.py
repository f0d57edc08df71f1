"""Naver DataLab search trend: Naver's documented and recorded answers, and a server that
scales like the real API (no weekly answer could be found recorded, see fixtures/README.md)."""

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
from trendpath.trends.sources.base import SourceNotConfigured, SourceResponseError, SourceResult
from trendpath.trends.sources.naver import NaverDataLabSource, naver_error, parse_response

PATH = "/v1/datalab/search"
NINE = (
    "generative-ai", "ai-agents", "on-device-ai", "responsible-ai", "data-engineering",
    "mlops", "cybersecurity", "cloud-native", "blockchain",
)  # fmt: skip


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


def test_documented_answer_parses_to_ratios_per_group() -> None:
    # Naver's own example answer (a monthly request): every period becomes its ISO week.
    ratios = parse_response(fixture("naver_datalab_doc_example.json"))
    assert set(ratios) == {"한글", "영어"}
    assert ratios["한글"][dt.date(2017, 2, 27)] == 100.0  # period 2017-03-01
    assert ratios["영어"][dt.date(2016, 12, 26)] == 40.08  # period 2017-01-01
    assert all(week.weekday() == 0 for series in ratios.values() for week in series)


def test_fetch_sends_the_documented_request_and_computes_4_over_4_growth() -> None:
    with FakeApi() as api:
        api.route(PATH, simulated_datalab)
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
    week = WEEKS[0]
    vols = [true_volume("생성형 AI", week - dt.timedelta(weeks=i)) for i in range(8)]
    expected = 100 * (sum(vols[:4]) / sum(vols[4:]) - 1)
    assert result.values[("generative-ai", week)] == pytest.approx(expected, rel=1e-4)
    assert {w for (_, w) in result.values} == set(WEEKS)


def test_anchor_puts_every_batch_on_one_scale() -> None:
    trends = catalog_trends(*NINE)
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


def test_rejected_credentials_stop_the_source_after_one_request() -> None:
    recorded_401 = fixture("naver_error_401_recorded.json")
    with FakeApi() as api:
        api.route(PATH, lambda r: json_reply(recorded_401, status=401))
        result = run(source(api), catalog_trends(*NINE))
        assert len(api.hits(PATH)) == 1, "a refused key is not tried again for every batch"
    assert result.values == {}
    first = result.problems[0].message
    assert "HTTP 401" in first and "errorCode 024: Not Exist Client ID" in first
    assert "TRENDPATH_TREND_NAVER_CLIENT_ID" in first
    assert len(result.problems) == 9
    assert result.problems[-1].message.startswith("skipped: ")


def test_daily_query_limit_is_not_retried_and_stops_the_source() -> None:
    with FakeApi() as api:
        quota = fixture("naver_error_429_quota_reconstructed.json")
        api.route(PATH, lambda r: json_reply(quota, status=429))
        result = run(source(api), catalog_trends(*NINE))
        assert len(api.hits(PATH)) == 1
    assert len(result.problems) == 9 and result.values == {}
    assert "daily query limit exceeded (errorCode 010)" in result.problems[0].message


def test_per_second_rate_limit_is_retried_then_succeeds() -> None:
    with FakeApi() as api:
        api.route(PATH, simulated_datalab)
        api.script(PATH, json_reply(fixture("naver_error_429_rate_reconstructed.json"), status=429))
        result = run(source(api), catalog_trends("generative-ai", "ai-agents"))
        assert len(api.hits(PATH)) == 2
    assert result.problems == [] and len(result.values) == 12


def test_error_envelope_is_read_whatever_the_status() -> None:
    assert naver_error(fixture("naver_error_doc_example.json")) == (
        "024",
        "Authentication failed (인증에 실패하였습니다.)",
    )
    assert naver_error(fixture("naver_datalab_doc_example.json")) is None
    with pytest.raises(SourceResponseError, match="errorCode 024: Authentication failed"):
        parse_response(fixture("naver_error_doc_example.json"))


def test_missing_keys_name_the_setting() -> None:
    settings = source_settings()
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_NAVER_CLIENT_ID") as err:
        NaverDataLabSource.from_settings(settings)
    assert err.value.setting == "TRENDPATH_TREND_NAVER_CLIENT_ID"
    half = settings.model_copy(update={"trend_naver_client_id": "id-only"})
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_NAVER_CLIENT_SECRET"):
        NaverDataLabSource.from_settings(half)
