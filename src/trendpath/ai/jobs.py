"""Background jobs of the AI service: re-embed stale personas, forget deleted accounts."""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from trendpath.ai import sessions, space, store
from trendpath.kit.account_events import DeletionFollower
from trendpath.kit.runtime import Runtime

log = logging.getLogger(__name__)

REEMBED_EVERY_S = 3600.0
REEMBED_BATCH = 200

DELETIONS = DeletionFollower(
    service="ai",
    delete_user=store.delete_user,
    get_cursor=store.get_cursor,
    set_cursor=store.set_cursor,
)


def reembed_stale(runtime: Runtime, batch: int = REEMBED_BATCH) -> int:
    """Rebuild up to ``batch`` personas built in an older space version; returns how many."""
    version = space.version()
    with runtime.db.session_scope() as session:
        users = store.stale_personas(session, version, batch)
    done = 0
    for user_id in users:
        with runtime.db.session_scope() as session:
            if sessions.rebuild(session, user_id):
                done += 1
            else:  # no talk to rebuild from: the old vector cannot be compared any more
                store.delete_persona(session, user_id)
    return done


async def reembed_job(runtime: Runtime) -> None:
    """Keep every persona in the current space version."""
    while True:
        count = await run_in_threadpool(reembed_stale, runtime)
        if count:
            log.info("personas re-embedded", extra={"count": count, "version": space.version()})
        await asyncio.sleep(1.0 if count >= REEMBED_BATCH else REEMBED_EVERY_S)


async def deletion_job(runtime: Runtime) -> None:
    """Forget deleted accounts."""
    await DELETIONS.loop(runtime, runtime.settings.users_account_events_interval_s)
