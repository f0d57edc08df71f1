"""Schema changes only through Alembic: upgrade, downgrade, and the readiness check."""

from __future__ import annotations

from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from trendpath.kit.db import Database


def alembic_config(db: Database) -> Config:
    """An Alembic config pointing at the migrations shipped inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", "trendpath:migrations")
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (serialised by an advisory lock across processes)."""
    _run(db, "upgrade", revision)


def downgrade(db: Database, revision: str) -> None:
    """Revert migrations down to ``revision`` (``base`` removes every table we own)."""
    _run(db, "downgrade", revision)


def _run(db: Database, action: str, revision: str) -> None:
    cfg = alembic_config(db)
    with db.engine.connect() as conn:
        # Two processes starting at once must not race on the same DDL.
        conn.exec_driver_sql("SELECT pg_advisory_lock(7400417)")
        # Index builds (HNSW) can outlast the pool's statement timeout; migrations may not.
        conn.exec_driver_sql("SET statement_timeout = 0")
        try:
            conn.commit()
            cfg.attributes["connection"] = conn
            getattr(command, action)(cfg, revision)
            conn.commit()
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(7400417)")
            conn.commit()


@lru_cache(maxsize=1)
def head_revisions() -> tuple[str, ...]:
    """The head revision(s) of the shipped migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", "trendpath:migrations")
    return tuple(sorted(ScriptDirectory.from_config(cfg).get_heads()))


def current_revisions(conn: Connection) -> tuple[str, ...]:
    """The revision(s) the database is at (empty before the first migration)."""
    return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision the shipped migration scripts know."""
    cfg = Config()
    cfg.set_main_option("script_location", "trendpath:migrations")
    return frozenset(r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions())


def at_head(conn: Connection) -> bool:
    """True when this code can serve the database's schema.

    That is the shipped head, or a revision this code does not know: a newer release migrated
    first (migrations are kept backward compatible), and old pods must stay ready during its
    rollout. A known older revision means `trendpath migrate` has not run yet.
    """
    current = current_revisions(conn)
    if current == head_revisions():
        return True
    return bool(current) and not set(current) <= known_revisions()
