"""Live-update notifications: a service says "these topics changed" inside the transaction that
changed them; PostgreSQL delivers it at commit to every listening dashboard process.

Topics name what a page shows: ``trend:<slug>`` (a trend's scores, forecast, laws, news),
``trends`` (the trend list), ``user:<uuid>`` (a user's match, roadmap notices and inbox). The
payload is JSON ``{"id": ..., "topics": [...]}``; ``id`` is unique per change (the writer's own
row id with a prefix) and is what a reconnecting stream sends back as ``Last-Event-ID``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

CHANNEL = "trendpath_live"
MAX_PAYLOAD = 7000  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
TOPIC = re.compile(r"^(trends|trend:[a-z0-9][a-z0-9-]{0,63}|user:[0-9a-f-]{36})$")
EVENT_ID = re.compile(r"^[a-z]{1,8}-?[0-9]{1,19}(\.[0-9]{1,6})?$")


def publish(session: Session, topics: Iterable[str], event_id: str) -> int:
    """Queue a notification for commit (split when many topics); how many were sent."""
    wanted = sorted(set(topics))
    bad = [t for t in wanted if not TOPIC.match(t)]
    if bad:
        raise ValueError(f"bad live topic {bad[0]!r}")
    if not EVENT_ID.match(event_id):
        raise ValueError(f"bad live event id {event_id!r}")
    sent = 0
    for chunk in _chunks(wanted, event_id):
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": json.dumps({"id": event_id, "topics": chunk})},
        )
        sent += 1
    return sent


def _chunks(topics: list[str], event_id: str) -> Iterable[list[str]]:
    chunk: list[str] = []
    size = len(event_id) + 30
    for topic in topics:
        if chunk and size + len(topic) + 4 > MAX_PAYLOAD:
            yield chunk
            chunk, size = [], len(event_id) + 30
        chunk.append(topic)
        size += len(topic) + 4
    if chunk:
        yield chunk


def parse(payload: str) -> tuple[str, list[str]] | None:
    """(event id, topics) of a notification, or None when it is not ours or malformed."""
    try:
        body: Any = json.loads(payload)
        event_id, topics = body["id"], body["topics"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(event_id, str) or not EVENT_ID.match(event_id):
        return None
    if not isinstance(topics, list):
        return None
    return event_id, [t for t in topics if isinstance(t, str) and TOPIC.match(t)]
