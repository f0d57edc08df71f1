"""The automatic chain: a job queue per service (trends, users), the trend service's outbox of
trend changes that other services follow, and the per-user notification inbox.

Revision ID: 0015_provenance_chain_b
Revises: 0015_provenance_chain_a
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0015_provenance_chain_b"
down_revision = "0015_provenance_chain_a"
branch_labels = None
depends_on = None

QUEUE_SCHEMAS = ("trends", "users")


def _queue(schema: str) -> list[str]:
    return [
        f"""
        CREATE TABLE {schema}.job (
            id          bigserial PRIMARY KEY,
            kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{{0,62}}$'),
            key         text NOT NULL DEFAULT '' CHECK (length(key) <= 200),
            payload     jsonb NOT NULL DEFAULT '{{}}'::jsonb,
            state       text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'running', 'parked')),
            attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            run_after   timestamptz NOT NULL DEFAULT now(),
            lease_until timestamptz,
            last_error  text,
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now()
        )
        """,
        # One pending job per (kind, key): enqueueing again coalesces into it.
        f"CREATE UNIQUE INDEX job_pending_key ON {schema}.job (kind, key) WHERE state = 'pending'",
        f"CREATE INDEX job_due ON {schema}.job (run_after, id) WHERE state = 'pending'",
        f"CREATE INDEX job_lease ON {schema}.job (lease_until) WHERE state = 'running'",
    ]


_EVENTS = (
    """
    CREATE TABLE trends.trend_event (
        id         bigserial PRIMARY KEY,
        kind       text NOT NULL CHECK (kind IN ('velocity', 'forecast')),
        trend_slug text NOT NULL CHECK (trend_slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
        week       date,
        data       jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX trend_event_created ON trends.trend_event (created_at)",
    """
    CREATE TABLE users.notification (
        id          bigserial PRIMARY KEY,
        user_id     uuid NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('slowing', 'accelerating')),
        trend_slug  text NOT NULL,
        roadmap_id  uuid,
        message_ko  text NOT NULL,
        data        jsonb NOT NULL DEFAULT '{}'::jsonb,
        dedup_key   text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        read_at     timestamptz,
        UNIQUE (user_id, dedup_key)
    )
    """,
    "CREATE INDEX notification_inbox ON users.notification (user_id, id DESC)",
    "CREATE INDEX notification_unread ON users.notification (user_id) WHERE read_at IS NULL",
)


def upgrade() -> None:
    for schema in QUEUE_SCHEMAS:
        for statement in _queue(schema):
            op.execute(statement)
    for statement in _EVENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS users.notification")
    op.execute("DROP TABLE IF EXISTS trends.trend_event")
    for schema in QUEUE_SCHEMAS:
        op.execute(f"DROP TABLE IF EXISTS {schema}.job")
