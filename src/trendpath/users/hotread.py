"""The hot path's one read, on the event loop, on a connection that cannot stall it.

``GET /v1/match`` is one indexed read of well under a millisecond. Handing it to a worker thread
costs more than the query (the thread and the event loop trade the GIL), and under load that
halves the endpoint's throughput. So the read runs on the loop — on its own single connection
(autocommit: no BEGIN/ROLLBACK round trips) whose ``lock_timeout`` and ``statement_timeout`` are
short: a read queued behind DDL, or a slow server, gives up quickly instead of blocking the loop
(which could otherwise deadlock with a migration waiting for requests that only the loop can
finish). Whenever that fails, the read is retried the ordinary way, in a thread on the main pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trendpath.kit.runtime import Runtime

log = logging.getLogger(__name__)

T = TypeVar("T")
LOCK_TIMEOUT_MS = 50
STATEMENT_TIMEOUT_MS = 250
_KEY = "users.hot_engine"


def _engine(runtime: Runtime) -> Engine:
    engine = runtime.extras.get(_KEY)
    if not isinstance(engine, Engine):
        engine = create_engine(
            runtime.db.url,
            isolation_level="AUTOCOMMIT",
            pool_size=1,
            max_overflow=0,
            pool_timeout=0.05,
            pool_recycle=1800,
            connect_args={
                "application_name": "trendpath-users-hot",
                "options": f"-c lock_timeout={LOCK_TIMEOUT_MS} "
                f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                "connect_timeout": 2,
            },
        )
        runtime.extras[_KEY] = engine
    return engine


def read_main(runtime: Runtime, read: Callable[[Session], T]) -> T:
    """Run ``read`` on a pooled connection of the main database, in autocommit."""
    with (
        runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
        Session(bind=conn) as session,
    ):
        return read(session)


async def hot_read(runtime: Runtime, read: Callable[[Session], T]) -> T:
    """Run a single-statement read on the event loop, falling back to a worker thread."""
    try:
        with _engine(runtime).connect() as conn, Session(bind=conn) as session:
            return read(session)
    except SQLAlchemyError as exc:
        log.info("hot read fell back to the pool", extra={"error": type(exc).__name__})
        return await run_in_threadpool(read_main, runtime, read)
