"""What the dashboard's user-facing basics need: study hours as marked, step marks, password
reset tokens and the development mail outbox.

* ``users.progress.hours`` — hours studied on a resource as the person marked them (progress is
  credited by these, not by a fixed share for "started"); ``done_credit`` — the hours that
  "finished" added on top, so undoing it takes back exactly those; ``progress_event.hours``
  may now be negative (an undo logs the hours it takes back).
* ``users.roadmap_step`` — a person's own mark on a roadmap step: done, skipped, in progress.
* ``auth.password_reset`` — one-time reset links: only the SHA-256 of the token is stored; each
  expires and can be used once.
* ``auth.outbox`` — mail the ``outbox`` mail backend "sends" (development and tests): a local
  page shows it instead of an SMTP server.

Revision ID: 0014_dashboard
Revises: 0009_forecast_registry
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0014_dashboard"
down_revision = "0009_forecast_registry"
branch_labels = None
depends_on = None

_UP = (
    "ALTER TABLE users.progress ADD COLUMN hours double precision NOT NULL DEFAULT 0 "
    "CHECK (hours >= 0)",
    "ALTER TABLE users.progress ADD COLUMN done_credit double precision NOT NULL DEFAULT 0 "
    "CHECK (done_credit >= 0)",
    # Logged hours are signed now: undoing "finished" logs the hours it takes back.
    "ALTER TABLE users.progress_event DROP CONSTRAINT IF EXISTS progress_event_hours_check",
    """
    CREATE TABLE users.roadmap_step (
        roadmap_id  uuid NOT NULL REFERENCES users.roadmap (id) ON DELETE CASCADE,
        skill       text NOT NULL,
        user_id     uuid NOT NULL,
        state       text NOT NULL CHECK (state IN ('done', 'skipped', 'in_progress')),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (roadmap_id, skill)
    )
    """,
    "CREATE INDEX roadmap_step_user ON users.roadmap_step (user_id)",
    """
    CREATE TABLE auth.password_reset (
        token_hash  text PRIMARY KEY,
        account_id  uuid NOT NULL REFERENCES auth.account (id) ON DELETE CASCADE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz
    )
    """,
    "CREATE INDEX password_reset_account ON auth.password_reset (account_id)",
    """
    CREATE TABLE auth.outbox (
        id          bigserial PRIMARY KEY,
        recipient   text NOT NULL,
        subject     text NOT NULL,
        body        text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX outbox_recipient ON auth.outbox (recipient)",
)

_DOWN = (
    "DROP TABLE IF EXISTS auth.outbox",
    "DROP TABLE IF EXISTS auth.password_reset",
    "DROP TABLE IF EXISTS users.roadmap_step",
    "ALTER TABLE users.progress DROP COLUMN IF EXISTS done_credit",
    "ALTER TABLE users.progress_event ADD CONSTRAINT progress_event_hours_check "
    "CHECK (hours >= 0) NOT VALID",
    "ALTER TABLE users.progress DROP COLUMN IF EXISTS hours",
)


def upgrade() -> None:
    """Add the columns and tables."""
    for statement in _UP:
        op.execute(statement)


def downgrade() -> None:
    """Drop them again."""
    for statement in _DOWN:
        op.execute(statement)
