"""The database: one pooled SQLAlchemy engine (psycopg 3) per process, sessions per unit of work.

Stores (``<service>/store.py``) take a ``Session`` and never commit; the request handler or job that
owns the unit of work commits once. ``session_scope`` gives jobs the same shape as requests.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

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


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: a session for this request, rolled back unless the handler committed."""
    db: Database | None = getattr(request.app.state, "db", None)
    if db is None:
        raise ApiError(503, "unavailable", "database not configured")
    session = db.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
