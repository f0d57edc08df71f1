"""The chain's job queues killed with SIGKILL:

* ``trendpath trends work`` killed inside the Velocity step's one transaction (scores replaced,
  the test holding a lock the step needs next): nothing of the step is visible, the job is
  still there (leased by a dead worker), and a second worker picks it up when the lease runs
  out and reaches exactly the state of an uninterrupted run — current scores, one event per
  changed trend, one forecast job;
* ``trendpath users work`` killed inside a re-match, before its inbox notice commits: the
  rerun writes exactly one notice (the re-match itself is idempotent by fingerprint).

A job whose worker dies on every attempt is parked with that reason rather than killing workers
for ever; tests/kit/test_kit_jobqueue.py proves that with leases that run out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

import httpx
import pytest
from crash_proc import Blocker, Spawn, rows, wait_backends_gone, wait_until, waiting_on_lock
from test_crash_indicators import END_WEEK, assert_velocity_is_current, seed_history, velocity

from support import LiveServer
from trendpath.kit.db import Database
from trendpath.kit.settings import Settings
from trendpath.trends import chain, store

LEASE = "2"
FAST = {"TRENDPATH_JOBS_LEASE_S": LEASE, "TRENDPATH_JOBS_MAX_ATTEMPTS": "3"}


def collected(db: Database, ids: dict[str, int]) -> None:
    """New values of two trends written with their Velocity job, as a collection run does."""
    with db.session_scope() as session:
        store.upsert_indicators(
            session,
            [
                store.IndicatorRow(ids[slug], "patent_filing_rate", END_WEEK, 400.0, "kipris-plus")
                for slug in list(ids)[:2]
            ],
        )
        chain.enqueue_velocity(session, "collect:kipris-plus")


def jobs(db: Database) -> list[tuple[str, str, int]]:
    found = rows(db, "SELECT kind, state, attempts FROM trends.job ORDER BY id")
    return [(r.kind, r.state, r.attempts) for r in found]


def events(db: Database) -> list[tuple[str, str]]:
    found = rows(db, "SELECT kind, trend_slug FROM trends.trend_event ORDER BY id")
    return [(r.kind, r.trend_slug) for r in found]


@pytest.mark.slow
def test_a_worker_killed_inside_the_velocity_step_leaves_the_job_to_the_next(
    crash_db: Database, spawn: Spawn
) -> None:
    ids = seed_history(crash_db, weeks=80, end_week=END_WEEK)
    collected(crash_db, ids)
    before = velocity(crash_db)

    # The step reads, then replaces the scores (DELETE ...); holding trend_event makes it wait
    # after the replacement, inside its transaction, just before it writes the events.
    with Blocker(crash_db, "LOCK TABLE trends.trend_event IN ACCESS EXCLUSIVE MODE"):
        proc = spawn("trends", "work", "--once", "--kind", "velocity", **FAST)
        wait_until(
            lambda: (
                waiting_on_lock(crash_db, "trends-worker", "SELECT pg_advisory_xact_lock")
                or waiting_on_lock(crash_db, "trends-worker", "INSERT INTO trends.trend_event")
            ),
            90,
            "the worker to reach the events of its step",
            proc,
        )
        proc.kill9()
    wait_backends_gone(crash_db, "trends-worker")
    assert velocity(crash_db) == before, "a killed step left scores behind"
    assert events(crash_db) == []
    assert jobs(crash_db) == [("velocity", "running", 1)]  # leased by a dead worker

    time.sleep(float(LEASE) + 0.5)
    rerun = spawn("trends", "work", "--once", "--kind", "velocity", **FAST)
    assert rerun.finish() == 0, rerun.output
    assert "1 jobs run" in rerun.output
    assert_velocity_is_current(crash_db)
    changed = events(crash_db)
    assert changed and len(changed) == len(set(changed)), changed  # one event per trend
    assert {slug for _, slug in changed} <= set(ids)
    assert jobs(crash_db) == [("forecast", "pending", 0)]


# --- the users service's re-match --------------------------------------------------------------


PROFILE = {
    "status": "career_changer",
    "field": "경영학",
    "education": "bachelor",
    "weekly_hours": 8,
    "region": "seoul",
    "interests": ["ai", "data", "software_development"],
    "skills": {"python": 2, "math_statistics": 3, "communication": 4},
    "extras": {},
}


def _seed_and_follow(live: LiveServer, db: Database, settings: Settings) -> tuple[str, str]:
    """Demo trends embedded through the AI service, and a user whose roadmap follows the top
    trend; (user id, slug)."""
    from support import new_user
    from trendpath.demo import ensure_demo
    from trendpath.kit.http import ServiceClients
    from trendpath.kit.runtime import Runtime
    from trendpath.trends.vectors import refresh_trend_vectors

    urls = {f"{s}_url": f"{live.url}/api/{s}" for s in ("auth", "users", "news", "trends", "ai")}
    side_settings = settings.model_copy(update={**urls, "service_timeout_s": 120.0})
    side = Runtime(settings=side_settings, db=db, clients=ServiceClients(side_settings))
    list(ensure_demo(side))

    async def embed() -> int:
        try:
            return await refresh_trend_vectors(side)
        finally:
            await side.clients.aclose()

    assert asyncio.run(embed()) > 0
    user_id, token = new_user(db, settings, f"{uuid.uuid4().hex[:8]}@example.com")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{live.url}/api/users/v1", headers=headers, timeout=60) as api:
        assert api.put("/profile", json=PROFILE).status_code in (200, 201)
        slug = api.get("/match").json()["items"][0]["slug"]
        assert api.post("/roadmaps", json={"trend_slug": slug}).status_code == 201
    return user_id, slug


def _fall(db: Database, slug: str) -> None:
    lines = ["trend,week,indicator,value,source"]
    (last,) = rows(db, "SELECT max(week) AS week FROM trends.indicator_value")
    for i in range(4):
        week = last.week - dt.timedelta(weeks=3 - i)
        for name in ("funding_volume_growth", "learning_demand_growth", "search_volume_growth"):
            lines.append(f"{slug},{week},{name},{-10.0 * (i + 1)},survey")
    with db.session_scope() as session:
        chain.import_and_recompute(session, "\n".join(lines).encode(), "fall.csv")


@pytest.mark.slow
def test_a_users_worker_killed_before_its_notice_commits_leaves_exactly_one_notice(
    crash_db: Database, spawn: Spawn, live_server: LiveServer, settings: Settings
) -> None:
    user_id, slug = _seed_and_follow(live_server, crash_db, settings)
    _fall(crash_db, slug)
    env = {
        f"TRENDPATH_{s.upper()}_URL": f"{live_server.url}/api/{s}" for s in ("auth", "ai", "trends")
    }
    env.update(FAST, TRENDPATH_SERVICE_TIMEOUT_S="120")

    with Blocker(crash_db, "LOCK TABLE users.notification IN ACCESS EXCLUSIVE MODE"):
        proc = spawn("users", "work", "--once", **env)
        wait_until(
            lambda: waiting_on_lock(crash_db, "users-worker", "INSERT INTO users.notification"),
            120,
            "the re-match to reach its notice",
            proc,
        )
        proc.kill9()
    wait_backends_gone(crash_db, "users-worker")
    assert rows(crash_db, "SELECT id FROM users.notification") == []
    (job,) = rows(crash_db, "SELECT kind, key, state FROM users.job")
    assert (job.kind, job.key, job.state) == ("rematch", user_id, "running")
    assert rows(crash_db, "SELECT last_id FROM users.event_cursor")  # the cursor moved with it

    time.sleep(float(LEASE) + 0.5)
    rerun = spawn("users", "work", "--once", **env)
    assert rerun.finish() == 0, rerun.output
    assert "1 jobs run" in rerun.output
    notices = rows(crash_db, "SELECT kind, trend_slug, user_id FROM users.notification")
    assert [(n.kind, n.trend_slug, str(n.user_id)) for n in notices] == [("slowing", slug, user_id)]
    assert rows(crash_db, "SELECT id FROM users.job") == []
