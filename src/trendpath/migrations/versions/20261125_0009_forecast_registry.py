"""Trends: every stored forecast says which model made it and why (issue 18).

``model`` (``gru+tst``, ``ridge``, ``naive`` …) and ``kind`` (``network``: the gated GRU + TST;
``baseline``: a robust fallback) with the model's ``validation_rel_mse`` (MSE relative to the
naive forecast on its time-ordered validation weeks), so the API and the trend page can label a
fallback; ``reason`` / ``reason_detail`` say why a trend got a baseline (its series is too short,
has a gap, an enormous outlier …). Rows written before this revision keep NULLs.

Revision ID: 0009_forecast_registry
Revises: 0008_persona_halfvec
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0009_forecast_registry"
down_revision = "0008_persona_halfvec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the model label columns to ``trends.forecast``."""
    op.execute(
        """
        ALTER TABLE trends.forecast
            ADD COLUMN model text,
            ADD COLUMN kind text CHECK (kind IN ('network', 'baseline')),
            ADD COLUMN validation_rel_mse double precision
                CHECK (validation_rel_mse IS NULL OR validation_rel_mse >= 0),
            ADD COLUMN reason text,
            ADD COLUMN reason_detail text
        """
    )


def downgrade() -> None:
    """Drop them again."""
    op.execute(
        """
        ALTER TABLE trends.forecast
            DROP COLUMN IF EXISTS reason_detail,
            DROP COLUMN IF EXISTS reason,
            DROP COLUMN IF EXISTS validation_rel_mse,
            DROP COLUMN IF EXISTS kind,
            DROP COLUMN IF EXISTS model
        """
    )
