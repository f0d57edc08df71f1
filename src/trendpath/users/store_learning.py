"""SQL of the User Service for roadmaps, progress and imported learning resources.

Functions take a Session and never commit. Every query on a user's rows filters by ``user_id``,
so a row id that belongs to someone else is indistinguishable from one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from trendpath.users import models as m
from trendpath.users.catalog import Resource
from trendpath.users.store import affected

# --- roadmaps ------------------------------------------------------------------------------------


def roadmaps(session: Session, user_id: uuid.UUID) -> list[Row[Any]]:
    """The user's roadmaps, oldest first."""
    r = m.roadmap
    stmt = select(r).where(r.c.user_id == user_id).order_by(r.c.started_at, r.c.trend_slug)
    return list(session.execute(stmt))


def roadmap(session: Session, user_id: uuid.UUID, roadmap_id: uuid.UUID) -> Row[Any] | None:
    """One of the user's roadmaps (None for an unknown id or another user's)."""
    r = m.roadmap
    stmt = select(r).where(r.c.id == roadmap_id, r.c.user_id == user_id)
    return session.execute(stmt).first()


def roadmap_for_trend(session: Session, user_id: uuid.UUID, slug: str) -> Row[Any] | None:
    """The user's roadmap towards ``slug``, if started."""
    r = m.roadmap
    stmt = select(r).where(r.c.user_id == user_id, r.c.trend_slug == slug)
    return session.execute(stmt).first()


def start_roadmap(
    session: Session, user_id: uuid.UUID, slug: str, match_id: int, basis: Mapping[str, Any]
) -> tuple[Row[Any], bool]:
    """Start a roadmap towards ``slug`` (idempotent): the row and whether it was created."""
    stmt = (
        insert(m.roadmap)
        .values(id=uuid.uuid4(), user_id=user_id, trend_slug=slug, match_id=match_id, basis=basis)
        .on_conflict_do_nothing(index_elements=["user_id", "trend_slug"])
        .returning(m.roadmap.c.id)
    )
    created = session.execute(stmt).first() is not None
    row = roadmap_for_trend(session, user_id, slug)
    assert row is not None
    return row, created


def delete_roadmap(session: Session, user_id: uuid.UUID, roadmap_id: uuid.UUID) -> bool:
    """Stop following a roadmap (progress on resources is kept)."""
    r = m.roadmap
    stmt = r.delete().where(r.c.id == roadmap_id, r.c.user_id == user_id)
    return affected(session.execute(stmt)) > 0


# --- progress ------------------------------------------------------------------------------------


def progress(session: Session, user_id: uuid.UUID) -> dict[str, Row[Any]]:
    """The user's progress rows by resource id."""
    p = m.progress
    rows = session.execute(select(p).where(p.c.user_id == user_id).order_by(p.c.resource_id))
    return {r.resource_id: r for r in rows}


def progress_of(session: Session, user_id: uuid.UUID, resource_id: str) -> Row[Any] | None:
    """Progress on one resource, locked for update."""
    p = m.progress
    stmt = select(p).where(p.c.user_id == user_id, p.c.resource_id == resource_id).with_for_update()
    return session.execute(stmt).first()


def set_progress(
    session: Session,
    user_id: uuid.UUID,
    resource_id: str,
    status: str,
    hours: float,
    done_credit: float,
    percent: int,
) -> Row[Any]:
    """Store progress on a resource: the hours studied as marked, the hours "finished" added on
    top (``done_credit``), and the percent they make; keeps the first start and completion time."""
    now = func.now()
    started = now if hours > 0 else None
    completed = now if status == "done" else None
    stmt = insert(m.progress).values(
        user_id=user_id,
        resource_id=resource_id,
        status=status,
        percent=percent,
        hours=hours,
        done_credit=done_credit,
        started_at=started,
        completed_at=completed,
    )
    ex = stmt.excluded
    upsert = stmt.on_conflict_do_update(
        index_elements=["user_id", "resource_id"],
        set_={
            "status": ex.status,
            "percent": ex.percent,
            "hours": ex.hours,
            "done_credit": ex.done_credit,
            "started_at": func.coalesce(m.progress.c.started_at, ex.started_at),
            "completed_at": ex.completed_at,
            "updated_at": now,
        },
    ).returning(*m.progress.c)
    return session.execute(upsert).one()


def step_marks(session: Session, user_id: uuid.UUID, roadmap_id: uuid.UUID) -> dict[str, str]:
    """The user's own marks on a roadmap's steps, by skill."""
    s = m.roadmap_step
    stmt = select(s.c.skill, s.c.state).where(s.c.roadmap_id == roadmap_id, s.c.user_id == user_id)
    return dict(session.execute(stmt).tuples().all())


def set_step_mark(
    session: Session, user_id: uuid.UUID, roadmap_id: uuid.UUID, skill: str, state: str | None
) -> None:
    """Mark a step done, skipped or in progress; ``None`` clears the mark."""
    s = m.roadmap_step
    if state is None:
        session.execute(
            s.delete().where(
                s.c.roadmap_id == roadmap_id, s.c.skill == skill, s.c.user_id == user_id
            )
        )
        return
    stmt = insert(s).values(roadmap_id=roadmap_id, skill=skill, user_id=user_id, state=state)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["roadmap_id", "skill"],
            set_={"state": stmt.excluded.state, "updated_at": func.now()},
        )
    )


def log_progress_event(session: Session, user_id: uuid.UUID, **values: Any) -> None:
    """Append to the user's activity log (streaks and weekly summaries read it)."""
    session.execute(insert(m.progress_event).values(user_id=user_id, **values))


def progress_events(session: Session, user_id: uuid.UUID, since: dt.datetime) -> list[Row[Any]]:
    """The user's logged changes since ``since``, oldest first."""
    e = m.progress_event
    stmt = (
        select(e)
        .where(e.c.user_id == user_id, e.c.occurred_at >= since)
        .order_by(e.c.occurred_at, e.c.id)
    )
    return list(session.execute(stmt))


def active_days(session: Session, user_id: uuid.UUID) -> list[dt.date]:
    """Every Korean calendar day on which the user logged anything."""
    e = m.progress_event
    day = func.date(func.timezone("Asia/Seoul", e.c.occurred_at))
    stmt = select(day).where(e.c.user_id == user_id).distinct().order_by(day)
    return [d for d in session.execute(stmt).scalars()]


# --- imported resources --------------------------------------------------------------------------


def _resource(row: Row[Any]) -> Resource:
    return Resource(
        id=row.id,
        kind=row.kind,
        title=row.title,
        provider=row.provider,
        language=row.language,
        level=int(row.level),
        duration_hours=row.duration_hours,
        pages=row.pages,
        url=row.url,
        link_kind=str(row.attrs.get("link_kind", "item")),
        isbn=row.isbn,
        skills=tuple(row.skills),
        source=row.source,
    )


def resources_for_skills(session: Session, skills: Iterable[str]) -> dict[str, list[Resource]]:
    """Imported resources tagged with any of ``skills``, by skill."""
    wanted = list(dict.fromkeys(skills))
    if not wanted:
        return {}
    r = m.resource
    rows = session.execute(select(r).where(r.c.skills.overlap(wanted)).order_by(r.c.id))
    out: dict[str, list[Resource]] = {s: [] for s in wanted}
    for row in rows:
        res = _resource(row)
        for skill in res.skills:
            if skill in out:
                out[skill].append(res)
    return out


def resource_by_id(session: Session, resource_id: str) -> Resource | None:
    """An imported resource."""
    row = session.execute(select(m.resource).where(m.resource.c.id == resource_id)).first()
    return _resource(row) if row is not None else None


def resources_by_ids(session: Session, ids: Sequence[str]) -> dict[str, Resource]:
    """Imported resources by id."""
    if not ids:
        return {}
    rows = session.execute(select(m.resource).where(m.resource.c.id.in_(list(ids))))
    return {row.id: _resource(row) for row in rows}


def search_resources(
    session: Session, query: str | None, skill: str | None, limit: int, offset: int
) -> tuple[int, list[Resource]]:
    """Imported resources by title/provider text and skill tag."""
    r = m.resource
    conds = []
    if query:
        like = f"%{query.replace('%', '').replace('_', '')}%"
        conds.append(or_(r.c.title.ilike(like), r.c.provider.ilike(like)))
    if skill:
        conds.append(r.c.skills.any(skill))
    total = session.execute(select(func.count()).select_from(r).where(*conds)).scalar_one()
    rows = session.execute(select(r).where(*conds).order_by(r.c.id).limit(limit).offset(offset))
    return int(total), [_resource(row) for row in rows]


def upsert_resources(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert or refresh imported resources by id; returns how many rows were written."""
    if not rows:
        return 0
    stmt = insert(m.resource).values([dict(r) for r in rows])
    update: dict[str, Any] = {c: stmt.excluded[c] for c in rows[0] if c != "id"}
    update["imported_at"] = func.now()
    upsert = stmt.on_conflict_do_update(index_elements=["id"], set_=update)
    return len(session.execute(upsert.returning(m.resource.c.id)).all())
