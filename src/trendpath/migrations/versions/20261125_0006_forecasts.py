"""Trends: stored forecasts of the 4-week Velocity change, with intervals and model versions.

Revision ID: 0006_forecasts
Revises: 0005_users
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0006_forecasts"
down_revision = "0005_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE trends.forecast (
            trend_id      integer NOT NULL REFERENCES trends.trend(id) ON DELETE CASCADE,
            week          date NOT NULL CHECK (extract(isodow FROM week) = 1),
            horizon_weeks integer NOT NULL CHECK (horizon_weeks BETWEEN 1 AND 52),
            point         double precision NOT NULL,
            lo            double precision NOT NULL,
            hi            double precision NOT NULL,
            model_version text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (trend_id, week, model_version),
            CHECK (lo <= point AND point <= hi)
        )
        """
    )
    op.execute("CREATE INDEX forecast_version_week ON trends.forecast (model_version, week)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS trends.forecast")
