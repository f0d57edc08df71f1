"""SQL of the trend service's chain and provenance: trend events (the outbox other services
follow), collection runs, policy documents, origins of stored values. Never commits."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from trendpath.trends.demo import DEMO_SOURCE

EVENTS_CHANNEL = "trendpath_trend_events"
"""NOTIFYed (payload: the newest event id) when trend events are committed."""


def recent_velocity(
    session: Session, weeks: int, trend_ids: Sequence[int] | None = None
) -> dict[int, list[Row[Any]]]:
    """The last ``weeks`` Velocity rows of every trend (or of ``trend_ids``), oldest first,
    with the trend's slug and Korean name."""
    where = "WHERE t.id = ANY(:ids)" if trend_ids is not None else ""
    rows = session.execute(
        text(
            "SELECT t.id AS trend_id, t.slug, t.name_ko, r.week, r.score, r.contributions, "
            "r.synthetic_share "
            "FROM trends.trend t CROSS JOIN LATERAL ("
            "  SELECT week, score, contributions, synthetic_share FROM trends.velocity v "
            f"  WHERE v.trend_id = t.id ORDER BY week DESC LIMIT :n) r {where} "
            "ORDER BY t.id, r.week"
        ),
        {"n": weeks, "ids": list(trend_ids or [])},
    )
    out: dict[int, list[Row[Any]]] = {}
    for r in rows:
        out.setdefault(r.trend_id, []).append(r)
    return out


def recent_velocity_of(
    session: Session, trend_ids: Sequence[int], weeks: int
) -> dict[int, list[Row[Any]]]:
    """Like :func:`recent_velocity` for some trends only (none asked: none answered)."""
    return recent_velocity(session, weeks, trend_ids) if trend_ids else {}


# --- trend events (outbox) -----------------------------------------------------------------------


def insert_events(session: Session, events: Sequence[dict[str, Any]]) -> int | None:
    """Append trend events; the newest id (None when there were none).

    Writers take one lock first, so events commit in id order and a follower reading "after my
    cursor" can never skip an id that commits later than a bigger one.
    """
    if not events:
        return None
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('trends.trend_event'))"))
    newest = 0
    for event in events:
        newest = session.execute(
            text(
                "INSERT INTO trends.trend_event (kind, trend_slug, week, data) "
                "VALUES (:kind, :slug, :week, CAST(:data AS jsonb)) RETURNING id"
            ),
            {
                "kind": event["kind"],
                "slug": event["slug"],
                "week": event.get("week"),
                "data": json.dumps(event.get("data") or {}, default=str),
            },
        ).scalar_one()
    session.execute(
        text("SELECT pg_notify(:channel, :id)"), {"channel": EVENTS_CHANNEL, "id": str(newest)}
    )
    return int(newest)


def events_after(session: Session, after: int, limit: int) -> list[Row[Any]]:
    """Trend events with an id above ``after``, oldest first."""
    return list(
        session.execute(
            text(
                "SELECT id, kind, trend_slug, week, data, created_at FROM trends.trend_event "
                "WHERE id > :after ORDER BY id LIMIT :limit"
            ),
            {"after": after, "limit": limit},
        )
    )


def prune_events(session: Session, keep_days: int) -> int:
    """Forget events older than ``keep_days`` (followers poll far more often than that)."""
    result = session.execute(
        text(
            "DELETE FROM trends.trend_event WHERE created_at < now() - make_interval(days => :days)"
        ),
        {"days": keep_days},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- collection runs -----------------------------------------------------------------------------


def record_source_run(session: Session, run: dict[str, Any]) -> None:
    """Remember what one source did in a collection run."""
    session.execute(
        text(
            'INSERT INTO trends.source_run (source, status, "values", changed, problems, detail) '
            "VALUES (:source, :status, :values, :changed, :problems, :detail)"
        ),
        run,
    )


def source_runs(session: Session) -> dict[str, dict[str, Any]]:
    """Per source: its latest run and its latest successful run (status ok with values)."""
    rows = session.execute(
        text(
            'SELECT DISTINCT ON (source) source, status, "values", problems, detail, finished_at, '
            "(SELECT max(finished_at) FROM trends.source_run s2 WHERE s2.source = s.source "
            "   AND s2.status = 'ok' AND s2.\"values\" > 0) AS last_success "
            "FROM trends.source_run s ORDER BY source, finished_at DESC"
        )
    )
    return {r.source: dict(r._mapping) for r in rows}


# --- provenance ----------------------------------------------------------------------------------


def origin_summary(session: Session, trend_id: int | None = None) -> list[Row[Any]]:
    """Per indicator (of one trend, or all): values by source and file, newest fetch, weeks."""
    where = "WHERE trend_id = :tid" if trend_id is not None else ""
    return list(
        session.execute(
            text(
                "SELECT indicator, source, import_file, count(*) AS n, max(week) AS last_week, "
                "max(ingested_at) AS fetched_at, min(import_row) AS first_row "
                f"FROM trends.indicator_value {where} "
                "GROUP BY indicator, source, import_file ORDER BY indicator, max(week) DESC"
            ),
            {"tid": trend_id},
        )
    )


def demo_share_by_indicator(session: Session) -> dict[str, tuple[int, int]]:
    """indicator → (demo values, all values) over every trend."""
    rows = session.execute(
        text(
            "SELECT indicator, count(*) FILTER (WHERE source = :demo) AS demo, count(*) AS total "
            "FROM trends.indicator_value GROUP BY indicator"
        ),
        {"demo": DEMO_SOURCE},
    )
    return {r.indicator: (int(r.demo), int(r.total)) for r in rows}


# --- laws behind policy_change_frequency ---------------------------------------------------------


def upsert_policy_documents(session: Session, trend_id: int, docs: Sequence[dict[str, Any]]) -> int:
    """Store laws/rules found for a trend (by target and serial number); how many were new."""
    new = 0
    for doc in docs:
        inserted = session.execute(
            text(
                "INSERT INTO trends.policy_document AS d (trend_id, target, serial, title, kind, "
                "promulgated, effective, link) VALUES (:tid, :target, :serial, :title, :kind, "
                ":promulgated, :effective, :link) ON CONFLICT (trend_id, target, serial) DO UPDATE "
                "SET title = excluded.title, kind = excluded.kind, "
                "promulgated = excluded.promulgated, effective = excluded.effective, "
                "link = excluded.link, fetched_at = now() RETURNING (xmax = 0)"
            ),
            {"tid": trend_id, **{k: doc.get(k) for k in _DOC_KEYS}},
        ).scalar_one()
        new += bool(inserted)
    return new


_DOC_KEYS = ("target", "serial", "title", "kind", "promulgated", "effective", "link")


def policy_documents(
    session: Session, trend_id: int, since: dt.date | None, limit: int
) -> list[Row[Any]]:
    """A trend's laws and rules, newest promulgation first."""
    cond = "AND (promulgated IS NULL OR promulgated >= :since)" if since else ""
    return list(
        session.execute(
            text(
                "SELECT target, serial, title, kind, promulgated, effective, link, fetched_at "
                f"FROM trends.policy_document WHERE trend_id = :tid {cond} "
                "ORDER BY promulgated DESC NULLS LAST, serial LIMIT :limit"
            ),
            {"tid": trend_id, "since": since, "limit": limit},
        )
    )
