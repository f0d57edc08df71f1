"""AI service: coach sessions and messages, value scores, persona vectors.

Revision ID: 0004_ai
Revises: 0003_auth
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0004_ai"
down_revision = "0003_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE ai.coach_session (
            id          uuid PRIMARY KEY,
            user_id     uuid NOT NULL,
            status      text NOT NULL CHECK (status IN ('active', 'finished', 'crisis')),
            state       jsonb NOT NULL,
            profile     jsonb NOT NULL DEFAULT '{}'::jsonb,
            turns       integer NOT NULL DEFAULT 0 CHECK (turns >= 0),
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX coach_session_user ON ai.coach_session (user_id, created_at DESC)")
    op.execute(
        """
        CREATE TABLE ai.message (
            id         bigserial PRIMARY KEY,
            session_id uuid NOT NULL REFERENCES ai.coach_session(id) ON DELETE CASCADE,
            seq        integer NOT NULL,
            role       text NOT NULL CHECK (role IN ('user', 'assistant')),
            content    text NOT NULL,
            meta       jsonb NOT NULL DEFAULT '{}'::jsonb,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (session_id, seq)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE ai.value_score (
            user_id              uuid PRIMARY KEY,
            session_id           uuid REFERENCES ai.coach_session(id) ON DELETE SET NULL,
            method               text NOT NULL,
            scores               jsonb NOT NULL,
            growth_orientation   double precision NOT NULL,
            stability_preference double precision NOT NULL,
            confirmed            boolean NOT NULL DEFAULT false,
            updated_at           timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE ai.persona (
            user_id           uuid PRIMARY KEY,
            embedding         vector(1536) NOT NULL,
            version           text NOT NULL,
            from_conversation boolean NOT NULL,
            inputs            jsonb NOT NULL DEFAULT '{}'::jsonb,
            updated_at        timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("ALTER TABLE ai.persona ALTER COLUMN embedding SET STORAGE PLAIN")
    op.execute(
        "CREATE INDEX persona_hnsw ON ai.persona "
        "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
    )
    op.execute("CREATE INDEX persona_version ON ai.persona (version)")
    op.execute("CREATE TABLE ai.event_cursor (name text PRIMARY KEY, last_id bigint NOT NULL)")


def downgrade() -> None:
    for table in ("event_cursor", "persona", "value_score", "message", "coach_session"):
        op.execute(f"DROP TABLE IF EXISTS ai.{table}")
