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


def at_head(conn: Connection) -> bool:
    """True when the database schema matches the shipped migrations."""
    return current_revisions(conn) == head_revisions()
