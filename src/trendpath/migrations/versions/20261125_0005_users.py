"""Users: profiles with history, matches, A/B events, imported resources, roadmaps, progress.

Profile extras are JSONB with a GIN index (``jsonb_path_ops``, for ``@>`` queries); interests are
a text array with a GIN index. Matches are append-only: the newest row per user is the current
match and the rows before it are kept for comparison.

Revision ID: 0005_users
Revises: 0004_ai
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0005_users"
down_revision = "0004_ai"
branch_labels = None
depends_on = None

TABLES = (
    "event_cursor",
    "ab_event",
    "progress_event",
    "progress",
    "roadmap",
    "resource",
    "match",
    "profile_history",
    "profile",
)

_STATUSES = "'student', 'job_seeker', 'employed', 'career_changer'"
_EDUCATION = "'high_school', 'associate', 'bachelor', 'master', 'doctorate', 'other'"
_EVENTS = "'exposure', 'viewed', 'clicked', 'roadmap_started', 'item_completed'"

_STATEMENTS = (
    f"""
    CREATE TABLE users.profile (
        user_id      uuid PRIMARY KEY,
        status       text NOT NULL CHECK (status IN ({_STATUSES})),
        field        text NOT NULL CHECK (length(field) BETWEEN 1 AND 60),
        education    text NOT NULL CHECK (education IN ({_EDUCATION})),
        weekly_hours real NOT NULL CHECK (weekly_hours >= 1 AND weekly_hours <= 60),
        region       text NOT NULL,
        interests    text[] NOT NULL,
        skills       jsonb NOT NULL CHECK (jsonb_typeof(skills) = 'object'),
        extras       jsonb NOT NULL DEFAULT '{{}}'::jsonb CHECK (jsonb_typeof(extras) = 'object'),
        revision     integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX profile_extras_gin ON users.profile USING gin (extras jsonb_path_ops)",
    "CREATE INDEX profile_interests_gin ON users.profile USING gin (interests)",
    """
    CREATE TABLE users.profile_history (
        id         bigserial PRIMARY KEY,
        user_id    uuid NOT NULL,
        revision   integer NOT NULL,
        snapshot   jsonb NOT NULL,
        changed    text[] NOT NULL,
        source     text NOT NULL CHECK (source IN ('profile', 'skill_rating')),
        changed_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, revision)
    )
    """,
    """
    CREATE TABLE users.match (
        id               bigserial PRIMARY KEY,
        user_id          uuid NOT NULL,
        kind             text NOT NULL CHECK (kind IN ('persona', 'preliminary')),
        variant          text NOT NULL,
        fingerprint      text NOT NULL,
        profile_revision integer NOT NULL,
        payload          jsonb NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        checked_at       timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX match_user_latest ON users.match (user_id, id DESC)",
    """
    CREATE TABLE users.resource (
        id             text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{1,127}$'),
        kind           text NOT NULL CHECK (kind IN ('course', 'book')),
        title          text NOT NULL,
        provider       text NOT NULL,
        language       text NOT NULL CHECK (language IN ('ko', 'en')),
        level          smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
        duration_hours real CHECK (duration_hours > 0),
        pages          integer CHECK (pages > 0),
        url            text NOT NULL,
        isbn           text CHECK (isbn ~ '^[0-9]{13}$'),
        skills         text[] NOT NULL,
        source         text NOT NULL,
        attrs          jsonb NOT NULL DEFAULT '{}'::jsonb,
        imported_at    timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX resource_skills_gin ON users.resource USING gin (skills)",
    """
    CREATE TABLE users.roadmap (
        id          uuid PRIMARY KEY,
        user_id     uuid NOT NULL,
        trend_slug  text NOT NULL,
        match_id    bigint,
        basis       jsonb NOT NULL,
        started_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, trend_slug)
    )
    """,
    """
    CREATE TABLE users.progress (
        user_id      uuid NOT NULL,
        resource_id  text NOT NULL,
        status       text NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done')),
        percent      smallint NOT NULL CHECK (percent BETWEEN 0 AND 100),
        started_at   timestamptz,
        completed_at timestamptz,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, resource_id)
    )
    """,
    """
    CREATE TABLE users.progress_event (
        id          bigserial PRIMARY KEY,
        user_id     uuid NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('resource', 'skill')),
        resource_id text,
        skill       text,
        status      text,
        percent     smallint,
        level       smallint,
        hours       real NOT NULL DEFAULT 0 CHECK (hours >= 0),
        occurred_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX progress_event_user_time ON users.progress_event (user_id, occurred_at)",
    f"""
    CREATE TABLE users.ab_event (
        event_id    uuid PRIMARY KEY,
        user_id     uuid NOT NULL,
        experiment  text NOT NULL,
        variant     text NOT NULL,
        kind        text NOT NULL CHECK (kind IN ({_EVENTS})),
        trend_slug  text,
        match_id    bigint,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX ab_event_report ON users.ab_event (experiment, variant, kind, user_id)",
    "CREATE INDEX ab_event_user ON users.ab_event (user_id)",
    """
    CREATE TABLE users.event_cursor (
        name    text PRIMARY KEY,
        last_id bigint NOT NULL
    )
    """,
)


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TABLE IF EXISTS users.{table}")
