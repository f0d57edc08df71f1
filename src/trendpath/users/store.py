"""SQL of the User Service for profiles, matches, A/B events and account deletion.

Functions take a Session and never commit; the request or job that owns the unit of work does.
Learning-side SQL (roadmaps, progress, imported resources) is in :mod:`store_learning`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, Result, Row, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from trendpath.users import models as m
from trendpath.users.profile import changed_fields, snapshot


def affected(result: Result[Any]) -> int:
    """Rows an INSERT/UPDATE/DELETE touched."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


# --- profile -------------------------------------------------------------------------------------


def get_profile(session: Session, user_id: uuid.UUID, lock: bool = False) -> Row[Any] | None:
    """The user's profile row (``FOR UPDATE`` when ``lock``)."""
    stmt = select(m.profile).where(m.profile.c.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).first()


def save_profile(
    session: Session,
    user_id: uuid.UUID,
    values: Mapping[str, Any],
    source: str = "profile",
) -> tuple[Row[Any], list[str]]:
    """Create or update the profile; log a history entry when anything changed.

    Returns the stored row and the names of the changed fields (empty: nothing to do).
    """
    before = get_profile(session, user_id, lock=True)
    old = before._mapping if before is not None else None
    merged = {**(snapshot(old) if old is not None else {}), **values}
    changed = changed_fields(old, merged)
    if not changed:
        assert before is not None
        return before, []
    if before is None:
        session.execute(insert(m.profile).values(user_id=user_id, revision=1, **merged))
    else:
        session.execute(
            update(m.profile)
            .where(m.profile.c.user_id == user_id)
            .values(**merged, revision=m.profile.c.revision + 1, updated_at=func.now())
        )
    row = get_profile(session, user_id)
    assert row is not None
    session.execute(
        insert(m.profile_history).values(
            user_id=user_id,
            revision=row.revision,
            snapshot=snapshot(row._mapping),
            changed=changed,
            source=source,
        )
    )
    return row, changed


def profile_history(session: Session, user_id: uuid.UUID, limit: int = 50) -> list[Row[Any]]:
    """Profile revisions, newest first."""
    h = m.profile_history
    stmt = select(h).where(h.c.user_id == user_id).order_by(h.c.revision.desc()).limit(limit)
    return list(session.execute(stmt))


# --- matches -------------------------------------------------------------------------------------

_LATEST_SQL = text(
    """
    SELECT mt.id, mt.kind, mt.variant, mt.fingerprint, mt.profile_revision, mt.payload,
           mt.created_at, mt.checked_at, p.revision AS current_revision
    FROM users.profile p
    LEFT JOIN LATERAL (
        SELECT * FROM users.match WHERE user_id = p.user_id ORDER BY id DESC LIMIT 1
    ) mt ON true
    WHERE p.user_id = :user_id
    """
)


LATEST_RAW_PG = """
    SELECT mt.id, mt.kind, mt.variant, mt.profile_revision, mt.checked_at,
           mt.payload::text AS payload_text, p.revision AS current_revision
    FROM users.profile p
    LEFT JOIN LATERAL (
        SELECT * FROM users.match WHERE user_id = p.user_id ORDER BY id DESC LIMIT 1
    ) mt ON true
    WHERE p.user_id = %(user_id)s
"""
"""The hot read of ``GET /v1/match`` in psycopg's placeholder style (``users.hotread``)."""
_LATEST_RAW_SQL = text(LATEST_RAW_PG.replace("%(user_id)s", ":user_id"))


def latest_match_raw(session: Session, user_id: uuid.UUID) -> Row[Any] | None:
    """Like :func:`latest_match` but with the payload as JSON text (``payload_text``), for
    answering without decoding and re-encoding it."""
    return session.execute(_LATEST_RAW_SQL, {"user_id": user_id}).first()


def latest_match(session: Session, user_id: uuid.UUID) -> Row[Any] | None:
    """The newest match with the profile's current revision (None: no profile).

    One round trip: the fast path of ``GET /v1/match``.
    """
    return session.execute(_LATEST_SQL, {"user_id": user_id}).first()


_EDITED_SQL = text(
    """
    SELECT p.user_id
    FROM users.profile p
    JOIN LATERAL (
        SELECT profile_revision FROM users.match WHERE user_id = p.user_id ORDER BY id DESC LIMIT 1
    ) mt ON true
    WHERE mt.profile_revision < p.revision
    ORDER BY p.updated_at
    LIMIT :limit
    """
)


def edited_since_match(session: Session, limit: int) -> list[uuid.UUID]:
    """Users whose profile changed after their newest match was computed (oldest edit first)."""
    return list(session.execute(_EDITED_SQL, {"limit": limit}).scalars())


def match_by_id(session: Session, user_id: uuid.UUID, match_id: int) -> Row[Any] | None:
    """One of the user's matches (None for another user's id)."""
    stmt = select(m.match).where(m.match.c.id == match_id, m.match.c.user_id == user_id)
    return session.execute(stmt).first()


def next_match_id(session: Session) -> int:
    """Reserve the id of the next match (so its payload can carry its own id)."""
    return int(session.execute(text("SELECT nextval('users.match_id_seq')")).scalar_one())


def insert_match(
    session: Session,
    match_id: int,
    user_id: uuid.UUID,
    *,
    kind: str,
    variant: str,
    fingerprint: str,
    profile_revision: int,
    payload: Mapping[str, Any],
    created_at: dt.datetime,
) -> None:
    """Store a new match; the previous ones stay for comparison."""
    session.execute(
        insert(m.match).values(
            id=match_id,
            user_id=user_id,
            kind=kind,
            variant=variant,
            fingerprint=fingerprint,
            profile_revision=profile_revision,
            payload=dict(payload),
            created_at=created_at,
            checked_at=created_at,
        )
    )


def touch_match(session: Session, match_id: int, profile_revision: int) -> dt.datetime:
    """Record that a match was checked and still holds for this profile revision."""
    stmt = (
        update(m.match)
        .where(m.match.c.id == match_id)
        .values(checked_at=func.now(), profile_revision=profile_revision)
        .returning(m.match.c.checked_at)
    )
    checked: dt.datetime = session.execute(stmt).scalar_one()
    return checked


def match_history(session: Session, user_id: uuid.UUID, limit: int = 20) -> list[Row[Any]]:
    """The user's matches, newest first (without payloads)."""
    t = m.match
    stmt = (
        select(t.c.id, t.c.kind, t.c.variant, t.c.created_at, t.c.checked_at, t.c.payload["items"])
        .where(t.c.user_id == user_id)
        .order_by(t.c.id.desc())
        .limit(limit)
    )
    return list(session.execute(stmt))


# --- A/B events ----------------------------------------------------------------------------------


def record_event(session: Session, event: Mapping[str, Any]) -> bool:
    """Insert an event unless its id exists; True when inserted."""
    stmt = (
        insert(m.ab_event)
        .values(**event)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(m.ab_event.c.event_id)
    )
    # rowcount is not reported for INSERT .. ON CONFLICT; RETURNING says whether a row was made.
    return session.execute(stmt).first() is not None


def event_by_id(session: Session, event_id: uuid.UUID) -> Row[Any] | None:
    """A stored event."""
    return session.execute(select(m.ab_event).where(m.ab_event.c.event_id == event_id)).first()


_EXPOSED_SQL = text(
    """
    SELECT variant, count(DISTINCT user_id) FROM users.ab_event
    WHERE experiment = :e AND kind = 'exposure' GROUP BY variant
    """
)
_OUTCOME_SQL = text(
    """
    WITH exposed AS (
        SELECT DISTINCT variant, user_id FROM users.ab_event
        WHERE experiment = :e AND kind = 'exposure'
    )
    SELECT x.variant, o.kind, count(DISTINCT o.user_id)
    FROM exposed x
    JOIN users.ab_event o
      ON o.user_id = x.user_id AND o.experiment = :e AND o.variant = x.variant
    WHERE o.kind <> 'exposure'
    GROUP BY x.variant, o.kind
    """
)


def experiment_counts(
    session: Session, experiment: str
) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Exposed users per variant, and exposed users with each outcome per (variant, kind)."""
    exposed = {str(v): int(n) for v, n in session.execute(_EXPOSED_SQL, {"e": experiment})}
    outcomes = {
        (str(v), str(k)): int(n) for v, k, n in session.execute(_OUTCOME_SQL, {"e": experiment})
    }
    return exposed, outcomes


def experiments(session: Session) -> list[str]:
    """Names of experiments with recorded events."""
    stmt = select(m.ab_event.c.experiment).distinct().order_by(m.ab_event.c.experiment)
    return [str(e) for e in session.execute(stmt).scalars()]


# --- aggregates and account deletion -------------------------------------------------------------


def aggregates(session: Session) -> dict[str, Any]:
    """Counts an admin may see (no individual data)."""
    p = m.profile
    by_status: dict[str, int] = dict(
        session.execute(select(p.c.status, func.count()).group_by(p.c.status)).all()
    )
    return {
        "profiles": session.execute(select(func.count()).select_from(p)).scalar_one(),
        "profiles_by_status": {str(k): int(v) for k, v in by_status.items()},
        "users_with_match": session.execute(
            select(func.count(func.distinct(m.match.c.user_id)))
        ).scalar_one(),
        "roadmaps": session.execute(select(func.count()).select_from(m.roadmap)).scalar_one(),
        "resources_done": session.execute(
            select(func.count()).select_from(m.progress).where(m.progress.c.status == "done")
        ).scalar_one(),
    }


def delete_user(session: Session, user_id: uuid.UUID) -> int:
    """Delete every row the service holds about a user; returns the number of rows removed."""
    removed = 0
    for table in m.USER_TABLES:
        removed += affected(session.execute(delete(table).where(table.c.user_id == user_id)))
    return removed


def cursor(session: Session, name: str) -> int:
    """The last processed id of an event stream (0 when never read)."""
    stmt = select(m.event_cursor.c.last_id).where(m.event_cursor.c.name == name)
    return int(session.execute(stmt).scalar() or 0)


def set_cursor(session: Session, name: str, last_id: int) -> None:
    """Move an event stream's cursor."""
    stmt = insert(m.event_cursor).values(name=name, last_id=last_id)
    stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"last_id": last_id})
    session.execute(stmt)
