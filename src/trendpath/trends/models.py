"""Tables of the Trend Analysis Service (schema ``trends``); DDL lives in the migrations."""

from __future__ import annotations

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(schema="trends")

trend = Table(
    "trend",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", Text, nullable=False, unique=True),
    Column("name_ko", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("description_ko", Text, nullable=False),
    Column("description_en", Text, nullable=False),
    Column("attrs", JSONB, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
)

indicator_value = Table(
    "indicator_value",
    metadata,
    Column("trend_id", Integer, ForeignKey("trend.id"), primary_key=True),
    Column("indicator", Text, primary_key=True),
    Column("week", Date, primary_key=True),
    Column("value", Float, nullable=False),
    Column("source", Text, nullable=False),
    Column("import_file", Text),
    Column("import_row", Integer),
    Column("ingested_at", DateTime(timezone=True)),
)

velocity = Table(
    "velocity",
    metadata,
    Column("trend_id", Integer, ForeignKey("trend.id"), primary_key=True),
    Column("week", Date, primary_key=True),
    Column("score", Float, nullable=False),
    Column("contributions", ARRAY(Float), nullable=False),
    Column("stability", Float),
    Column("config_version", Text, nullable=False),
    Column("computed_at", DateTime(timezone=True)),
    Column("synthetic_share", Float),
)

trend_vector = Table(
    "trend_vector",
    metadata,
    Column("trend_id", Integer, ForeignKey("trend.id"), primary_key=True),
    Column("embedding", Vector(1536), nullable=False),
    Column("version", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True)),
)

forecast = Table(
    "forecast",
    metadata,
    Column("trend_id", Integer, ForeignKey("trend.id"), primary_key=True),
    Column("week", Date, primary_key=True),
    Column("horizon_weeks", Integer, nullable=False),
    Column("point", Float, nullable=False),
    Column("lo", Float, nullable=False),
    Column("hi", Float, nullable=False),
    Column("model_version", Text, primary_key=True),
    Column("created_at", DateTime(timezone=True)),
    Column("model", Text),
    Column("kind", Text),
    Column("validation_rel_mse", Float),
    Column("reason", Text),
    Column("reason_detail", Text),
)
