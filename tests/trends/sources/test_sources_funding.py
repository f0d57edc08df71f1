"""Funding proxy: the News service's deal-signal contract over real HTTP, and calibration."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
from sources_fakeapi import (
    WEEKS,
    FakeApi,
    Reply,
    catalog_trends,
    fixture,
    json_reply,
    source_settings,
)

from trendpath.kit.http import ServiceClients
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import Trend
from trendpath.trends.sources.base import SourceNotConfigured, SourceResult
from trendpath.trends.sources.funding import DealSignals, NewsFundingSource, month_of

PATH = "/v1/signals/deals"


def run(settings: Settings, trends: list[Trend]) -> SourceResult:
    async def go() -> SourceResult:
        clients = ServiceClients(settings)
        try:
            src = NewsFundingSource.from_settings(settings, clients)
            return await src.fetch(trends, WEEKS)
        finally:
            await clients.aclose()

    return asyncio.run(go())


def test_deal_amounts_become_4_over_4_growth() -> None:
    with FakeApi() as api:
        api.route(PATH, lambda r: json_reply(fixture("news_deals.json")))
        result = run(
            source_settings(news_url=api.url), catalog_trends("generative-ai", "ai-agents")
        )
        (hit,) = api.hits(PATH)
    assert hit.method == "GET"
    assert hit.query == {"from": "2025-07-14", "to": "2025-10-06"}
    assert result.problems == []
    values = result.values
    # (25 + 5 + 15 + 5) / (12 + 3 + 8 + 7) billion won
    assert values[("generative-ai", dt.date(2025, 9, 1))] == pytest.approx(100 * (50 / 30 - 1))
    assert values[("ai-agents", dt.date(2025, 9, 1))] == pytest.approx(-25.0)
    assert values[("ai-agents", dt.date(2025, 9, 29))] == pytest.approx(100 * (9.5 / 1.5 - 1))
    assert not any(slug == "fintech" for slug, _ in values)  # not asked for


def test_calibration_scales_each_month_to_the_official_total(tmp_path: Path) -> None:
    weeks = [dt.date(2025, 7, 14) + dt.timedelta(weeks=i) for i in range(13)]
    flat = {
        "items": [
            {"trend": "mlops", "week": w.isoformat(), "deals": 1, "amount_krw": 1e9} for w in weeks
        ]
    }
    # weeks by their Thursday: July 3, August 4, September 4, October 2 (9/29 belongs to October)
    assert [month_of(w)[1] for w in weeks].count(10) == 2
    csv_path = tmp_path / "official.csv"
    csv_path.write_text("month,total_krw\n2025-07,3e11\n2025-08,8e11\n2025-09,4e11\n")
    with FakeApi() as api:
        api.route(PATH, lambda r: json_reply(json.dumps(flat).encode()))
        plain = run(source_settings(news_url=api.url), catalog_trends("mlops"))
        calibrated = run(
            source_settings(news_url=api.url, trend_funding_calibration_csv=csv_path),
            catalog_trends("mlops"),
        )
    assert set(plain.values.values()) == {0.0}  # a flat proxy does not grow
    # scaled weekly amounts: July 1, August 2, September 1, October (borrowed from September) 1
    assert calibrated.values[("mlops", dt.date(2025, 9, 1))] == pytest.approx(40.0)  # 7 / 5
    assert calibrated.values[("mlops", dt.date(2025, 9, 29))] == pytest.approx(100 * (4 / 7 - 1))
    (note,) = calibrated.problems
    assert note.trend is None and "2025-10" in note.message


def test_contract_violation_is_a_problem_for_every_trend() -> None:
    bad = {"items": [{"trend": "mlops", "week": "2025-09-03", "deals": 1, "amount_krw": 5.0}]}
    with FakeApi() as api:
        api.route(PATH, lambda r: json_reply(json.dumps(bad).encode()))
        result = run(source_settings(news_url=api.url), catalog_trends("mlops", "fintech"))
    assert [p.trend for p in result.problems] == ["mlops", "fintech"]
    assert "items.0.week" in result.problems[0].message
    assert "Monday" in result.problems[0].message
    assert result.values == {}


def test_news_service_hiccup_is_retried() -> None:
    with FakeApi() as api:
        api.route(PATH, lambda r: json_reply(fixture("news_deals.json")))
        api.script(PATH, Reply(503, b'{"error":{"code":"unavailable","message":"starting"}}'))
        result = run(source_settings(news_url=api.url), catalog_trends("generative-ai"))
        assert len(api.hits(PATH)) == 2
    assert result.problems == [] and len(result.values) == len(WEEKS)


def test_unreachable_news_service_is_a_problem_not_a_crash() -> None:
    with FakeApi() as api:
        url = api.url
    result = run(source_settings(news_url=url), catalog_trends("generative-ai"))
    (problem,) = result.problems
    assert "after 3 attempts" in problem.message


def test_recorded_answer_matches_the_contract() -> None:
    signals = DealSignals.model_validate_json(fixture("news_deals.json"))
    assert len(signals.items) == 17
    assert all(item.week.weekday() == 0 for item in signals.items)


def test_unconfigured_news_or_calibration_names_the_setting(tmp_path: Path) -> None:
    settings = source_settings()
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_NEWS_URL"):
        NewsFundingSource.from_settings(settings, ServiceClients(settings))
    off = source_settings(news_url="http://127.0.0.1:9", trend_funding_enabled=False)
    with pytest.raises(SourceNotConfigured, match="TRENDPATH_TREND_FUNDING_ENABLED is false"):
        NewsFundingSource.from_settings(off, ServiceClients(off))
    bad_csv = tmp_path / "official.csv"
    bad_csv.write_text("month,total_krw\n2025-13,1e11\n")
    broken = source_settings(news_url="http://127.0.0.1:9", trend_funding_calibration_csv=bad_csv)
    with pytest.raises(SourceNotConfigured, match=r"CALIBRATION_CSV is unusable.*:2: bad row"):
        NewsFundingSource.from_settings(broken, ServiceClients(broken))


def test_refused_service_token_names_what_to_fix() -> None:
    refused = b'{"error":{"code":"unauthorized","message":"missing bearer token"}}'
    with FakeApi() as api:
        api.route(PATH, lambda r: Reply(401, refused))
        result = run(source_settings(news_url=api.url), catalog_trends("mlops", "fintech"))
        assert len(api.hits(PATH)) == 1, "a refused token is not retried"
    assert [p.trend for p in result.problems] == ["mlops", "fintech"]
    message = result.problems[0].message
    assert "HTTP 401" in message and "no service token was sent" in message
    assert "TRENDPATH_AUTH_URL" in message and result.values == {}
