"""The PostgreSQL job queue (``kit.jobqueue``) and its worker (``kit.jobworker``) on the real
database: coalescing, SKIP LOCKED claims, back-off, parking, lease expiry, NOTIFY wake-up."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from sqlalchemy import text

from trendpath.kit.db import Database
from trendpath.kit.jobqueue import Job, JobQueue, RetryPolicy
from trendpath.kit.jobworker import Worker
from trendpath.kit.runtime import Runtime

FAST = RetryPolicy(max_attempts=3, backoff_base_s=0.2, backoff_max_s=1.0, lease_s=1.0)


def queue() -> JobQueue:
    return JobQueue("trends", FAST)


def enqueue(db: Database, kind: str, key: str = "", payload: dict | None = None) -> None:
    with db.session_scope() as session:
        queue().enqueue(session, kind, key, payload)


def claim(db: Database, kinds: list[str] | None = None) -> Job | None:
    with db.session_scope() as session:
        return queue().claim(session, kinds)


def jobs(db: Database) -> list[dict]:
    with db.session_scope() as session:
        rows = session.execute(
            text(
                "SELECT id, kind, key, payload, state, attempts, last_error, run_after, "
                "lease_until FROM trends.job ORDER BY id"
            )
        )
        return [dict(r._mapping) for r in rows]


def test_pending_jobs_coalesce_by_kind_and_key_merging_payloads(db: Database) -> None:
    enqueue(db, "velocity", payload={"csv:a.csv": True})
    enqueue(db, "velocity", payload={"collect:naver-datalab": True})
    enqueue(db, "rematch", "u1", {"ai": 1})
    enqueue(db, "rematch", "u1", {"chips": 2})
    enqueue(db, "rematch", "u2", {"ai": 3})
    found = jobs(db)
    assert [(j["kind"], j["key"]) for j in found] == [
        ("velocity", ""),
        ("rematch", "u1"),
        ("rematch", "u2"),
    ]
    assert found[0]["payload"] == {"csv:a.csv": True, "collect:naver-datalab": True}
    assert found[1]["payload"] == {"ai": 1, "chips": 2}


def test_a_running_job_does_not_absorb_new_work(db: Database) -> None:
    enqueue(db, "velocity", payload={"first": True})
    job = claim(db)
    assert job is not None and job.attempts == 1
    enqueue(db, "velocity", payload={"second": True})
    states = [(j["state"], j["payload"]) for j in jobs(db)]
    assert states == [("running", {"first": True}), ("pending", {"second": True})]


def test_skip_locked_gives_concurrent_claimers_different_jobs(db: Database) -> None:
    for key in ("a", "b"):
        enqueue(db, "velocity", key)
    q = queue()
    with db.session_scope() as first:
        one = q.claim(first)  # this transaction still holds the row lock
        two = claim(db)
        assert one is not None and two is not None
        assert one.key != two.key
        assert claim(db) is None  # nothing else is due


def test_failures_back_off_then_park_with_the_reason_and_retry_restarts(db: Database) -> None:
    enqueue(db, "forecast")
    q = queue()
    for attempt in range(1, FAST.max_attempts + 1):
        job = _claim_when_due(db)
        assert job.attempts == attempt
        with db.session_scope() as session:
            state = q.fail(session, job, f"RegistryError: attempt {attempt}")
        row = jobs(db)[0]
        if attempt < FAST.max_attempts:
            assert state == "pending" and row["state"] == "pending"
            assert row["run_after"] > dt.datetime.now(dt.UTC)  # backed off
            assert claim(db) is None
        else:
            assert state == "parked" and row["state"] == "parked"
            assert row["last_error"] == "RegistryError: attempt 3"
    time.sleep(FAST.backoff_max_s)
    assert claim(db) is None  # parked jobs never run by themselves
    with db.session_scope() as session:
        assert q.counts(session) == {"pending": 0, "running": 0, "parked": 1}
        assert q.retry(session, jobs(db)[0]["id"])
    job = claim(db)
    assert job is not None and job.attempts == 1 and job.kind == "forecast"


def _claim_when_due(db: Database, timeout: float = 5.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = claim(db)
        if job is not None:
            return job
        time.sleep(0.05)
    raise AssertionError("no job became due")


def test_an_expired_lease_is_reclaimed_and_a_job_that_always_dies_is_parked(
    db: Database,
) -> None:
    enqueue(db, "velocity")
    for attempt in range(1, FAST.max_attempts + 1):
        job = _claim_when_due(db)  # and never completed: the worker "died"
        assert job.attempts == attempt
        assert claim(db) is None  # leased
    time.sleep(FAST.lease_s + 0.2)
    assert claim(db) is None
    row = jobs(db)[0]
    assert row["state"] == "parked"
    assert "worker stopped during each of 3 attempts" in row["last_error"]


def test_a_stale_worker_cannot_complete_a_job_someone_else_reclaimed(db: Database) -> None:
    enqueue(db, "velocity")
    stale = claim(db)
    assert stale is not None
    time.sleep(FAST.lease_s + 0.1)
    fresh = claim(db)
    assert fresh is not None and fresh.attempts == 2
    q = queue()
    with db.session_scope() as session:
        assert not q.complete(session, stale)
        assert not q.heartbeat(session, stale)
        assert q.complete(session, fresh)
    assert jobs(db) == []


def test_failing_while_new_work_waits_folds_into_the_pending_job(db: Database) -> None:
    enqueue(db, "rematch", "u1", {"ai": 1})
    job = claim(db)
    assert job is not None
    enqueue(db, "rematch", "u1", {"chips": 2})
    with db.session_scope() as session:
        assert queue().fail(session, job, "ApiError: trends down") == "pending"
    (row,) = jobs(db)
    assert row["state"] == "pending" and row["attempts"] == 1
    assert row["payload"] == {"ai": 1, "chips": 2}
    assert row["last_error"] == "ApiError: trends down"


def test_the_worker_runs_handlers_completes_and_records_failures(
    db: Database, runtime: Runtime
) -> None:
    seen: list[str] = []

    async def ok(_runtime: Runtime, job: Job) -> None:
        seen.append(job.key)

    async def boom(_runtime: Runtime, job: Job) -> None:
        raise RuntimeError("no panel yet")

    for key in ("a", "b"):
        enqueue(db, "velocity", key)
    enqueue(db, "forecast")
    worker = Worker(queue(), {"velocity": ok, "forecast": boom}, poll_s=1)
    assert asyncio.run(worker.drain(runtime)) == 3
    assert sorted(seen) == ["a", "b"]
    (left,) = jobs(db)
    assert left["kind"] == "forecast" and left["state"] == "pending"
    assert left["last_error"] == "RuntimeError: no panel yet"


def test_a_long_job_keeps_its_lease_by_heartbeat(db: Database, runtime: Runtime) -> None:
    enqueue(db, "forecast")
    reclaimed: list[Job | None] = []

    async def slow(_runtime: Runtime, job: Job) -> None:
        await asyncio.sleep(FAST.lease_s * 2.5)
        reclaimed.append(await asyncio.to_thread(claim, db))

    worker = Worker(queue(), {"forecast": slow}, poll_s=1)
    assert asyncio.run(worker.drain(runtime)) == 1
    assert reclaimed == [None]  # never expired while it ran
    assert jobs(db) == []


def test_notify_wakes_an_idle_worker_at_once(db: Database, runtime: Runtime) -> None:
    done = asyncio.Event()
    took: list[float] = []

    async def handler(_runtime: Runtime, job: Job) -> None:
        took.append(time.monotonic())
        done.set()

    async def scenario() -> None:
        worker = Worker(queue(), {"velocity": handler}, poll_s=60)
        task = asyncio.create_task(worker.run(runtime))
        from trendpath.kit.listen import listener

        await asyncio.wait_for(listener(runtime).connected.wait(), 10)
        await asyncio.sleep(0.3)  # idle: waiting for a wake-up, the poll is a minute away
        started = time.monotonic()
        await asyncio.to_thread(enqueue, db, "velocity")
        await asyncio.wait_for(done.wait(), 5)
        took.append(took.pop() - started)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await listener(runtime).aclose()

    asyncio.run(scenario())
    assert took[0] < 2.0


@pytest.mark.parametrize("schema", ["news", "auth", "public"])
def test_only_service_queues_exist(schema: str) -> None:
    with pytest.raises(ValueError, match="no job queue"):
        JobQueue(schema)
