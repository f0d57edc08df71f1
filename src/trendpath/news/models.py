"""Tables of the News Service (schema ``news``); DDL lives in the migrations (0007_news)."""

from __future__ import annotations

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

EMBED_DIM = 1024
"""Dimension of ``article.embedding``: the AI service's text encoder (``/v1/embed/texts``)."""

metadata = MetaData(schema="news")

feed = Table(
    "feed",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("lang", Text),
    Column("enabled", Boolean, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("next_check_at", DateTime(timezone=True)),
    Column("error_count", Integer, nullable=False),
    Column("parse_error_count", Integer, nullable=False),
    Column("parked", Boolean, nullable=False),
    Column("last_outcome", Text),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("last_success_at", DateTime(timezone=True)),
    Column("last_fetched_at", DateTime(timezone=True)),
    Column("lease_owner", Text),
    Column("lease_until", DateTime(timezone=True)),
    Column("added_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True)),
)

seed = Table(
    "seed",
    metadata,
    Column("name", Text, primary_key=True),
    Column("applied_at", DateTime(timezone=True)),
)

article = Table(
    "article",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("feed_id", Integer, ForeignKey("feed.id"), nullable=False),
    Column("hash", Text, nullable=False),
    Column("near_key", Text),
    Column("url", Text),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Column("keywords", ARRAY(Text), nullable=False),
    Column("meta", JSONB, nullable=False),
    Column("embedding", Vector(EMBED_DIM)),
    Column("tagged_at", DateTime(timezone=True)),
)

article_trend = Table(
    "article_trend",
    metadata,
    Column("article_id", BigInteger, ForeignKey("article.id"), primary_key=True),
    Column("slug", Text, primary_key=True),
    Column("score", Float, nullable=False),
    Column("keyword_score", Float, nullable=False),
    Column("embedding_score", Float, nullable=False),
    Column("matched", ARRAY(Text), nullable=False),
)

deal = Table(
    "deal",
    metadata,
    Column("article_id", BigInteger, ForeignKey("article.id"), primary_key=True),
    Column("round", Text),
    Column("amount_krw", BigInteger),
    Column("amount", Float),
    Column("currency", Text),
    Column("amount_text", Text),
    Column("sentence", Text, nullable=False),
)
