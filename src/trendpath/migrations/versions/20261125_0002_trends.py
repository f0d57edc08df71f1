"""Trends: catalog, weekly indicators, Velocity Score history, trend vectors.

Revision ID: 0002_trends
Revises: 0001_foundation
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002_trends"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

INDICATORS = (
    "funding_volume_growth",
    "patent_filing_rate",
    "learning_demand_growth",
    "search_volume_growth",
    "policy_change_frequency",
)


def upgrade() -> None:
    indicator_list = ", ".join(f"'{name}'" for name in INDICATORS)
    op.execute(
        """
        CREATE TABLE trends.trend (
            id            serial PRIMARY KEY,
            slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
            name_ko       text NOT NULL,
            name_en       text NOT NULL,
            category      text NOT NULL,
            description_ko text NOT NULL,
            description_en text NOT NULL,
            attrs         jsonb NOT NULL DEFAULT '{}'::jsonb,
            active        boolean NOT NULL DEFAULT true,
            created_at    timestamptz NOT NULL DEFAULT now(),
            updated_at    timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # Flexible attributes (interest tags, skills, value profile, keywords) are queried with @>.
    op.execute("CREATE INDEX trend_attrs_gin ON trends.trend USING gin (attrs jsonb_path_ops)")
    op.execute("CREATE INDEX trend_category ON trends.trend (category)")
    op.execute(
        f"""
        CREATE TABLE trends.indicator_value (
            trend_id    integer NOT NULL REFERENCES trends.trend(id) ON DELETE CASCADE,
            indicator   text NOT NULL CHECK (indicator IN ({indicator_list})),
            week        date NOT NULL CHECK (extract(isodow FROM week) = 1),
            value       double precision NOT NULL
                        CHECK (value <> 'NaN'::float8 AND value < 'Infinity'::float8
                               AND value > '-Infinity'::float8),
            source      text NOT NULL,
            ingested_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (trend_id, indicator, week)
        )
        """
    )
    op.execute("CREATE INDEX indicator_value_week ON trends.indicator_value (week)")
    op.execute(
        """
        CREATE TABLE trends.velocity (
            trend_id       integer NOT NULL REFERENCES trends.trend(id) ON DELETE CASCADE,
            week           date NOT NULL CHECK (extract(isodow FROM week) = 1),
            score          double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
            contributions  double precision[] NOT NULL,
            stability      double precision CHECK (stability BETWEEN 0 AND 1),
            config_version text NOT NULL,
            computed_at    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (trend_id, week)
        )
        """
    )
    op.execute("CREATE INDEX velocity_week ON trends.velocity (week)")
    op.execute(
        """
        CREATE TABLE trends.trend_vector (
            trend_id   integer PRIMARY KEY REFERENCES trends.trend(id) ON DELETE CASCADE,
            embedding  vector(1536) NOT NULL,
            version    text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # PLAIN storage keeps vectors out of TOAST so the planner sees the real table size.
    op.execute("ALTER TABLE trends.trend_vector ALTER COLUMN embedding SET STORAGE PLAIN")
    op.execute(
        "CREATE INDEX trend_vector_hnsw ON trends.trend_vector "
        "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
    )


def downgrade() -> None:
    for table in ("trend_vector", "velocity", "indicator_value", "trend"):
        op.execute(f"DROP TABLE IF EXISTS trends.{table}")
