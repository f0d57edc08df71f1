"""The in-app inbox: notices about the trends a user follows (top-3 match or a roadmap), e.g.
"2차전지 모멘텀이 3주 연속 하락했어요 — 투자 규모 증가율 −12점". SQL never commits.

A notice is written once per trend streak (``dedup_key`` = kind, trend and the week the streak
began), so a re-run of the job that writes it, or the same streak seen again next week, never
repeats it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

KINDS = {"down": "slowing", "up": "accelerating"}


def momentum_message(name: str, move: Mapping[str, Any]) -> str:
    """The Korean one-liner of a streak: which way, how long, which indicator, how much."""
    verb = "하락" if move["direction"] == "down" else "상승"
    text_ = f"{name} 모멘텀이 {move['weeks']}주 연속 {verb}했어요"
    if move.get("label_ko") and move.get("points") is not None:
        points = float(move["points"])
        sign = "−" if points < 0 else "+"
        text_ += f" — {move['label_ko']} {sign}{abs(points):.0f}점"
    return text_


def streak_start(week: str | dt.date, weeks: int) -> dt.date:
    """The week a streak of ``weeks`` weekly moves ending at ``week`` began."""
    day = week if isinstance(week, dt.date) else dt.date.fromisoformat(str(week))
    return day - dt.timedelta(weeks=int(weeks))


def add(
    session: Session,
    user_id: uuid.UUID,
    slug: str,
    name: str,
    week: str,
    move: Mapping[str, Any],
    roadmap_id: uuid.UUID | None,
) -> bool:
    """Write the notice of one streak unless it exists; True when it is new."""
    kind = KINDS[move["direction"]]
    key = f"{kind}:{slug}:{streak_start(week, move['weeks']).isoformat()}"
    data = {"week": week, "movement": dict(move), "name_ko": name}
    row = session.execute(
        text(
            "INSERT INTO users.notification (user_id, kind, trend_slug, roadmap_id, message_ko, "
            "data, dedup_key) VALUES (:user_id, :kind, :slug, :roadmap_id, :message, "
            "CAST(:data AS jsonb), :key) ON CONFLICT (user_id, dedup_key) DO NOTHING RETURNING id"
        ),
        {
            "user_id": user_id,
            "kind": kind,
            "slug": slug,
            "roadmap_id": roadmap_id,
            "message": momentum_message(name, move),
            "data": json.dumps(data, default=str),
            "key": key,
        },
    ).first()
    return row is not None


def listing(session: Session, user_id: uuid.UUID, limit: int, unread_only: bool) -> list[Row[Any]]:
    """The newest notices first."""
    cond = "AND read_at IS NULL" if unread_only else ""
    return list(
        session.execute(
            text(
                "SELECT id, kind, trend_slug, roadmap_id, message_ko, data, created_at, read_at "
                f"FROM users.notification WHERE user_id = :user_id {cond} "
                "ORDER BY id DESC LIMIT :limit"
            ),
            {"user_id": user_id, "limit": limit},
        )
    )


def unread_count(session: Session, user_id: uuid.UUID) -> int:
    """How many notices the user has not read."""
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM users.notification "
                "WHERE user_id = :user_id AND read_at IS NULL"
            ),
            {"user_id": user_id},
        ).scalar_one()
    )


def mark_read(session: Session, user_id: uuid.UUID, ids: Sequence[int] | None) -> int:
    """Mark the given notices (or all) read; how many changed."""
    cond = "AND id = ANY(:ids)" if ids is not None else ""
    result = session.execute(
        text(
            "UPDATE users.notification SET read_at = now() "
            f"WHERE user_id = :user_id AND read_at IS NULL {cond}"
        ),
        {"user_id": user_id, "ids": list(ids or [])},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def followers(session: Session, slugs: Sequence[str]) -> dict[uuid.UUID, dict[str, Any]]:
    """Users who follow any of ``slugs``: per user, slug → their roadmap id on it (or None when
    it is only in their latest top-3 match)."""
    rows = session.execute(
        text(
            "SELECT m.user_id, i->>'slug' AS slug, NULL::uuid AS roadmap_id FROM ("
            "  SELECT DISTINCT ON (user_id) user_id, payload FROM users.match "
            "  ORDER BY user_id, id DESC) m, jsonb_array_elements(m.payload->'items') i "
            "WHERE i->>'slug' = ANY(:slugs) "
            "UNION ALL SELECT user_id, trend_slug, id FROM users.roadmap "
            "WHERE trend_slug = ANY(:slugs)"
        ),
        {"slugs": list(slugs)},
    )
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for r in rows:
        mine = out.setdefault(r.user_id, {})
        mine[r.slug] = r.roadmap_id or mine.get(r.slug)
    return out


def exists(session: Session, user_id: uuid.UUID, notification_id: int) -> bool:
    """Whether the notice is the user's."""
    return (
        session.execute(
            text("SELECT 1 FROM users.notification WHERE id = :id AND user_id = :user_id"),
            {"id": notification_id, "user_id": user_id},
        ).first()
        is not None
    )
