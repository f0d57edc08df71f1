"""Tables of the User Service (schema ``users``); DDL lives in the migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData(schema="users")


def _ts(name: str) -> Column[object]:
    return Column(name, DateTime(timezone=True))


profile = Table(
    "profile",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("status", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("education", Text, nullable=False),
    Column("weekly_hours", Float, nullable=False),
    Column("region", Text, nullable=False),
    Column("interests", ARRAY(Text), nullable=False),
    Column("skills", JSONB, nullable=False),
    Column("extras", JSONB, nullable=False),
    Column("revision", Integer, nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
)

profile_history = Table(
    "profile_history",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("snapshot", JSONB, nullable=False),
    Column("changed", ARRAY(Text), nullable=False),
    Column("source", Text, nullable=False),
    _ts("changed_at"),
)

match = Table(
    "match",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("variant", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("profile_revision", Integer, nullable=False),
    Column("payload", JSONB, nullable=False),
    _ts("created_at"),
    _ts("checked_at"),
)

resource = Table(
    "resource",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("provider", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("duration_hours", Float),
    Column("pages", Integer),
    Column("url", Text, nullable=False),
    Column("isbn", Text),
    Column("skills", ARRAY(Text), nullable=False),
    Column("source", Text, nullable=False),
    Column("attrs", JSONB, nullable=False),
    _ts("imported_at"),
)

roadmap = Table(
    "roadmap",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("trend_slug", Text, nullable=False),
    Column("match_id", BigInteger),
    Column("basis", JSONB, nullable=False),
    _ts("started_at"),
)

progress = Table(
    "progress",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("resource_id", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("percent", SmallInteger, nullable=False),
    _ts("started_at"),
    _ts("completed_at"),
    _ts("updated_at"),
    Column("hours", Float, nullable=False),
    Column("done_credit", Float, nullable=False),
)

roadmap_step = Table(
    "roadmap_step",
    metadata,
    Column("roadmap_id", Uuid, primary_key=True),
    Column("skill", Text, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("state", Text, nullable=False),
    _ts("updated_at"),
)

progress_event = Table(
    "progress_event",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("resource_id", Text),
    Column("skill", Text),
    Column("status", Text),
    Column("percent", SmallInteger),
    Column("level", SmallInteger),
    Column("hours", Float, nullable=False),
    _ts("occurred_at"),
)

ab_event = Table(
    "ab_event",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("experiment", Text, nullable=False),
    Column("variant", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("trend_slug", Text),
    Column("match_id", BigInteger),
    _ts("occurred_at"),
    _ts("recorded_at"),
)

event_cursor = Table(
    "event_cursor",
    metadata,
    Column("name", Text, primary_key=True),
    Column("last_id", BigInteger, nullable=False),
)

notification = Table(
    "notification",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("trend_slug", Text, nullable=False),
    Column("roadmap_id", Uuid),
    Column("message_ko", Text, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("dedup_key", Text, nullable=False),
    _ts("created_at"),
    _ts("read_at"),
)

USER_TABLES = (
    profile,
    profile_history,
    match,
    roadmap_step,
    roadmap,
    progress,
    progress_event,
    ab_event,
    notification,
)
"""Every table keyed by ``user_id``: what account deletion empties."""
