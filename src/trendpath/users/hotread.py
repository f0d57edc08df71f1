"""The hot path's one read, asynchronous, on connections of its own that cannot stall the loop.

``GET /v1/match`` is one indexed read of well under a millisecond. Handing it to a worker thread
costs more than the query (the thread and the event loop trade the GIL), and a synchronous read
on the loop blocks the loop for the whole round trip: under load, while PostgreSQL waits for a
core, every other request of the process waits too (a profile of 64 clients showed the loop
blocked in the driver a third of the time). So the read goes through psycopg's asyncio driver, on
a small pool of its own per event loop: while one read waits for PostgreSQL the loop serves other
requests, and several reads are in flight on different backends. The connections run in
autocommit (no BEGIN/ROLLBACK round trips) with a short ``lock_timeout`` and
``statement_timeout``: a read queued behind DDL, or a slow server, gives up quickly. Whenever the
fast path fails (pool exhausted, server restarting), the read is retried the ordinary way, in a
thread on the main pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import psycopg
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import make_url
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trendpath.kit.runtime import Runtime

log = logging.getLogger(__name__)

T = TypeVar("T")
LOCK_TIMEOUT_MS = 50
STATEMENT_TIMEOUT_MS = 250
POOL_WAIT_S = 0.25
POOL_SIZE = 4
"""Reads in flight per process at once; more would only queue inside PostgreSQL on 2 cores."""
_KEY = "users.hot_pools"


def conninfo(url: str) -> str:
    """A libpq URI for psycopg from the SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pool(runtime: Runtime) -> AsyncConnectionPool:
    """This event loop's pool (created on first use, closed with the runtime's resources)."""
    loop = asyncio.get_running_loop()
    pools: dict[int, AsyncConnectionPool] = runtime.extras.setdefault(_KEY, {})  # type: ignore[assignment]
    pool = pools.get(id(loop))
    if pool is None:
        pool = AsyncConnectionPool(
            conninfo(runtime.db.url),
            min_size=1,
            max_size=POOL_SIZE,
            timeout=POOL_WAIT_S,
            open=False,
            kwargs={
                "autocommit": True,
                "row_factory": namedtuple_row,
                "application_name": "trendpath-users-hot",
                "options": f"-c lock_timeout={LOCK_TIMEOUT_MS} "
                f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                "connect_timeout": 2,
            },
        )
        pools[id(loop)] = pool
        runtime.closers.append(pool.close)
        await pool.open(wait=False)
    return pool


def read_main(runtime: Runtime, read: Callable[[Session], T]) -> T:
    """Run ``read`` on a pooled connection of the main database, in autocommit."""
    with (
        runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
        Session(bind=conn) as session,
    ):
        return read(session)


async def hot_row(
    runtime: Runtime,
    sql: str,
    params: Mapping[str, Any],
    fallback: Callable[[Session], Any],
) -> Any:
    """The first row of one read-only statement (attribute access by column name), or None.

    ``sql`` uses psycopg placeholders (``%(name)s``); ``fallback`` reads the same row through
    SQLAlchemy when the fast path is unavailable.
    """
    try:
        pool = await _pool(runtime)
        async with pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchone()
    except (psycopg.Error, PoolTimeout, OSError) as exc:
        log.info("hot read fell back to the pool", extra={"error": type(exc).__name__})
        return await run_in_threadpool(read_main, runtime, fallback)
