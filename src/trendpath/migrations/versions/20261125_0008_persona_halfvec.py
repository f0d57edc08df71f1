"""Persona HNSW index on half-precision keys (measured by bench/vectors.py).

The stored vectors stay exact ``vector(1536)``; only the index is built on
``embedding::halfvec(1536)``, which halves its size (3.9 GB instead of ~7.8 GB at 1M personas)
and its build time, at the same recall (100k: 0.991 vs 0.992 at ef_search 100). Queries must
order by the same cast to use it (``ai.store.similar_personas``).

Revision ID: 0008_persona_halfvec
Revises: 0007_news
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0008_persona_halfvec"
down_revision = "0007_news"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Rebuild the persona index on halfvec keys."""
    op.execute("DROP INDEX IF EXISTS ai.persona_hnsw")
    op.execute(
        "CREATE INDEX persona_hnsw ON ai.persona "
        "USING hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops) "
        "WITH (m = 16, ef_construction = 64)"
    )


def downgrade() -> None:
    """Back to the full-precision index."""
    op.execute("DROP INDEX IF EXISTS ai.persona_hnsw")
    op.execute(
        "CREATE INDEX persona_hnsw ON ai.persona "
        "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
    )
