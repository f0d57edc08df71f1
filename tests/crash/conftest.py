"""Fixtures of the crash tests: ``spawn`` starts real ``trendpath`` processes on the test database.

Every child is killed (by its own pid) at teardown if it still runs, and backends it left are
ended before the ``db`` fixture empties the tables, so a crash test never leaves a lock behind
for the next test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_proc import Proc, Spawn, cli_env, terminate_strays

from trendpath.kit.db import Database
from trendpath.kit.settings import Settings


@pytest.fixture
def crash_db(db: Database) -> Iterator[Database]:
    """The test database; stray backends of killed children are ended afterwards."""
    yield db
    terminate_strays(db)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """The children's state folder (model registry, keys): one per test."""
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def spawn(crash_db: Database, settings: Settings, state_dir: Path) -> Iterator[Spawn]:
    """Start ``trendpath ARGS...`` on the test database (extra env as keywords)."""
    started: list[Proc] = []
    assert settings.database_url is not None

    def start(*args: str, **env: str) -> Proc:
        proc = Proc(list(args), cli_env(str(settings.database_url), state_dir, **env))
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.cleanup()
