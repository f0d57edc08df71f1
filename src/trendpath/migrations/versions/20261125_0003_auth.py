"""Auth: accounts, identities, OAuth clients, signing keys, grants, sessions, rate limits, events.

Every token, code and session id is stored only as its SHA-256 hash; private signing keys are
stored encrypted (AES-GCM, key derived from the secret key).

Revision ID: 0003_auth
Revises: 0002_trends
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0003_auth"
down_revision = "0002_trends"
branch_labels = None
depends_on = None

TABLES = (
    "account_event",
    "rate_limit",
    "consent",
    "browser_session",
    "revoked_token",
    "refresh_token",
    "auth_code",
    "grant_family",
    "signing_key",
    "client",
    "identity",
    "account",
)

_STATEMENTS = (
    """
    CREATE TABLE auth.account (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email         text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) <= 254),
        email_verified boolean NOT NULL DEFAULT false,
        password_hash text,
        display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 50),
        locale        text NOT NULL DEFAULT 'ko' CHECK (locale IN ('ko', 'en')),
        role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
        extras        jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        password_changed_at timestamptz
    )
    """,
    "CREATE INDEX account_extras_gin ON auth.account USING gin (extras jsonb_path_ops)",
    """
    CREATE TABLE auth.identity (
        provider   text NOT NULL,
        subject    text NOT NULL,
        account_id uuid NOT NULL REFERENCES auth.account(id) ON DELETE CASCADE,
        email      text,
        linked_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, subject),
        UNIQUE (account_id, provider)
    )
    """,
    """
    CREATE TABLE auth.client (
        client_id    text PRIMARY KEY CHECK (client_id ~ '^[A-Za-z0-9._-]{3,64}$'),
        secret_hash  text,
        name         text NOT NULL,
        redirect_uris text[] NOT NULL DEFAULT '{}',
        post_logout_redirect_uris text[] NOT NULL DEFAULT '{}',
        grant_types  text[] NOT NULL,
        scopes       text[] NOT NULL,
        first_party  boolean NOT NULL DEFAULT false,
        created_at   timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE auth.signing_key (
        kid         text PRIMARY KEY,
        alg         text NOT NULL,
        public_jwk  jsonb NOT NULL,
        private_key bytea NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        retired_at  timestamptz
    )
    """,
    # At most one active key: rotation retires the old one in the same transaction.
    "CREATE UNIQUE INDEX signing_key_one_active ON auth.signing_key ((true)) "
    "WHERE retired_at IS NULL",
    """
    CREATE TABLE auth.grant_family (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id   text NOT NULL,
        account_id  uuid NOT NULL REFERENCES auth.account(id) ON DELETE CASCADE,
        scope       text NOT NULL,
        auth_time   timestamptz NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL,
        revoked_at  timestamptz,
        revoked_reason text
    )
    """,
    "CREATE INDEX grant_family_account ON auth.grant_family (account_id)",
    """
    CREATE TABLE auth.auth_code (
        code_hash      text PRIMARY KEY,
        client_id      text NOT NULL,
        account_id     uuid NOT NULL REFERENCES auth.account(id) ON DELETE CASCADE,
        redirect_uri   text NOT NULL,
        scope          text NOT NULL,
        code_challenge text NOT NULL,
        nonce          text,
        auth_time      timestamptz NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        expires_at     timestamptz NOT NULL,
        used_at        timestamptz,
        family_id      uuid REFERENCES auth.grant_family(id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX auth_code_expires ON auth.auth_code (expires_at)",
    """
    CREATE TABLE auth.refresh_token (
        token_hash text PRIMARY KEY,
        family_id  uuid NOT NULL REFERENCES auth.grant_family(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at    timestamptz
    )
    """,
    "CREATE INDEX refresh_token_family ON auth.refresh_token (family_id)",
    """
    CREATE TABLE auth.revoked_token (
        jti        text PRIMARY KEY,
        expires_at timestamptz NOT NULL
    )
    """,
    """
    CREATE TABLE auth.browser_session (
        id_hash    text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES auth.account(id) ON DELETE CASCADE,
        auth_time  timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX browser_session_account ON auth.browser_session (account_id)",
    """
    CREATE TABLE auth.consent (
        account_id uuid NOT NULL REFERENCES auth.account(id) ON DELETE CASCADE,
        client_id  text NOT NULL,
        scopes     text[] NOT NULL,
        granted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, client_id)
    )
    """,
    """
    CREATE TABLE auth.rate_limit (
        bucket        text PRIMARY KEY,
        failures      integer NOT NULL,
        window_start  timestamptz NOT NULL,
        blocked_until timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX rate_limit_updated ON auth.rate_limit (updated_at)",
    """
    CREATE TABLE auth.account_event (
        id          bigserial PRIMARY KEY,
        kind        text NOT NULL CHECK (kind IN ('account.deleted')),
        account_id  uuid NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX account_event_occurred ON auth.account_event (occurred_at)",
)


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TABLE IF EXISTS auth.{table}")
