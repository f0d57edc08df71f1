"""Test harness: one real embedded PostgreSQL (+ pgvector) per test session or xdist worker.

The database is migrated with Alembic (``upgrade head``), never ``create_all``. Tests that touch
the database use the ``db`` fixture, which truncates every table in the service schemas afterwards,
so each test starts from empty tables whether it wrote through a session or through a live server.
Set ``TRENDPATH_TEST_DATABASE_URL`` to run against your own server instead (it must be disposable).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from trendpath.kit.db import Database
from trendpath.kit.embedded import EmbeddedPostgres
from trendpath.kit.http import ServiceClients
from trendpath.kit.migrate import upgrade
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import SERVICES, Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a migrated, disposable database for this session/worker."""
    external = os.environ.get("TRENDPATH_TEST_DATABASE_URL")
    if external:
        yield external
        return
    state = Path(tempfile.mkdtemp(prefix="trendpath-test-pg-"))
    embedded = EmbeddedPostgres.for_state_dir(state)
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Test settings pointing at the session database."""
    return Settings(
        env="test",
        database_url=pg_url,
        state_dir=tmp_path_factory.mktemp("state"),
        log_json=False,
    )


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    """The session's pooled Database, migrated to head."""
    assert settings.database_url is not None
    db = Database.from_settings(settings, settings.database_url, name="tests")
    upgrade(db)
    yield db
    db.dispose()


def truncate_all(db: Database) -> None:
    """Empty every table in the service schemas (keeps the schema and alembic_version)."""
    with db.engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = ANY(:schemas)"
            ),
            {"schemas": list(SERVICES)},
        ).scalars()
        tables = list(rows)
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """The database, emptied after the test."""
    try:
        yield database
    finally:
        truncate_all(database)


@pytest.fixture(scope="session")
def runtime(settings: Settings, database: Database) -> Runtime:
    """A Runtime over the session database (clients filled by ``live_server``)."""
    return Runtime(settings=settings, db=database, clients=ServiceClients(settings))


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a background thread."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,  # type: ignore[arg-type]
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_server(settings: Settings, runtime: Runtime) -> Iterator[LiveServer]:
    """Every service and the dashboard on one real port, as ``trendpath run`` serves them."""
    from trendpath.combined import create_combined_app

    with LiveServer(create_combined_app(settings, runtime)) as server:
        yield server


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client for the live server."""
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client
