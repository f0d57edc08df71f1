"""HTTP API of the inbox: the user's notices about the trends they follow, read or unread."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from trendpath.kit.db import SessionDep
from trendpath.kit.errors import ApiError, error_responses
from trendpath.users import inbox
from trendpath.users.access import Reader, Writer

router = APIRouter(prefix="/v1", tags=["inbox"])


class NotificationOut(BaseModel):
    """One notice, with where it leads (the trend page and, if started, the roadmap)."""

    id: int
    kind: Literal["slowing", "accelerating"]
    trend_slug: str
    roadmap_id: uuid.UUID | None
    message_ko: str
    data: dict[str, object]
    created_at: dt.datetime
    read: bool


class InboxOut(BaseModel):
    """The newest notices and how many are unread."""

    unread: int
    items: list[NotificationOut]


class ReadIn(BaseModel):
    """Which notices to mark read (all when omitted)."""

    ids: list[Annotated[int, Field(ge=1, le=2**62)]] | None = Field(default=None, max_length=500)


class ReadOut(BaseModel):
    """How many notices changed, and how many stay unread."""

    marked: int
    unread: int


@router.get("/notifications", response_model=InboxOut, summary="The user's inbox")
def notifications(
    session: SessionDep,
    user: Reader,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    unread: Annotated[bool, Query(description="Only unread notices")] = False,
) -> InboxOut:
    """Notices about trends in the user's top 3 or roadmaps, newest first."""
    rows = inbox.listing(session, user.user_id, limit, unread)
    items = [
        NotificationOut(
            id=r.id,
            kind=r.kind,
            trend_slug=r.trend_slug,
            roadmap_id=r.roadmap_id,
            message_ko=r.message_ko,
            data=dict(r.data),
            created_at=r.created_at,
            read=r.read_at is not None,
        )
        for r in rows
    ]
    return InboxOut(unread=inbox.unread_count(session, user.user_id), items=items)


@router.post("/notifications/read", response_model=ReadOut, summary="Mark notices read")
def mark_read(session: SessionDep, user: Writer, body: ReadIn) -> ReadOut:
    """Mark the given notices read (or every notice when ``ids`` is omitted)."""
    marked = inbox.mark_read(session, user.user_id, body.ids)
    session.commit()
    return ReadOut(marked=marked, unread=inbox.unread_count(session, user.user_id))


@router.post(
    "/notifications/{notification_id}/read",
    status_code=204,
    responses=error_responses(404),
    summary="Mark one notice read",
)
def mark_one(
    session: SessionDep,
    user: Writer,
    notification_id: Annotated[int, Path(ge=1, le=2**62)],
) -> Response:
    """Mark one notice read (idempotent: an already read one answers 204 too)."""
    if not inbox.exists(session, user.user_id, notification_id):
        raise ApiError(404, "not_found", f"no notification {notification_id}")
    inbox.mark_read(session, user.user_id, [notification_id])
    session.commit()
    return Response(status_code=204)
