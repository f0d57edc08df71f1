"""Provenance of every number: CSV file and row of imported values, the synthetic share behind
each Velocity Score, per-source collection runs, and the laws behind policy_change_frequency.

Revision ID: 0015_provenance_chain_a
Revises: 0014_dashboard
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0015_provenance_chain_a"
down_revision = "0014_dashboard"
branch_labels = None
depends_on = None

_STATEMENTS = (
    # Where an imported value came from; API values keep source + ingested_at (the fetch time).
    "ALTER TABLE trends.indicator_value ADD COLUMN import_file text, "
    "ADD COLUMN import_row integer CHECK (import_row > 0)",
    # Share (0..1) of demo-synthetic values among the inputs of a score; NULL = not computed.
    "ALTER TABLE trends.velocity ADD COLUMN synthetic_share double precision "
    "CHECK (synthetic_share BETWEEN 0 AND 1)",
    """
    CREATE TABLE trends.source_run (
        id          bigserial PRIMARY KEY,
        source      text NOT NULL,
        status      text NOT NULL CHECK (status IN ('ok', 'partial', 'skipped', 'failed')),
        "values"    integer NOT NULL DEFAULT 0 CHECK ("values" >= 0),
        changed     integer NOT NULL DEFAULT 0 CHECK (changed >= 0),
        problems    integer NOT NULL DEFAULT 0 CHECK (problems >= 0),
        detail      text NOT NULL DEFAULT '',
        finished_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX source_run_latest ON trends.source_run (source, finished_at DESC)",
    """
    CREATE TABLE trends.policy_document (
        trend_id     integer NOT NULL REFERENCES trends.trend(id) ON DELETE CASCADE,
        target       text NOT NULL,
        serial       text NOT NULL,
        title        text NOT NULL,
        kind         text,
        promulgated  date,
        effective    date,
        link         text CHECK (link IS NULL OR link ~ '^https?://'),
        fetched_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (trend_id, target, serial)
    )
    """,
    "CREATE INDEX policy_document_recent ON trends.policy_document (trend_id, promulgated DESC)",
)


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS trends.policy_document")
    op.execute("DROP TABLE IF EXISTS trends.source_run")
    op.execute("ALTER TABLE trends.velocity DROP COLUMN IF EXISTS synthetic_share")
    op.execute(
        "ALTER TABLE trends.indicator_value DROP COLUMN IF EXISTS import_file, "
        "DROP COLUMN IF EXISTS import_row"
    )
