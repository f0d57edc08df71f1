"""The database: one pooled SQLAlchemy engine (psycopg 3) per process, sessions per unit of work.

Stores (``<service>/store.py``) take a ``Session`` and never commit; the request handler or job that
owns the unit of work commits once. ``session_scope`` gives jobs the same shape as requests.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from trendpath.kit.errors import ApiError, ConfigError
from trendpath.kit.settings import Settings

log = logging.getLogger(__name__)

MIN_SERVER_VERSION = 150000
MIN_PGVECTOR = (0, 7)


def normalise_url(url: str) -> str:
    """Accept ``postgres://``/``postgresql://`` URLs and select the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"TRENDPATH_DATABASE_URL is not a valid URL ({exc})",
            hint="use postgresql://USER:PASSWORD@HOST:5432/DBNAME",
        ) from exc
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"TRENDPATH_DATABASE_URL must point to PostgreSQL, not {parsed.get_backend_name()}",
            hint="use postgresql://USER:PASSWORD@HOST:5432/DBNAME",
        )
    return url


def redact(url: str) -> str:
    """The URL with its password hidden, for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid url>"


class Admission:
    """How many requests may hold a database session at once (per event loop).

    A request-scoped session keeps its connection from its first query until the request is torn
    down, and between the two FastAPI needs worker threads (the handler itself, then response
    validation). If every worker thread is blocked waiting for a pooled connection while the
    connections belong to requests waiting for a thread, nothing moves until the pool's timeout
    fails them all (found by ``bench/load.py``: 256 users signing up at once got 500s with the
    server 70 % idle). Requests therefore wait here, on the event loop and holding no thread,
    for one of fewer slots than the pool has connections; the rest of the pool stays free for
    jobs and for code that opens its own short session. A request that waits longer than the
    pool timeout is answered 503 with Retry-After instead of queueing without bound.
    """

    def __init__(self, slots: int, timeout_s: float) -> None:
        self.slots = max(1, slots)
        self.timeout_s = timeout_s
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._by_loop = weakref.WeakKeyDictionary()

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        sem = self._by_loop.get(loop)
        if sem is None:
            sem = self._by_loop[loop] = asyncio.Semaphore(self.slots)
        return sem

    async def acquire(self) -> None:
        """Wait for a slot; ApiError 503 (Retry-After: 1) after ``timeout_s``."""
        sem = self._semaphore()
        if not sem.locked():  # the usual case: a free slot, no timer needed
            await sem.acquire()
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                await sem.acquire()
        except TimeoutError:
            raise ApiError(
                503, "busy", "the server is busy; retry shortly", headers={"Retry-After": "1"}
            ) from None

    def release(self) -> None:
        """Give the slot back."""
        self._semaphore().release()

    async def __aenter__(self) -> None:
        """``async with admission:`` holds one slot for the block (see :meth:`acquire`)."""
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.release()

    def in_use(self) -> int:
        """Slots taken on the current loop (for tests and metrics)."""
        sem = self._by_loop.get(asyncio.get_running_loop())
        return 0 if sem is None else self.slots - sem._value


def admission_slots(pool_size: int, max_overflow: int) -> int:
    """Request slots for a pool: three quarters of its connections (at least one)."""
    total = pool_size + max_overflow
    return max(1, total - max(1, total // 4))


@dataclass
class Database:
    """A pooled engine plus a session factory."""

    url: str
    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout_s: float = 10.0
    statement_timeout_ms: int = 30_000
    application_name: str = "trendpath"
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)
    admission: Admission = field(init=False)

    def __post_init__(self) -> None:
        self.url = normalise_url(self.url)
        options = f"-c statement_timeout={self.statement_timeout_ms}"
        self.engine = create_engine(
            self.url,
            pool_size=self.pool_size,
            max_overflow=self.max_overflow,
            pool_timeout=self.pool_timeout_s,
            pool_pre_ping=True,
            pool_recycle=1800,
            connect_args={
                "application_name": self.application_name,
                "options": options,
                "connect_timeout": 5,
            },
        )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.admission = Admission(
            admission_slots(self.pool_size, self.max_overflow), self.pool_timeout_s
        )

    @classmethod
    def from_settings(cls, settings: Settings, url: str, name: str = "trendpath") -> Database:
        """Build from settings (pool sizes, timeouts) and an already resolved URL."""
        return cls(
            url=url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout_s=settings.db_pool_timeout_s,
            statement_timeout_ms=settings.db_statement_timeout_ms,
            application_name=name,
        )

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A unit of work for jobs: commits on success, rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def check(self) -> None:
        """Connect once and verify server and pgvector versions; raise ConfigError if unusable."""
        try:
            with self.engine.connect() as conn:
                server = conn.execute(text("SHOW server_version_num")).scalar_one()
                vec = conn.execute(
                    text("SELECT default_version FROM pg_available_extensions WHERE name='vector'")
                ).scalar()
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise ConfigError(
                f"cannot reach PostgreSQL at {redact(self.url)}: {reason}",
                hint="check TRENDPATH_DATABASE_URL (host, port, user, password) or unset it "
                "to use the embedded database",
            ) from exc
        if int(server) < MIN_SERVER_VERSION:
            raise ConfigError(f"PostgreSQL {server} is too old", hint="use PostgreSQL 15 or newer")
        if vec is None or _version_tuple(vec) < MIN_PGVECTOR:
            raise ConfigError(
                f"pgvector >= 0.7 is not available on {redact(self.url)} (found {vec})",
                hint="install pgvector on the server (https://github.com/pgvector/pgvector)",
            )

    def dispose(self) -> None:
        """Close all pooled connections."""
        self.engine.dispose()

    def pool_status(self) -> dict[str, int]:
        """Checked-out / idle connection counts, for metrics."""
        pool = self.engine.pool
        return {
            "size": int(getattr(pool, "size", lambda: 0)()),
            "checked_out": int(getattr(pool, "checkedout", lambda: 0)()),
            "idle": int(getattr(pool, "checkedin", lambda: 0)()),
            # QueuePool counts overflow from -pool_size; only real extra connections matter.
            "overflow": max(0, int(getattr(pool, "overflow", lambda: 0)())),
        }


def _version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split(".")[:2] if p.isdigit())


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """Bulk-insert rows with COPY inside the session's transaction; returns the row count.

    COPY is an order of magnitude faster than INSERT for bulk loads into tables the caller knows
    hold none of these keys yet (it fails on a conflict, rolling back the whole unit of work).
    """
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    count = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with dbapi.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _close(session: Session) -> None:
    session.rollback()
    session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: a session for this request, rolled back unless the handler committed.

    Taken through the database's :class:`Admission` (see there why), and given back on a thread
    of its own, as FastAPI does for sync dependencies: closing may talk to the server, and it
    must never wait for a worker thread while it holds a connection.
    """
    db: Database | None = getattr(request.app.state, "db", None)
    if db is None:
        raise ApiError(503, "unavailable", "database not configured")
    async with db.admission:
        session = db.sessions()
        try:
            yield session
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_close, session, limiter=anyio.CapacityLimiter(1))


SessionDep = Annotated[Session, Depends(get_session)]
