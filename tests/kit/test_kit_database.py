"""The database layer: real PostgreSQL with pgvector, Alembic migrations, units of work."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from trendpath.kit import migrate
from trendpath.kit.db import Database, normalise_url, redact
from trendpath.kit.errors import ConfigError
from trendpath.kit.settings import SERVICES


def test_server_and_pgvector_versions(db: Database) -> None:
    with db.engine.connect() as conn:
        server = int(conn.execute(text("SHOW server_version_num")).scalar_one())
        vec = conn.execute(text("SELECT extversion FROM pg_extension WHERE extname='vector'"))
        version = tuple(int(p) for p in vec.scalar_one().split(".")[:2])
    assert server >= 150000
    assert version >= (0, 7)


def test_vector_similarity_with_hnsw_index(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE v (id int, emb vector(3)) ON COMMIT DROP"))
        conn.execute(text("ALTER TABLE v ALTER COLUMN emb SET STORAGE PLAIN"))
        conn.execute(text("CREATE INDEX ON v USING hnsw (emb vector_cosine_ops)"))
        conn.execute(
            text("INSERT INTO v VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')")
        )
        nearest = conn.execute(
            text("SELECT id FROM v ORDER BY emb <=> '[1,0.05,0]' LIMIT 2")
        ).scalars()
        assert list(nearest) == [1, 3]


def test_every_service_has_its_schema(db: Database) -> None:
    with db.engine.connect() as conn:
        names = set(conn.execute(text("SELECT nspname FROM pg_namespace")).scalars())
    assert set(SERVICES) <= names


def test_migrations_down_to_base_and_up_again(db: Database) -> None:
    try:
        migrate.downgrade(db, "base")
        with db.engine.connect() as conn:
            names = set(conn.execute(text("SELECT nspname FROM pg_namespace")).scalars())
            assert not set(SERVICES) & names
            assert migrate.current_revisions(conn) == ()
            assert not migrate.at_head(conn)
    finally:
        migrate.upgrade(db)
    with db.engine.connect() as conn:
        assert migrate.at_head(conn)
        assert migrate.current_revisions(conn) == migrate.head_revisions()


def test_session_scope_commits_once_or_rolls_back(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS trends._uow_probe (n int)"))
    try:
        with db.session_scope() as s:
            s.execute(text("INSERT INTO trends._uow_probe VALUES (1)"))
        with pytest.raises(RuntimeError), db.session_scope() as s:
            s.execute(text("INSERT INTO trends._uow_probe VALUES (2)"))
            raise RuntimeError("crash mid-way")
        with db.engine.connect() as conn:
            rows = list(conn.execute(text("SELECT n FROM trends._uow_probe")).scalars())
        assert rows == [1]
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE trends._uow_probe"))


def test_url_normalisation_and_redaction() -> None:
    assert normalise_url("postgres://u:p@h/d").startswith("postgresql+psycopg://")
    assert "secret" not in redact("postgresql+psycopg://u:secret@h:5432/d")
    with pytest.raises(ConfigError, match="PostgreSQL"):
        normalise_url("mysql://u:p@h/d")


def test_unreachable_database_is_one_clear_error() -> None:
    bad = Database(url="postgresql://nobody:pw@127.0.0.1:1/none")
    with pytest.raises(ConfigError) as info:
        bad.check()
    assert "cannot reach PostgreSQL" in str(info.value)
    assert "pw" not in str(info.value)
    bad.dispose()


def test_a_newer_unknown_revision_counts_as_ready(db: Database) -> None:
    """During a rolling release the next version migrates first; old pods must stay ready."""
    with db.engine.begin() as conn:
        (head,) = migrate.head_revisions()
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    try:
        with db.engine.connect() as conn:
            assert migrate.at_head(conn)
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
