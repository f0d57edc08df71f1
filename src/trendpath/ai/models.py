"""Tables of the AI service (schema ``ai``); DDL lives in the migrations."""

from __future__ import annotations

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
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
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(schema="ai")

coach_session = Table(
    "coach_session",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("status", Text, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("profile", JSONB, nullable=False),
    Column("turns", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
)

message = Table(
    "message",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("session_id", Uuid, ForeignKey("coach_session.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("role", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("meta", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True)),
)

value_score = Table(
    "value_score",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("session_id", Uuid, ForeignKey("coach_session.id")),
    Column("method", Text, nullable=False),
    Column("scores", JSONB, nullable=False),
    Column("growth_orientation", Float, nullable=False),
    Column("stability_preference", Float, nullable=False),
    Column("confirmed", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True)),
)

event_cursor = Table(
    "event_cursor",
    metadata,
    Column("name", Text, primary_key=True),
    Column("last_id", BigInteger, nullable=False),
)

persona = Table(
    "persona",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("embedding", Vector(1536), nullable=False),
    Column("version", Text, nullable=False),
    Column("from_conversation", Boolean, nullable=False),
    Column("inputs", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True)),
)
