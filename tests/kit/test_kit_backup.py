"""Backup and restore round trip with the real pg_dump / pg_restore."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from trendpath.kit import backup
from trendpath.kit.db import Database
from trendpath.kit.errors import ConfigError
from trendpath.kit.runtime import Runtime
from trendpath.trends.demo_data import sync_catalog


def _trend_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM trends.trend")).scalar_one())


@pytest.mark.slow
def test_backup_restore_round_trip_and_retention(
    db: Database, runtime: Runtime, tmp_path: Path
) -> None:
    with db.session_scope() as s:
        sync_catalog(s, runtime)
    n = _trend_count(db)
    assert n >= 40
    first = backup.backup(db.url, tmp_path, keep=2, external=False)
    assert first.path.name.startswith("trendpath-") and first.size_bytes > 10_000
    assert not list(tmp_path.glob("*.partial"))

    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM trends.trend WHERE slug <> 'generative-ai'"))
    assert _trend_count(db) == 1
    backup.restore(db.url, first.path, external=False)
    assert _trend_count(db) == n
    with db.engine.connect() as conn:  # vectors, indexes and the migration state came back too
        assert conn.execute(text("SELECT to_regclass('trends.trend_vector_hnsw')")).scalar()
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1

    second = backup.backup(db.url, tmp_path, keep=2, external=False)
    third = backup.backup(db.url, tmp_path, keep=2, external=False)
    assert third.removed == [first.path]
    assert sorted(tmp_path.glob("*.dump")) == [second.path, third.path]


def test_restore_refuses_a_corrupt_archive_before_touching_anything(
    db: Database, runtime: Runtime, tmp_path: Path
) -> None:
    with db.session_scope() as s:
        sync_catalog(s, runtime)
    before = _trend_count(db)
    bad = tmp_path / "trendpath-bad.dump"
    bad.write_bytes(b"PGDMP\x00 this is not a real archive")
    with pytest.raises(ConfigError, match="pg_restore failed"):
        backup.restore(db.url, bad, external=False)
    with pytest.raises(ConfigError, match="not found"):
        backup.restore(db.url, tmp_path / "missing.dump", external=False)
    assert _trend_count(db) == before


def test_credentials_go_in_the_environment() -> None:
    env = backup.libpq_env("postgresql+psycopg://app:s3cret@db.example:6543/tp")
    assert env == {
        "PGDATABASE": "tp",
        "PGUSER": "app",
        "PGHOST": "db.example",
        "PGPORT": "6543",
        "PGPASSWORD": "s3cret",
    }
    sock = backup.libpq_env("postgresql+psycopg://postgres:@/trendpath?host=/tmp/x/pg")
    assert sock["PGHOST"] == "/tmp/x/pg"
