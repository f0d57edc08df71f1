"""All SQL of the AI service. Functions take a Session and never commit."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

import numpy as np
from pgvector.sqlalchemy import HALFVEC
from sqlalchemy import Row, cast, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from trendpath.ai import models as m

EMBED_DIM = 1536  # ai.persona.embedding
PERSONA_EF_SEARCH = 100  # bench/vectors.py: recall@10 0.976 at 1M (0.955 at pgvector's 40)


def save_persona(
    session: Session,
    user_id: uuid.UUID,
    vector: np.ndarray,
    version: str,
    *,
    from_conversation: bool,
    inputs: dict[str, Any],
) -> None:
    """Insert or replace a user's persona vector."""
    row = {
        "user_id": user_id,
        "embedding": vector.astype(np.float32),
        "version": version,
        "from_conversation": from_conversation,
        "inputs": inputs,
    }
    stmt = insert(m.persona).values(row)
    update: dict[str, Any] = {k: stmt.excluded[k] for k in row if k != "user_id"}
    update["updated_at"] = func.now()
    session.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=update))


def get_persona(session: Session, user_id: uuid.UUID) -> Row[Any] | None:
    """A user's persona joined with their value scores, or None."""
    p, v = m.persona, m.value_score
    stmt = (
        select(
            p,
            v.c.scores,
            v.c.growth_orientation,
            v.c.stability_preference,
            v.c.confirmed,
        )
        .outerjoin(v, v.c.user_id == p.c.user_id)
        .where(p.c.user_id == user_id)
    )
    return session.execute(stmt).first()


def similar_personas(
    session: Session, user_id: uuid.UUID, vector: np.ndarray, version: str, k: int
) -> list[float]:
    """Cosine similarities of the ``k`` nearest other personas of the same version.

    Ordered by the half-precision key the HNSW index is built on (migration 0008), with
    ``ef_search`` raised for this transaction: recall@10 0.976 at 1M personas, p99 5.7 ms
    (docs/benchmarks.md, vectors). The similarities themselves are exact.
    """
    p = m.persona
    key = cast(p.c.embedding, HALFVEC(EMBED_DIM))
    query = cast(vector.astype(np.float32), HALFVEC(EMBED_DIM))
    distance = key.cosine_distance(query)
    exact = p.c.embedding.cosine_distance(vector.astype(np.float32))
    session.execute(text(f"SET LOCAL hnsw.ef_search = {PERSONA_EF_SEARCH}"))
    stmt = (
        select((1 - exact).label("similarity"))
        .where(p.c.user_id != user_id, p.c.version == version)
        .order_by(distance)
        .limit(k)
    )
    return [float(x) for x in session.execute(stmt).scalars()]


def delete_user(session: Session, user_id: uuid.UUID) -> int:
    """Remove everything the AI service holds about a user (account deletion); rows removed."""
    removed = 0
    for table in (m.persona, m.value_score, m.coach_session):  # messages cascade
        result = session.execute(delete(table).where(table.c.user_id == user_id))
        removed += int(result.rowcount)  # type: ignore[attr-defined]
    return removed


CURSOR = "auth.account_events"


def get_cursor(session: Session) -> int:
    """The last account event handled here."""
    ec = m.event_cursor
    found = session.execute(select(ec.c.last_id).where(ec.c.name == CURSOR)).scalar()
    return int(found or 0)


def set_cursor(session: Session, last_id: int) -> None:
    """Move the account-event cursor."""
    stmt = insert(m.event_cursor).values(name=CURSOR, last_id=last_id)
    session.execute(
        stmt.on_conflict_do_update(index_elements=["name"], set_={"last_id": stmt.excluded.last_id})
    )


def stale_personas(
    session: Session, version: str, limit: int, skip: Collection[uuid.UUID] = ()
) -> list[uuid.UUID]:
    """Users whose persona was built in another version of the space (minus ``skip``)."""
    p = m.persona
    stmt = select(p.c.user_id).where(p.c.version != version)
    if skip:
        stmt = stmt.where(p.c.user_id.not_in(list(skip)))
    return list(session.execute(stmt.order_by(p.c.user_id).limit(limit)).scalars())


def latest_finished_session(session: Session, user_id: uuid.UUID) -> Row[Any] | None:
    """The user's most recent finished coach session."""
    cs = m.coach_session
    stmt = (
        select(cs)
        .where(cs.c.user_id == user_id, cs.c.status == "finished")
        .order_by(cs.c.finished_at.desc().nulls_last(), cs.c.created_at.desc())
        .limit(1)
    )
    return session.execute(stmt).first()


def create_session(
    session: Session, session_id: uuid.UUID, user_id: uuid.UUID, state: dict[str, Any]
) -> None:
    """Insert a new coach session."""
    session.execute(
        insert(m.coach_session).values(
            id=session_id,
            user_id=user_id,
            status="active",
            state=state,
            profile=state.get("context", {}),
            turns=0,
        )
    )


def count_sessions(session: Session, user_id: uuid.UUID) -> int:
    """How many sessions a user has started."""
    cs = m.coach_session
    stmt = select(func.count()).select_from(cs).where(cs.c.user_id == user_id)
    return int(session.execute(stmt).scalar_one())


def get_session(session: Session, session_id: uuid.UUID, user_id: uuid.UUID) -> Row[Any] | None:
    """A user's own session (None for someone else's: no existence leak)."""
    cs = m.coach_session
    stmt = select(cs).where(cs.c.id == session_id, cs.c.user_id == user_id)
    return session.execute(stmt).first()


def list_sessions(session: Session, user_id: uuid.UUID) -> list[Row[Any]]:
    """A user's sessions, newest first."""
    cs = m.coach_session
    stmt = (
        select(cs.c.id, cs.c.status, cs.c.turns, cs.c.created_at, cs.c.updated_at)
        .where(cs.c.user_id == user_id)
        .order_by(cs.c.created_at.desc())
    )
    return list(session.execute(stmt))


def advance_session(
    session: Session, session_id: uuid.UUID, old_turns: int, state: dict[str, Any], status: str
) -> bool:
    """Store the new state if nobody else advanced the session meanwhile (optimistic lock)."""
    cs = m.coach_session
    finished = func.now() if status == "finished" else None
    stmt = (
        update(cs)
        .where(cs.c.id == session_id, cs.c.turns == old_turns)
        .values(
            state=state,
            turns=old_turns + 1,
            status=status,
            updated_at=func.now(),
            finished_at=func.coalesce(cs.c.finished_at, finished),
        )
    )
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]


def add_messages(session: Session, session_id: uuid.UUID, messages: list[dict[str, Any]]) -> None:
    """Append messages with consecutive sequence numbers."""
    msg = m.message
    start = session.execute(
        select(func.coalesce(func.max(msg.c.seq), 0)).where(msg.c.session_id == session_id)
    ).scalar_one()
    rows = [{"session_id": session_id, "seq": start + i + 1, **mm} for i, mm in enumerate(messages)]
    session.execute(insert(msg).values(rows))


def messages(session: Session, session_id: uuid.UUID) -> list[Row[Any]]:
    """A session's messages in order."""
    msg = m.message
    stmt = select(msg.c.seq, msg.c.role, msg.c.content, msg.c.meta, msg.c.created_at)
    return list(session.execute(stmt.where(msg.c.session_id == session_id).order_by(msg.c.seq)))


def save_values(
    session: Session,
    user_id: uuid.UUID,
    session_id: uuid.UUID | None,
    scores: dict[str, Any],
    *,
    method: str,
    growth: float,
    stability: float,
    confirmed: bool,
) -> None:
    """Insert or replace a user's value scores."""
    row = {
        "user_id": user_id,
        "session_id": session_id,
        "method": method,
        "scores": scores,
        "growth_orientation": growth,
        "stability_preference": stability,
        "confirmed": confirmed,
    }
    stmt = insert(m.value_score).values(row)
    update_cols: dict[str, Any] = {k: stmt.excluded[k] for k in row if k != "user_id"}
    update_cols["updated_at"] = func.now()
    session.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=update_cols))


def get_values(session: Session, user_id: uuid.UUID) -> Row[Any] | None:
    """A user's stored value scores."""
    v = m.value_score
    return session.execute(select(v).where(v.c.user_id == user_id)).first()


def delete_persona(session: Session, user_id: uuid.UUID) -> None:
    """Drop a user's persona vector."""
    session.execute(delete(m.persona).where(m.persona.c.user_id == user_id))
