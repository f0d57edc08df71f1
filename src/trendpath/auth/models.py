"""Tables of the OAuth Service (schema ``auth``); DDL lives in the migrations."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(schema="auth")


def _ts(name: str, nullable: bool = True) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


account = Table(
    "account",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    Column("email_verified", Boolean, nullable=False),
    Column("password_hash", Text),
    Column("display_name", Text, nullable=False),
    Column("locale", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("extras", JSONB, nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("last_login_at"),
    _ts("password_changed_at"),
)

identity = Table(
    "identity",
    metadata,
    Column("provider", Text, primary_key=True),
    Column("subject", Text, primary_key=True),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    Column("email", Text),
    _ts("linked_at"),
)

client = Table(
    "client",
    metadata,
    Column("client_id", Text, primary_key=True),
    Column("secret_hash", Text),
    Column("name", Text, nullable=False),
    Column("redirect_uris", ARRAY(Text), nullable=False),
    Column("post_logout_redirect_uris", ARRAY(Text), nullable=False),
    Column("grant_types", ARRAY(Text), nullable=False),
    Column("scopes", ARRAY(Text), nullable=False),
    Column("first_party", Boolean, nullable=False),
    _ts("created_at"),
)

signing_key = Table(
    "signing_key",
    metadata,
    Column("kid", Text, primary_key=True),
    Column("alg", Text, nullable=False),
    Column("public_jwk", JSONB, nullable=False),
    Column("private_key", LargeBinary, nullable=False),
    _ts("created_at"),
    _ts("retired_at"),
)

grant_family = Table(
    "grant_family",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    Column("scope", Text, nullable=False),
    _ts("auth_time", nullable=False),
    _ts("created_at"),
    _ts("expires_at", nullable=False),
    _ts("revoked_at"),
    Column("revoked_reason", Text),
)

auth_code = Table(
    "auth_code",
    metadata,
    Column("code_hash", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("code_challenge", Text, nullable=False),
    Column("nonce", Text),
    _ts("auth_time", nullable=False),
    _ts("created_at"),
    _ts("expires_at", nullable=False),
    _ts("used_at"),
    Column("family_id", Uuid, ForeignKey("grant_family.id")),
)

refresh_token = Table(
    "refresh_token",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("family_id", Uuid, ForeignKey("grant_family.id"), nullable=False),
    _ts("created_at"),
    _ts("expires_at", nullable=False),
    _ts("used_at"),
)

revoked_token = Table(
    "revoked_token",
    metadata,
    Column("jti", Text, primary_key=True),
    _ts("expires_at", nullable=False),
)

browser_session = Table(
    "browser_session",
    metadata,
    Column("id_hash", Text, primary_key=True),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    _ts("auth_time", nullable=False),
    _ts("created_at"),
    _ts("expires_at", nullable=False),
)

consent = Table(
    "consent",
    metadata,
    Column("account_id", Uuid, ForeignKey("account.id"), primary_key=True),
    Column("client_id", Text, primary_key=True),
    Column("scopes", ARRAY(Text), nullable=False),
    _ts("granted_at"),
)

rate_limit = Table(
    "rate_limit",
    metadata,
    Column("bucket", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    _ts("window_start", nullable=False),
    _ts("blocked_until"),
    _ts("updated_at"),
)

account_event = Table(
    "account_event",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("account_id", Uuid, nullable=False),
    _ts("occurred_at"),
)

password_reset = Table(
    "password_reset",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    _ts("created_at"),
    _ts("expires_at", nullable=False),
    _ts("used_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("recipient", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    _ts("created_at"),
)
