"""Test harness: one real embedded PostgreSQL (+ pgvector) per test session or xdist worker.

The database is migrated with Alembic (``upgrade head``), never ``create_all``. Tests that touch
the database use the ``db`` fixture, which truncates every table in the service schemas afterwards,
so each test starts from empty tables whether it wrote through a session or through a live server.
Set ``TRENDPATH_TEST_DATABASE_URL`` to run against your own server instead (it must be disposable).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import LiveServer, free_port, truncate_all
from trendpath.kit.db import Database
from trendpath.kit.embedded import EmbeddedPostgres
from trendpath.kit.http import ServiceClients
from trendpath.kit.migrate import upgrade
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["LiveServer", "free_port", "truncate_all"]


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
        background_jobs=False,
    )


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    """The session's pooled Database, migrated to head."""
    assert settings.database_url is not None
    db = Database.from_settings(settings, settings.database_url, name="tests")
    upgrade(db)
    yield db
    db.dispose()


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
