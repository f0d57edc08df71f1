"""The trend service's part of the chain and the provenance of its numbers, over its HTTP API:
an import records where each value came from and starts the chain (Velocity, events, forecast
job) in one transaction; collected values leave a Velocity job for the worker; the laws behind
``policy_change_frequency`` are served with their dates and links."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sources.sources_fakeapi import (
    FakeApi,
    Reply,
    Request,
    catalog_trends,
    fixture,
    source_settings,
    xml,
)
from sqlalchemy import text

from support import LiveServer, issue_token
from trendpath.demo import ensure_demo
from trendpath.kit.db import Database
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.trends import chain, store, store_chain
from trendpath.trends.sources.base import iso_monday
from trendpath.trends.sources.ratelimit import korean_today

API = "/api/trends/v1"
SLUG = "generative-ai"


@pytest.fixture
def admin(
    live_server: LiveServer, db: Database, settings: Settings, runtime: Runtime
) -> Iterator[httpx.Client]:
    """The demo data loaded, and a client holding an admin token."""
    list(ensure_demo(runtime))
    token = issue_token(
        db, settings, subject=str(uuid.uuid4()), client_id="web", scope="admin trends:read"
    )
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server.url, timeout=60, headers=headers) as client:
        yield client


def _weeks(n: int, db: Database) -> list[dt.date]:
    """The last ``n`` weeks of the stored (demo) history."""
    with db.session_scope() as session:
        last = session.execute(text("SELECT max(week) FROM trends.indicator_value")).scalar_one()
    return [last - dt.timedelta(weeks=i) for i in range(n - 1, -1, -1)]


def _import(admin: httpx.Client, body: str, name: str = "survey.csv") -> httpx.Response:
    return admin.post(
        f"{API}/admin/indicators/import",
        params={"file_name": name},
        content=body.encode(),
        headers={"Content-Type": "text/csv"},
    )


def _falling_csv(weeks: list[dt.date]) -> str:
    """The last weeks of one trend revised downwards: a real (non-demo) slowdown."""
    lines = ["trend,week,indicator,value,source"]
    for i, week in enumerate(weeks):
        for name in ("funding_volume_growth", "learning_demand_growth", "search_volume_growth"):
            lines.append(f"{SLUG},{week},{name},{-10.0 * (i + 1)},naver-datalab")
    return "\n".join(lines) + "\n"


def test_an_import_records_provenance_and_starts_the_chain(
    admin: httpx.Client, db: Database
) -> None:
    before = admin.get(f"{API}/trends/{SLUG}").json()
    assert before["velocity"]["synthetic_share"] == 1.0  # the demo data says what it is
    demo = {p["indicator"]: p for p in before["provenance"]}
    assert demo["search_volume_growth"]["synthetic_share"] == 1.0
    assert demo["search_volume_growth"]["sources"][0]["origin"] == "demo"

    weeks = _weeks(4, db)
    future = iso_monday(korean_today()) + dt.timedelta(weeks=1)
    body = _falling_csv(weeks) + (
        f"no-such-trend,{weeks[0]},search_volume_growth,1.0,\n"
        f"{SLUG},{future},search_volume_growth,1.0,\n"
        f"{SLUG},{weeks[0]},funding_volume_growth,-10.0,naver-datalab\n"
    )
    resp = _import(admin, body)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert (report["accepted"], report["new"], report["revised"]) == (12, 0, 12)
    reasons = sorted(r["reason"] for r in report["rejects"])
    assert len(reasons) == 3
    assert any(r.startswith("unknown trend 'no-such-trend'") for r in reasons)
    assert any("is in the future" in r for r in reasons)
    assert any(r.startswith("duplicate of line 2") for r in reasons)
    assert report["velocity_rows"] > 0

    series = admin.get(f"{API}/trends/{SLUG}/indicators", params={"from": str(weeks[0])}).json()
    search = next(s for s in series["series"] if s["indicator"] == "search_volume_growth")
    first = search["points"][0]
    assert (first["origin"], first["import_file"], first["source"]) == (
        "csv",
        "survey.csv",
        "naver-datalab",
    )
    assert first["import_row"] == 4  # the file's line: header, then 3 indicators per week
    after = admin.get(f"{API}/trends/{SLUG}").json()
    share = after["velocity"]["synthetic_share"]
    assert 0.9 < share < 1.0  # 12 of the ~280 values behind the score are real now
    uses = {p["indicator"]: p["sources"] for p in after["provenance"]}
    assert uses["search_volume_growth"][0]["origin"] == "csv"
    assert "survey.csv" in uses["search_volume_growth"][0]["label_ko"]

    events = admin.get(f"{API}/events", params={"after": 0}).json()
    mine = [e for e in events["items"] if e["slug"] == SLUG]
    assert [e["kind"] for e in mine] == ["velocity"]
    assert mine[0]["data"]["name_ko"] == "생성형 AI"
    assert mine[0]["data"]["synthetic_share"] == pytest.approx(share, abs=1e-4)
    assert mine[0]["data"]["movement"]["direction"] in ("up", "down", "flat")
    assert {e["slug"] for e in events["items"]} == {SLUG}  # nothing else moved
    assert admin.get(f"{API}/events", params={"after": events["next_after"]}).json() == {
        "items": [],
        "next_after": events["next_after"],
    }
    jobs = admin.get(f"{API}/admin/jobs").json()
    assert [(j["kind"], j["state"]) for j in jobs["items"]] == [("forecast", "pending")]

    again = _import(admin, _falling_csv(weeks)).json()
    assert (again["new"], again["revised"], again["velocity_rows"]) == (0, 0, 0)


def test_bad_imports_get_precise_errors(admin: httpx.Client, db: Database) -> None:
    missing = _import(admin, "trend;week\n1;2\n")
    assert missing.status_code == 422 and "missing column" in missing.json()["error"]["message"]
    assert _import(admin, "x", name="../../etc/passwd").status_code == 422
    week = _weeks(1, db)[0]
    control = _import(
        admin, f"trend,week,indicator,value,source\n{SLUG},{week},search_volume_growth,1,a\x01b\n"
    )
    assert control.status_code == 200
    assert control.json()["rejects"] == [
        {"line": 2, "reason": "field 'source' contains a control character"}
    ]
    undecodable = admin.post(
        f"{API}/admin/indicators/import",
        content=b"trend,week\n\x80\xff\x80\xff\n",
        headers={"Content-Type": "text/csv"},
    )
    assert undecodable.status_code == 422


def test_collected_values_leave_a_velocity_job_that_the_worker_runs(
    admin: httpx.Client, db: Database, runtime: Runtime
) -> None:
    ids = {}
    with db.session_scope() as session:
        ids = store.trend_ids(session)
        week = _weeks(1, db)[0]
        store.upsert_indicators(
            session,
            [store.IndicatorRow(ids[SLUG], "patent_filing_rate", week, 500.0, "kipris-plus")],
        )
        chain.enqueue_velocity(session, "collect:kipris-plus")
    q = chain.queue(runtime.settings)
    with db.session_scope() as session:
        assert q.counts(session)["pending"] == 1
    ran = asyncio.run(chain.worker(runtime.settings).drain(runtime, kinds=[chain.VELOCITY]))
    assert ran == 1
    with db.session_scope() as session:
        kinds = session.execute(text("SELECT kind, state FROM trends.job")).all()
        events = store_chain.events_after(session, 0, 100)
    assert [tuple(k) for k in kinds] == [("forecast", "pending")]
    assert [e.trend_slug for e in events] == [SLUG]
    detail = admin.get(f"{API}/trends/{SLUG}").json()
    patents = next(p for p in detail["provenance"] if p["indicator"] == "patent_filing_rate")
    assert patents["sources"][0]["origin"] == "api"
    assert patents["sources"][0]["url"] == "https://www.kipris.or.kr/"


def test_parked_jobs_show_their_reason_and_can_be_retried(
    admin: httpx.Client, db: Database, runtime: Runtime
) -> None:
    q = chain.queue(runtime.settings)
    with db.session_scope() as session:
        q.enqueue(session, "forecast")
    for _ in range(runtime.settings.jobs_max_attempts):
        with db.session_scope() as session:
            session.execute(text("UPDATE trends.job SET run_after = now()"))
            job = q.claim(session)
            assert job is not None
            q.fail(session, job, "PanelError: no week has data for every indicator")
    jobs = admin.get(f"{API}/admin/jobs").json()
    (parked,) = jobs["items"]
    assert parked["state"] == "parked"
    assert parked["last_error"] == "PanelError: no week has data for every indicator"
    assert jobs["counts"] == {"pending": 0, "running": 0, "parked": 1}
    assert admin.post(f"{API}/admin/jobs/{parked['id']}/retry").status_code == 204
    assert admin.post(f"{API}/admin/jobs/{parked['id']}/retry").status_code == 404
    assert admin.get(f"{API}/admin/jobs").json()["counts"]["pending"] == 1


def _lawgo(request: Request) -> Reply:
    # Real recorded answers (tests/trends/sources/fixtures/README.md): 소득세법 versions of
    # 2009-12..2010-04 and one 고시 of 2025-12-30.
    if request.query["target"] == "admrul":
        return xml(fixture("lawgo_admrul_abridged_recorded.xml"))
    return xml(fixture("lawgo_eflaw_recorded.xml"))


LAW_WEEKS = [dt.date(2009, 12, 28) + dt.timedelta(weeks=i) for i in range(19)] + [
    dt.date(2025, 12, 29)
]


def test_the_laws_behind_policy_changes_are_stored_and_served(
    admin: httpx.Client, db: Database
) -> None:
    from trendpath.trends.sources.lawgo import LawGoKrSource

    with FakeApi() as api:
        api.route("/DRF/lawSearch.do", _lawgo)
        settings = source_settings(
            trend_lawgo_oc="secret-oc", trend_lawgo_url=api.url + "/DRF/lawSearch.do"
        )
        src = LawGoKrSource.from_settings(settings)

        async def go() -> dict:
            try:
                return (await src.fetch(catalog_trends(SLUG), LAW_WEEKS)).documents
            finally:
                await src.aclose()

        documents = asyncio.run(go())
    assert documents[SLUG], "the source names the laws it counted"
    with db.session_scope() as session:
        tid = store.trend_ids(session)[SLUG]
        assert store_chain.upsert_policy_documents(session, tid, documents[SLUG]) > 0
    laws = admin.get(f"{API}/trends/{SLUG}/laws").json()
    assert laws["source_url"] == "https://www.law.go.kr/"
    titles = {item["title"]: item for item in laws["items"]}
    act = titles["소득세법"]
    assert (act["promulgated"], act["kind"]) == ("2009-12-31", "일부개정")
    assert act["link"].startswith("https://www.law.go.kr/LSW/lsInfoP.do?lsiSeq=")
    assert all("secret-oc" not in (item["link"] or "") for item in laws["items"])
    rule = titles["장기요양급여 제공기준 및 급여비용 산정방법 등에 관한 고시"]
    assert (rule["target"], rule["promulgated"]) == ("admrul", "2025-12-30")
    assert admin.get(f"{API}/trends/no-such-trend/laws").status_code == 404
