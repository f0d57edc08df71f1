"""The weekly collection job against the test database, every source on a local fake API."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sources_fakeapi import (
    WEEKS,
    FakeApi,
    Reply,
    Request,
    catalog_trends,
    fixture,
    json_reply,
    simulated_datalab,
    source_settings,
    xml,
)
from sqlalchemy import text
from typer.testing import CliRunner

from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import load_catalog
from trendpath.trends.cli import app as trends_cli
from trendpath.trends.collect import CollectReport, collect

TRENDS = ("generative-ai", "ai-agents", "mlops")
EMPTY_KIPRIS = "kipris_word_search_empty_recorded.xml"


def fake_public_apis(api: FakeApi) -> None:
    """Route every source's API to recorded, reconstructed or simulated answers
    (see fixtures/README.md for which is which)."""

    def kipris(r: Request) -> Reply:
        page = "kipris_word_search_recorded.xml" if r.query["pageNo"] == "1" else EMPTY_KIPRIS
        return xml(fixture(page))

    def lawgo(r: Request) -> Reply:
        if r.query["target"] == "admrul":
            return xml(fixture("lawgo_admrul_abridged_recorded.xml"))
        return xml(fixture("lawgo_eflaw_recorded.xml"))

    def work24(r: Request) -> Reply:
        return xml(fixture(f"work24_page{r.query['pageNum']}_reconstructed.xml"))

    api.route("/naver", simulated_datalab)
    api.route("/kipris", kipris)
    api.route("/lawgo", lawgo)
    api.route("/work24", work24)
    api.route("/v1/signals/deals", lambda r: json_reply(fixture("news_deals.json")))


def configured(settings: Settings, api: FakeApi, **overrides: Any) -> Settings:
    return source_settings(
        settings,
        trend_naver_client_id="id",
        trend_naver_client_secret="secret",
        trend_naver_url=api.url + "/naver",
        trend_kipris_service_key="key",
        trend_kipris_url=api.url + "/kipris",
        trend_lawgo_oc="trendpath",
        trend_lawgo_url=api.url + "/lawgo",
        trend_work24_auth_key="key",
        trend_work24_url=api.url + "/work24",
        news_url=api.url,
        trend_source_max_keywords=1,
        **overrides,
    )


def run(
    settings: Settings, db: Database, weeks: list[dt.date] = WEEKS, **kwargs: Any
) -> CollectReport:
    async def go() -> CollectReport:
        clients = ServiceClients(settings)
        runtime = Runtime(settings=settings, db=db, clients=clients)
        try:
            return await collect(runtime, weeks=weeks, trends=catalog_trends(*TRENDS), **kwargs)
        finally:
            await clients.aclose()

    return asyncio.run(go())


def stored(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.slug, v.indicator, v.week, v.value, v.source, v.ingested_at "
                "FROM trends.indicator_value v JOIN trends.trend t ON t.id = v.trend_id "
                "ORDER BY 1, 2, 3"
            )
        )
        return [tuple(r) for r in rows]


def velocity_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM trends.velocity")).scalar_one())


def test_full_collection_stores_every_source_once_even_when_run_twice(
    db: Database, settings: Settings
) -> None:
    with FakeApi() as api:
        fake_public_apis(api)
        first = run(configured(settings, api), db)
        rows_after_first = stored(db)
        second = run(configured(settings, api), db)
        rows_after_second = stored(db)
    by_source = {s.source: s for s in first.sources}
    assert {s: r.status for s, r in by_source.items()} == dict.fromkeys(
        ["news-deals", "kipris-plus", "work24", "naver-datalab", "law-go-kr"], "ok"
    )
    # 3 trends x 6 weeks, except funding: mlops had no reported deals, so no growth rate
    assert {s: r.values for s, r in by_source.items()} == {
        "news-deals": 12, "kipris-plus": 18, "work24": 18, "naver-datalab": 18, "law-go-kr": 18,
    }  # fmt: skip
    assert by_source["news-deals"].problems == []
    assert len(rows_after_first) == first.rows == first.values == 84
    assert rows_after_second == rows_after_first  # same values, untouched ingested_at
    assert second.values == 84 and second.rows == 0
    assert first.velocity_rows == velocity_count(db)
    assert second.velocity_rows == 0  # nothing changed, nothing recomputed
    assert "velocity: unchanged" in "\n".join(second.lines())
    funding = {(r[0], r[2]): r[3] for r in rows_after_first if r[1] == "funding_volume_growth"}
    assert funding[("generative-ai", WEEKS[0])] == pytest.approx(100 * (50 / 30 - 1))
    sources = {r[1]: r[4] for r in rows_after_first}
    assert sources["patent_filing_rate"] == "kipris-plus"
    assert sources["search_volume_growth"] == "naver-datalab"


def test_changed_upstream_values_replace_stored_ones(db: Database, settings: Settings) -> None:
    weeks = [dt.date(2017, 6, 19), dt.date(2017, 12, 4)]  # the recorded documents' weeks
    with FakeApi() as api:
        fake_public_apis(api)
        first = run(configured(settings, api), db, weeks=weeks, names=["kipris-plus"])
        api.route("/kipris", lambda r: xml(fixture(EMPTY_KIPRIS)))
        second = run(configured(settings, api), db, weeks=weeks, names=["kipris-plus"])
    counts = {(r[0], r[2]): r[3] for r in stored(db)}
    assert first.rows == 6 and second.rows == 6  # every value changed from 1 to 0
    assert counts == {(slug, week): 0.0 for slug in TRENDS for week in weeks}
    assert [s.status for s in first.sources + second.sources] == ["ok", "ok"]


def test_unconfigured_sources_are_skipped_naming_their_setting(
    db: Database, settings: Settings
) -> None:
    with FakeApi() as api:
        fake_public_apis(api)
        only_law = source_settings(
            settings, trend_lawgo_oc="trendpath", trend_lawgo_url=api.url + "/lawgo"
        )
        report = run(only_law, db)
    status = {s.source: (s.status, s.detail) for s in report.sources}
    assert status["law-go-kr"][0] == "ok"
    assert status["naver-datalab"] == (
        "skipped",
        "source 'naver-datalab' is not configured: TRENDPATH_TREND_NAVER_CLIENT_ID is not set",
    )
    assert "TRENDPATH_TREND_KIPRIS_SERVICE_KEY" in status["kipris-plus"][1]
    assert "TRENDPATH_TREND_WORK24_AUTH_KEY" in status["work24"][1]
    assert "TRENDPATH_NEWS_URL" in status["news-deals"][1]
    assert report.rows == report.values == 18
    text_report = "\n".join(report.lines())
    assert "naver-datalab  skipped" in text_report
    assert "law-go-kr      ok          18 values     18 changed" in text_report


def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Point the CLI at the test database through the environment, as an operator would."""
    assert settings.database_url is not None
    for name in ("DATABASE_URL", "STATE_DIR", "LOG_JSON"):
        monkeypatch.delenv(f"TRENDPATH_{name}", raising=False)
    monkeypatch.setenv("TRENDPATH_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRENDPATH_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TRENDPATH_LOG_JSON", "false")


def test_cli_collects_the_catalog_and_refuses_unknown_or_unconfigured_sources(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    runner = CliRunner()
    cli_env(settings, monkeypatch, tmp_path)
    bogus = runner.invoke(trends_cli, ["collect", "--source", "bogus"])
    assert bogus.exit_code == 2 and "unknown source 'bogus'" in bogus.output
    with FakeApi() as api:
        fake_public_apis(api)
        monkeypatch.setenv("TRENDPATH_TREND_LAWGO_OC", "trendpath")
        monkeypatch.setenv("TRENDPATH_TREND_LAWGO_URL", api.url + "/lawgo")
        monkeypatch.setenv("TRENDPATH_TREND_LAWGO_RPS", "1000")
        monkeypatch.setenv("TRENDPATH_TREND_LAWGO_TARGETS", '["eflaw"]')
        monkeypatch.setenv("TRENDPATH_TREND_SOURCE_MAX_KEYWORDS", "1")
        ok = runner.invoke(trends_cli, ["collect", "--source", "law-go-kr", "--weeks", "2"])
        missing = runner.invoke(trends_cli, ["collect", "--source", "naver-datalab"])
    assert ok.exit_code == 0, ok.output
    n = 2 * len(load_catalog())  # every catalog trend, two weeks
    assert f"{'law-go-kr':<14} {'ok':<7} {n:>6} values {n:>6} changed" in ok.output
    assert missing.exit_code == 2
    assert "TRENDPATH_TREND_NAVER_CLIENT_ID" in missing.output


def test_a_source_whose_every_request_is_refused_fails(db: Database, settings: Settings) -> None:
    refused = b'{"error":{"code":"unauthorized","message":"missing bearer token"}}'
    with FakeApi() as api:
        fake_public_apis(api)
        api.route("/v1/signals/deals", lambda r: Reply(401, refused))
        recorded_401 = fixture("naver_error_401_recorded.json")
        api.route("/naver", lambda r: json_reply(recorded_401, status=401))
        report = run(configured(settings, api), db)
    by_source = {s.source: s for s in report.sources}
    deals, naver = by_source["news-deals"], by_source["naver-datalab"]
    assert (deals.status, deals.values, deals.detail) == ("failed", 0, "all 3 trends failed")
    assert naver.status == "failed" and by_source["law-go-kr"].status == "ok"
    assert report.exit_code == 1
    text = "\n".join(report.lines())
    assert "news-deals     failed       0 values      0 changed" in text
    # one reason line for the three trends, naming what to fix
    assert "    - 3 trends: news-deals GET /v1/signals/deals: HTTP 401" in text
    assert "TRENDPATH_AUTH_URL" in text
    assert "errorCode 024: Not Exist Client ID" in text


def test_some_trends_failing_is_partial_and_names_them(db: Database, settings: Settings) -> None:
    def lawgo(r: Request) -> Reply:
        if r.query["query"] == "AI 에이전트":
            return xml(fixture("lawgo_refusal_recorded.xml"))
        return xml(fixture("lawgo_eflaw_recorded.xml"))

    with FakeApi() as api:
        fake_public_apis(api)
        api.route("/lawgo", lawgo)
        report = run(
            configured(settings, api, trend_lawgo_targets=("eflaw",)), db, names=["law-go-kr"]
        )
    (law,) = report.sources
    assert law.status == "partial" and law.values == 12
    assert law.detail == "1 of 3 trends failed: ai-agents"
    assert report.exit_code == 3
    assert any(line.startswith("    - ai-agents: law-go-kr eflaw") for line in report.lines())


def test_cli_exits_non_zero_when_every_request_failed(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    cli_env(settings, monkeypatch, tmp_path)
    with FakeApi() as api:
        api.route("/v1/signals/deals", lambda r: Reply(401, b'{"error":{"code":"unauthorized"}}'))
        monkeypatch.setenv("TRENDPATH_NEWS_URL", api.url)
        result = CliRunner().invoke(
            trends_cli, ["collect", "--source", "news-deals", "--weeks", "2"]
        )
        assert len(api.hits("/v1/signals/deals")) == 1
    n = len(load_catalog())
    assert result.exit_code == 1, result.output
    assert "news-deals     failed       0 values      0 changed" in result.output
    assert f"all {n} trends failed" in result.output
    assert f"    - {n} trends: news-deals GET /v1/signals/deals: HTTP 401" in result.output
