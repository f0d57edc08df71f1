"""SQL of the News Service's feeds: admin, seeding, and the worker's claims. Never commits.

Claims use ``FOR UPDATE SKIP LOCKED`` in a short transaction that stamps a lease (owner + expiry
on the *database* clock, so workers on several hosts agree); a claimed feed is invisible to other
workers until its lease expires, so a worker that dies mid-fetch only delays its feeds by one
lease. Article writes are in :mod:`trendpath.news.store_articles`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Row, String, bindparam, case, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trendpath.news import models as m
from trendpath.news.policy import FeedState, Outcome, unpark

FeedStatus = Literal["new", "ok", "failing", "parked", "disabled"]
STATE_COLUMNS = (
    "etag", "last_modified", "next_check_at", "error_count", "parse_error_count", "parked",
    "last_outcome", "last_status", "last_error", "last_success_at",
)  # fmt: skip


@dataclass(frozen=True)
class Claim:
    """A feed this worker holds the lease on, with what the fetcher needs."""

    id: int
    title: str
    lang: str | None
    state: FeedState


def feed_state(row: Any) -> FeedState:
    """The scheduler's view of a feed row."""
    return FeedState(
        url=row.url,
        etag=row.etag,
        last_modified=row.last_modified,
        next_check_at=row.next_check_at,
        error_count=row.error_count,
        parse_error_count=row.parse_error_count,
        parked=row.parked,
        last_outcome=Outcome(row.last_outcome) if row.last_outcome else None,
        last_status=row.last_status,
        last_error=row.last_error,
        last_success_at=row.last_success_at,
    )


def state_values(state: FeedState) -> dict[str, Any]:
    """The feed columns that hold ``state`` (not the URL)."""
    values = {name: getattr(state, name) for name in STATE_COLUMNS}
    values["last_outcome"] = state.last_outcome.value if state.last_outcome else None
    return values


# --- admin -------------------------------------------------------------------------------------


def add_feed(
    session: Session, url: str, *, added_by: str, title: str = "", lang: str | None = None
) -> Row[Any] | None:
    """Insert a feed due at once; None when the URL is already there."""
    stmt = (
        insert(m.feed)
        .values(url=url, title=title, lang=lang, added_by=added_by, next_check_at=None)
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(*m.feed.c)
    )
    return session.execute(stmt).first()


def seed_once(
    session: Session, name: str, feeds: Iterable[tuple[str, str]], added_by: str
) -> int | None:
    """Insert ``(url, title)`` feeds unless seed ``name`` was applied before; count or None.

    The marker row makes it "once" across restarts and concurrent workers: a feed an admin
    removed stays removed.
    """
    marker = insert(m.seed).values(name=name).on_conflict_do_nothing().returning(m.seed.c.name)
    if session.execute(marker).first() is None:
        return None
    rows = [{"url": url, "title": title, "added_by": added_by} for url, title in feeds]
    if not rows:
        return 0
    stmt = insert(m.feed).on_conflict_do_nothing(index_elements=["url"]).returning(m.feed.c.id)
    return len(session.execute(stmt, rows).all())


def _status_case(f: Any) -> Any:
    return case(
        (f.enabled.is_(False), "disabled"),
        (f.parked.is_(True), "parked"),
        (f.error_count > 0, "failing"),
        (f.last_fetched_at.is_(None), "new"),
        else_="ok",
    ).label("status")


def _with_counts() -> Any:
    a = m.article
    counts = select(a.c.feed_id, func.count().label("articles")).group_by(a.c.feed_id).subquery("c")
    status = _status_case(m.feed.c)
    stmt = select(
        *m.feed.c, status, func.coalesce(counts.c.articles, 0).label("articles")
    ).outerjoin(counts, counts.c.feed_id == m.feed.c.id)
    return stmt, status


def list_feeds(
    session: Session, *, status: FeedStatus | None, limit: int, offset: int
) -> tuple[int, list[Row[Any]]]:
    """Feeds with their status and article count, oldest first; (total, page)."""
    stmt, computed = _with_counts()
    total_q = select(func.count()).select_from(m.feed)
    if status is not None:
        stmt = stmt.where(computed == status)
        total_q = total_q.where(_status_case(m.feed.c) == status)
    total = int(session.execute(total_q).scalar_one())
    rows = session.execute(stmt.order_by(m.feed.c.id).limit(limit).offset(offset)).all()
    return total, list(rows)


def get_feed(session: Session, feed_id: int) -> Row[Any] | None:
    """One feed with its status and article count."""
    stmt, _ = _with_counts()
    return session.execute(stmt.where(m.feed.c.id == feed_id)).first()


def delete_feed(session: Session, feed_id: int) -> bool:
    """Remove a feed and its articles (tags and deals cascade); False when unknown."""
    done = session.execute(m.feed.delete().where(m.feed.c.id == feed_id).returning(m.feed.c.id))
    return done.first() is not None


def set_enabled(session: Session, feed_id: int, enabled: bool) -> bool:
    """Enable or disable a feed; False when unknown."""
    stmt = (
        m.feed.update().where(m.feed.c.id == feed_id).values(enabled=enabled).returning(m.feed.c.id)
    )
    return session.execute(stmt).first() is not None


def unpark_feed(session: Session, feed_id: int, now: dt.datetime) -> bool:
    """Admin action: clear the error counters and make the feed due now; False when unknown."""
    row = session.execute(select(m.feed).where(m.feed.c.id == feed_id).with_for_update()).first()
    if row is None:
        return False
    state = unpark(feed_state(row), now)
    session.execute(m.feed.update().where(m.feed.c.id == feed_id).values(**state_values(state)))
    return True


# --- the worker's claims -----------------------------------------------------------------------

_CLAIM_DUE = text(
    """
    WITH due AS (
        SELECT id FROM news.feed
        WHERE enabled AND NOT parked
          AND (next_check_at IS NULL OR next_check_at <= :now)
          AND (lease_until IS NULL OR lease_until <= clock_timestamp())
        ORDER BY next_check_at NULLS FIRST, id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE news.feed AS f
    SET lease_owner = :owner, lease_until = clock_timestamp() + make_interval(secs => :lease)
    FROM due WHERE f.id = due.id
    RETURNING f.*
    """
).bindparams(bindparam("owner", type_=String))

_CLAIM_ONE = text(
    """
    UPDATE news.feed
    SET lease_owner = :owner, lease_until = clock_timestamp() + make_interval(secs => :lease)
    WHERE id = :id AND (lease_until IS NULL OR lease_until <= clock_timestamp())
    RETURNING *
    """
)


def _claim(row: Any) -> Claim:
    return Claim(id=row.id, title=row.title, lang=row.lang, state=feed_state(row))


def claim_due(
    session: Session, owner: str, *, now: dt.datetime, lease_s: float, limit: int
) -> list[Claim]:
    """Lease up to ``limit`` due feeds to ``owner`` (commit right after: the lease is the lock)."""
    params = {"owner": owner, "now": now, "lease": float(lease_s), "limit": limit}
    rows = session.execute(_CLAIM_DUE, params).all()
    return sorted(
        (_claim(r) for r in rows), key=lambda c: (c.state.next_check_at is not None, c.id)
    )


def claim_one(session: Session, feed_id: int, owner: str, *, lease_s: float) -> Claim | None:
    """Lease one feed whatever its schedule (admin "fetch now"); None if unknown or leased."""
    params = {"owner": owner, "id": feed_id, "lease": float(lease_s)}
    row = session.execute(_CLAIM_ONE, params).first()
    return _claim(row) if row is not None else None


def count_due(session: Session, now: dt.datetime) -> int:
    """Feeds due for a fetch and not leased (the worker's queue depth)."""
    f = m.feed.c
    stmt = select(func.count()).where(
        f.enabled.is_(True),
        f.parked.is_(False),
        (f.next_check_at.is_(None)) | (f.next_check_at <= now),
        (f.lease_until.is_(None)) | (f.lease_until <= func.clock_timestamp()),
    )
    return int(session.execute(stmt).scalar_one())


def hold_lease(session: Session, feed_id: int, owner: str) -> Row[Any] | None:
    """Lock the feed row if ``owner`` still holds its lease; None when it was lost or removed."""
    row = session.execute(select(m.feed).where(m.feed.c.id == feed_id).with_for_update()).first()
    return row if row is not None and row.lease_owner == owner else None


def finish(
    session: Session,
    feed: Row[Any],
    state: FeedState,
    *,
    fetched_at: dt.datetime,
    title: str | None,
    lang: str | None,
) -> None:
    """Store the feed's new state and release its lease (inside the article transaction)."""
    values = state_values(state)
    values.update(last_fetched_at=fetched_at, lease_owner=None, lease_until=None)
    if title and not feed.title:
        values["title"] = title[:500]
    if lang and not feed.lang:
        values["lang"] = lang[:35]
    session.execute(m.feed.update().where(m.feed.c.id == feed.id).values(**values))


def move_feed(session: Session, feed_id: int, new_url: str) -> bool:
    """Adopt a permanent redirect's URL unless another feed already has it."""
    taken = session.execute(select(m.feed.c.id).where(m.feed.c.url == new_url)).first()
    if taken is not None or len(new_url) > 2048:
        return False
    try:
        with session.begin_nested():  # an admin adding the same URL meanwhile must not fail us
            session.execute(m.feed.update().where(m.feed.c.id == feed_id).values(url=new_url))
    except IntegrityError:
        return False
    return True


def release(
    session: Session, feed_id: int, owner: str, *, retry_at: dt.datetime, error: str
) -> None:
    """Give a lease back after a failure in our code, retrying the feed at ``retry_at`` only.

    Without the delay a feed whose content trips a bug would be refetched every cycle.
    """
    session.execute(
        m.feed.update()
        .where(m.feed.c.id == feed_id, m.feed.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None, next_check_at=retry_at, last_error=error[:500])
    )
