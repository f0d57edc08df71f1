"""Indicator writes killed with SIGKILL: ``trendpath trends import`` and ``trends collect``.

* import: killed at the end of its one transaction (every row upserted, the Velocity recompute
  waiting on a lock the test holds). Nothing of it may be visible afterwards, and the rerun must
  reach exactly the state of an uninterrupted import.
* collect: killed after the source's values were committed but before the Velocity recompute
  (the two are separate units of work). The rerun finds every value already stored; it must
  still bring the Velocity history up to date (this was a bug: it stayed stale for good).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from crash_proc import (
    Blocker,
    Spawn,
    rows,
    table_lock_free,
    wait_backends_gone,
    wait_until,
    waiting_on_lock,
)

from trendpath.kit.db import Database
from trendpath.trends import store
from trendpath.trends.catalog import load_catalog
from trendpath.trends.demo import generate_panel
from trendpath.trends.demo_data import trend_row
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.recompute import load_panel, recompute_all, velocity_rows
from trendpath.trends.sources.base import recent_weeks
from trendpath.trends.sources.ratelimit import korean_today
from trendpath.trends.velocity import VelocityConfig

SLUGS = tuple(t.slug for t in load_catalog()[:5])
STEP_READ = "SELECT t.id AS trend_id"
"""The Velocity step's first read of the scores (``trends.chain.velocity_step``)."""
END_WEEK = dt.date(2025, 6, 30)


def seed_history(db: Database, weeks: int, end_week: dt.date, seed: int = 7) -> dict[str, int]:
    """Committed history: catalog trends, synthetic indicators and their Velocity."""
    by_slug = {t.slug: t for t in load_catalog()}
    panel = generate_panel(list(SLUGS), weeks=weeks, end_week=end_week, seed=seed)
    with db.session_scope() as session:
        ids = store.upsert_trends(session, [trend_row(by_slug[s]) for s in SLUGS])
        store.upsert_indicators(
            session,
            (
                store.IndicatorRow(ids[slug], name, week, float(panel.values[t, w, i]), "seed")
                for t, slug in enumerate(panel.slugs)
                for w, week in enumerate(panel.weeks)
                for i, name in enumerate(INDICATORS)
            ),
        )
        recompute_all(session)
    return ids


def indicators(db: Database) -> dict[tuple[int, str, dt.date], tuple[float, str, dt.datetime]]:
    """Every stored indicator value with its source and ingestion time."""
    found = rows(
        db,
        "SELECT trend_id, indicator, week, value, source, ingested_at FROM trends.indicator_value",
    )
    return {(r.trend_id, r.indicator, r.week): (r.value, r.source, r.ingested_at) for r in found}


def velocity(db: Database) -> dict[tuple[int, dt.date], tuple[Any, ...]]:
    """Every stored Velocity row (score, contributions, stability, computed_at)."""
    found = rows(
        db,
        "SELECT trend_id, week, score, contributions, stability, computed_at FROM trends.velocity",
    )
    return {
        (r.trend_id, r.week): (r.score, tuple(r.contributions), r.stability, r.computed_at)
        for r in found
    }


def assert_velocity_is_current(db: Database) -> None:
    """Stored Velocity equals a fresh recompute from the stored indicators."""
    with db.session_scope() as session:
        ids, weeks, values = load_panel(session)
    expected: list[dict[str, Any]] = velocity_rows(ids, weeks, values, VelocityConfig())
    stored = velocity(db)
    assert len(stored) == len(expected) > 0
    for row in expected:
        score, contributions, stability, _ = stored[(row["trend_id"], row["week"])]
        assert score == pytest.approx(row["score"], rel=1e-12, abs=1e-12)
        assert contributions == pytest.approx(tuple(row["contributions"]), abs=1e-12)
        assert stability == pytest.approx(row["stability"], abs=1e-12)


# --- trends import -----------------------------------------------------------------------------


def write_csv(path: Path, ids: dict[str, int]) -> dict[tuple[int, str, dt.date], float]:
    """3,000 rows (5 trends x 5 indicators x 120 weeks); their values."""
    panel = generate_panel(list(SLUGS), weeks=120, end_week=END_WEEK, seed=8)
    values: dict[tuple[int, str, dt.date], float] = {}
    lines = ["trend,week,indicator,value,source"]
    for t, slug in enumerate(panel.slugs):
        for i, name in enumerate(INDICATORS):
            for w, week in enumerate(panel.weeks):
                value = float(panel.values[t, w, i])
                values[(ids[slug], name, week)] = value
                lines.append(f"{slug},{week.isoformat()},{name},{value!r},crash-test")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return values


@pytest.mark.slow
def test_import_killed_before_its_commit_leaves_nothing_and_reruns_to_the_same_end(
    crash_db: Database, spawn: Spawn, tmp_path: Path
) -> None:
    ids = seed_history(crash_db, weeks=80, end_week=END_WEEK - dt.timedelta(weeks=40))
    csv_file = tmp_path / "indicators.csv"
    imported = write_csv(csv_file, ids)
    before_iv, before_v = indicators(crash_db), velocity(crash_db)
    assert len(before_iv) == 2000 and set(before_iv) < set(imported)

    # Every row is upserted inside the import's one transaction before Velocity is recomputed in
    # it; with the Velocity table held, the import waits there, all its rows written, uncommitted.
    with Blocker(crash_db, "LOCK TABLE trends.velocity IN ACCESS EXCLUSIVE MODE"):
        proc = spawn("trends", "import", str(csv_file))
        wait_until(
            lambda: waiting_on_lock(crash_db, "trends-import", STEP_READ),
            90,
            "the import to reach the end of its transaction",
            proc,
        )
        proc.kill9()
    wait_backends_gone(crash_db, "trends-import")
    assert table_lock_free(crash_db, "trends.indicator_value")
    assert indicators(crash_db) == before_iv, "a killed import left rows behind"
    assert velocity(crash_db) == before_v

    rerun = spawn("trends", "import", str(csv_file))
    assert rerun.finish() == 0, rerun.output
    assert "3000 rows accepted, 3000 written or changed (1000 new, 2000 revised)" in rerun.output
    assert "0 rejected" in rerun.output
    expected = {key: (value, "seed") for key, (value, _, _) in before_iv.items()}
    expected.update({key: (value, "crash-test") for key, value in imported.items()})
    assert {key: (v, s) for key, (v, s, _) in indicators(crash_db).items()} == expected
    assert_velocity_is_current(crash_db)


# --- trends collect ----------------------------------------------------------------------------


class _Deals(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
        first = dt.date.fromisoformat(query["from"])
        last = dt.date.fromisoformat(query["to"])
        body = json.dumps({"items": list(deal_items(first, last))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def deal_items(first: dt.date, last: dt.date) -> Iterator[dict[str, Any]]:
    """The News service's deal signals: a few deals every week for each test trend."""
    week = first - dt.timedelta(days=first.weekday())
    while week <= last:
        for slug in SLUGS:
            n = int(hashlib.sha256(f"{slug}{week}".encode()).hexdigest()[:4], 16) % 5 + 1
            yield {"trend": slug, "week": week.isoformat(), "deals": n, "amount_krw": n * 1e9}
        week += dt.timedelta(weeks=1)


@pytest.fixture
def deals_api() -> Iterator[str]:
    """A stand-in for the News service's ``/v1/signals/deals`` on 127.0.0.1."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Deals)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.slow
def test_collect_killed_before_the_velocity_recompute_is_repaired_by_the_next_run(
    crash_db: Database, spawn: Spawn, deals_api: str
) -> None:
    weeks = recent_weeks(8, korean_today())
    ids = seed_history(crash_db, weeks=60, end_week=weeks[-1])
    before_v = velocity(crash_db)
    command = ("trends", "collect", "--source", "news-deals", "--weeks", "8")
    env = {"TRENDPATH_NEWS_URL": deals_api}

    def funding() -> dict[tuple[int, str, dt.date], tuple[float, str, dt.datetime]]:
        wanted = {ids[s] for s in SLUGS}
        return {
            k: v
            for k, v in indicators(crash_db).items()
            if k[1] == "funding_volume_growth" and k[2] in weeks and k[0] in wanted
        }

    with Blocker(crash_db, "LOCK TABLE trends.velocity IN ACCESS EXCLUSIVE MODE"):
        proc = spawn(*command, **env)
        wait_until(
            lambda: waiting_on_lock(crash_db, "trends-collect", STEP_READ),
            90,
            "the collection to reach its Velocity recompute",
            proc,
        )
        committed = funding()  # the source's unit of work is done: its values are stored
        assert len(committed) == len(SLUGS) * len(weeks)
        assert {source for _, source, _ in committed.values()} == {"news-deals"}
        proc.kill9()
    wait_backends_gone(crash_db, "trends-collect")
    assert table_lock_free(crash_db, "trends.velocity")
    assert funding() == committed, "committed values were lost"
    assert velocity(crash_db) == before_v  # the recompute died with the process: now stale
    # ... but its job was committed with the values: any worker repairs it, no person needed.
    pending = rows(crash_db, "SELECT kind, state FROM trends.job")
    assert [(r.kind, r.state) for r in pending] == [("velocity", "pending")]

    rerun = spawn(*command, **env)
    assert rerun.finish() == 0, rerun.output
    assert "0 changed" in rerun.output  # every value was already there ...
    assert "weekly scores recomputed" in rerun.output  # ... and Velocity is repaired anyway
    assert funding() == committed, "values were stored twice or changed"
    assert_velocity_is_current(crash_db)
    assert velocity(crash_db) != before_v
