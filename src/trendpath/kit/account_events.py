"""Honour account deletion in any service: follow the auth service's account events.

Each service keeps a cursor (last event id handled) in its own schema and deletes a user's rows
in the same transaction that moves the cursor, so a crash between two polls neither loses nor
repeats an event's effect. Services plug in their own delete and cursor functions.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trendpath.kit.auth import AccountEvent, fetch_account_events
from trendpath.kit.runtime import Runtime

log = logging.getLogger(__name__)

BATCH = 100


@dataclass(frozen=True)
class DeletionFollower:
    """How one service forgets deleted accounts."""

    service: str
    delete_user: Callable[[Session, uuid.UUID], int]
    get_cursor: Callable[[Session], int]
    set_cursor: Callable[[Session, int], None]

    def apply(self, runtime: Runtime, events: list[AccountEvent]) -> int:
        """Delete the data of every deleted account in ``events``; returns rows removed."""
        removed = 0
        with runtime.db.session_scope() as session:
            for event in events:
                if event.kind == "account.deleted":
                    removed += self.delete_user(session, event.user_id)
            if events:
                self.set_cursor(session, max(e.id for e in events))
        return removed

    def cursor(self, runtime: Runtime) -> int:
        """The last event id this service handled."""
        with runtime.db.session_scope() as session:
            return self.get_cursor(session)

    async def sync(self, runtime: Runtime) -> int:
        """Process every pending account event; returns how many were handled."""
        handled = 0
        while True:
            after = await run_in_threadpool(self.cursor, runtime)
            events = await fetch_account_events(runtime, self.service, after=after, limit=BATCH)
            if not events:
                return handled
            removed = await run_in_threadpool(self.apply, runtime, events)
            handled += len(events)
            log.info(
                "account events applied",
                extra={"service": self.service, "events": len(events), "rows": removed},
            )

    async def loop(self, runtime: Runtime, interval_s: float) -> None:
        """Poll for deleted accounts every ``interval_s`` seconds."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.sync(runtime)
            except Exception:
                # The auth service may be restarting; the next poll catches up from the cursor.
                log.warning("account event poll failed", exc_info=True)
