"""News: feeds with their fetch state, articles (dedup, keywords, embedding), trend tags, deals.

Revision ID: 0007_news
Revises: 0006_forecasts
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0007_news"
down_revision = "0006_forecasts"
branch_labels = None
depends_on = None

EMBED_DIM = 1024  # the AI service's text encoder (``POST /v1/embed/texts`` answers "dim": 1024)
OUTCOMES = (
    "updated", "not_modified", "not_found", "gone", "rate_limited", "server_error",
    "client_error", "network_error", "timeout", "blocked", "too_large", "malformed",
    "not_a_feed", "unsafe_content",
)  # fmt: skip


def _feed() -> None:
    outcomes = ", ".join(f"'{o}'" for o in OUTCOMES)
    op.execute(
        f"""
        CREATE TABLE news.feed (
            id                serial PRIMARY KEY,
            url               text NOT NULL UNIQUE
                              CHECK (url ~ '^https?://' AND length(url) <= 2048),
            title             text NOT NULL DEFAULT '',
            lang              text,
            enabled           boolean NOT NULL DEFAULT true,
            etag              text,
            last_modified     text,
            next_check_at     timestamptz,
            error_count       integer NOT NULL DEFAULT 0 CHECK (error_count >= 0),
            parse_error_count integer NOT NULL DEFAULT 0 CHECK (parse_error_count >= 0),
            parked            boolean NOT NULL DEFAULT false,
            last_outcome      text CHECK (last_outcome IN ({outcomes})),
            last_status       integer,
            last_error        text,
            last_success_at   timestamptz,
            last_fetched_at   timestamptz,
            lease_owner       text,
            lease_until       timestamptz,
            added_by          text NOT NULL,
            created_at        timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # The worker's claim query: due, enabled, unparked feeds in next-check order.
    op.execute(
        "CREATE INDEX feed_due ON news.feed (next_check_at NULLS FIRST, id) "
        "WHERE enabled AND NOT parked"
    )
    # Which one-time seeds (the default feed list) have been applied.
    op.execute(
        "CREATE TABLE news.seed (name text PRIMARY KEY, applied_at timestamptz NOT NULL "
        "DEFAULT now())"
    )


def _article() -> None:
    op.execute(
        f"""
        CREATE TABLE news.article (
            id           bigserial PRIMARY KEY,
            feed_id      integer NOT NULL REFERENCES news.feed(id) ON DELETE CASCADE,
            hash         text NOT NULL CHECK (hash ~ '^[0-9a-f]{{64}}$'),
            near_key     text,
            url          text,
            title        text NOT NULL,
            summary      text NOT NULL DEFAULT '',
            published_at timestamptz NOT NULL,
            fetched_at   timestamptz NOT NULL,
            keywords     text[] NOT NULL DEFAULT '{{}}',
            meta         jsonb NOT NULL DEFAULT '{{}}'::jsonb,
            embedding    vector({EMBED_DIM}),
            tagged_at    timestamptz,
            UNIQUE (feed_id, hash)
        )
        """
    )
    # PLAIN storage keeps vectors out of TOAST so the planner sees the real table size.
    op.execute("ALTER TABLE news.article ALTER COLUMN embedding SET STORAGE PLAIN")
    op.execute(
        "CREATE INDEX article_embedding_hnsw ON news.article "
        "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
    )
    op.execute("CREATE INDEX article_published ON news.article (published_at DESC, id DESC)")
    op.execute(
        "CREATE INDEX article_near_key ON news.article (near_key) WHERE near_key IS NOT NULL"
    )
    op.execute("CREATE INDEX article_keywords_gin ON news.article USING gin (keywords)")
    op.execute("CREATE INDEX article_meta_gin ON news.article USING gin (meta jsonb_path_ops)")
    op.execute(
        "CREATE INDEX article_pending ON news.article (id) "
        "WHERE tagged_at IS NULL OR embedding IS NULL"
    )
    _trigram_indexes()


def _trigram_indexes() -> None:
    # Substring search (ILIKE '%반도체%') is indexed where pg_trgm is installable; without it the
    # same queries still work, by scanning.
    bind = op.get_bind()
    available = bind.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar()
    if not available:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX article_title_trgm ON news.article USING gin (title gin_trgm_ops)")
    op.execute("CREATE INDEX article_summary_trgm ON news.article USING gin (summary gin_trgm_ops)")


def _tags_and_deals() -> None:
    op.execute(
        """
        CREATE TABLE news.article_trend (
            article_id      bigint NOT NULL REFERENCES news.article(id) ON DELETE CASCADE,
            slug            text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
            score           real NOT NULL CHECK (score BETWEEN 0 AND 1),
            keyword_score   real NOT NULL CHECK (keyword_score BETWEEN 0 AND 1),
            embedding_score real NOT NULL CHECK (embedding_score BETWEEN 0 AND 1),
            matched         text[] NOT NULL DEFAULT '{}',
            PRIMARY KEY (article_id, slug)
        )
        """
    )
    op.execute("CREATE INDEX article_trend_slug ON news.article_trend (slug, article_id)")
    op.execute(
        """
        CREATE TABLE news.deal (
            article_id  bigint PRIMARY KEY REFERENCES news.article(id) ON DELETE CASCADE,
            round       text,
            amount_krw  bigint CHECK (amount_krw >= 0),
            amount      double precision CHECK (amount >= 0),
            currency    text CHECK (currency IN ('KRW', 'USD')),
            amount_text text,
            sentence    text NOT NULL
        )
        """
    )


def upgrade() -> None:
    _feed()
    _article()
    _tags_and_deals()


def downgrade() -> None:
    for table in ("deal", "article_trend", "article", "seed", "feed"):
        op.execute(f"DROP TABLE IF EXISTS news.{table}")
