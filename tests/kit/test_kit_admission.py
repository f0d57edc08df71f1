"""Request sessions under a burst: no thread-pool / connection-pool deadlock, overload is a 503."""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from trendpath.kit.db import Admission, Database, SessionDep, admission_slots
from trendpath.kit.errors import install_error_handlers


class Out(BaseModel):
    value: int


def _app(db: Database, hold_s: float) -> FastAPI:
    app = FastAPI()
    app.state.db = db
    install_error_handlers(app)

    @app.get("/work", response_model=Out)
    def work(session: SessionDep) -> Out:
        # A sync handler, a query, then response validation: FastAPI needs a worker thread for
        # the handler and another one for the response while the connection is still held.
        value = int(session.execute(text("SELECT 1")).scalar_one())
        time.sleep(hold_s)
        return Out(value=value)

    return app


async def _burst(app: FastAPI, n: int) -> list[int]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        replies = await asyncio.gather(*(client.get("/work") for _ in range(n)))
    return [r.status_code for r in replies]


def test_a_burst_larger_than_the_thread_pool_completes(pg_url: str) -> None:
    # 120 concurrent requests, 40 worker threads, 3 connections: before admission control every
    # thread ended up waiting for a connection held by a request that waited for a thread, and
    # all of them failed with 500 after the pool timeout.
    db = Database(url=pg_url, pool_size=2, max_overflow=1, pool_timeout_s=20)
    try:
        started = time.monotonic()
        statuses = asyncio.run(_burst(_app(db, hold_s=0.005), 120))
        assert statuses == [200] * 120
        assert time.monotonic() - started < 15
        assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        db.dispose()


def test_waiting_longer_than_the_pool_timeout_is_a_503_with_retry_after(pg_url: str) -> None:
    db = Database(url=pg_url, pool_size=1, max_overflow=0, pool_timeout_s=0.3)
    try:

        async def run() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=_app(db, hold_s=0.5))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                return list(await asyncio.gather(*(client.get("/work") for _ in range(4))))

        replies = asyncio.run(run())
        codes = sorted(r.status_code for r in replies)
        assert codes[0] == 200 and 503 in codes and 500 not in codes
        busy = next(r for r in replies if r.status_code == 503)
        assert busy.headers["retry-after"] == "1"
        assert busy.json()["error"]["code"] == "busy"
    finally:
        db.dispose()


def test_slots_leave_part_of_the_pool_free() -> None:
    assert admission_slots(5, 10) == 12
    assert admission_slots(10, 10) == 15
    assert admission_slots(1, 0) == 1
    assert admission_slots(2, 1) == 2


def test_each_event_loop_gets_its_own_slots() -> None:
    admission = Admission(slots=2, timeout_s=1)

    async def take() -> int:
        await admission.acquire()
        try:
            return admission.in_use()
        finally:
            admission.release()

    # A semaphore bound to a finished loop must not break the next one.
    assert asyncio.run(take()) == 1
    assert asyncio.run(take()) == 1
