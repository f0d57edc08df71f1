"""The re-match job: a profile edit rebuilds the persona and the match without a page view.

Every ``users_rematch_interval_s`` the job looks for users whose profile changed after their
newest match was computed (``profile_revision`` behind the profile's ``revision``) and recomputes
each match: the AI service rebuilds the persona with the stored profile (the source of truth)
and a new match row is stored when anything the user would see changed. One user at a time, each
its own unit of work; a user whose recomputation fails (a sibling down) is logged and tried again
on the next pass. Users who never had a match are left to their first ``GET /v1/match``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from trendpath.kit.errors import ApiError
from trendpath.kit.runtime import Runtime
from trendpath.users import matcher, store
from trendpath.users.hotread import read_main

log = logging.getLogger(__name__)

BATCH = 100


@dataclass
class RematchPass:
    """What one pass did."""

    rematched: int = 0
    failed: list[uuid.UUID] = field(default_factory=list)


async def rematch_pass(runtime: Runtime, batch: int = BATCH) -> RematchPass:
    """Recompute the matches of up to ``batch`` users who edited their profile since."""
    users = await run_in_threadpool(
        read_main, runtime, lambda s: store.edited_since_match(s, batch)
    )
    result = RematchPass()
    for user_id in users:
        try:
            await matcher.current_match(runtime, user_id, force=True)
            result.rematched += 1
        except ApiError as exc:
            log.info("re-match deferred", extra={"user_id": str(user_id), "reason": exc.message})
            result.failed.append(user_id)
    return result


async def rematch_job(runtime: Runtime) -> None:
    """Background job: keep every shown match in step with its profile."""
    while True:
        done = await rematch_pass(runtime)
        if done.rematched:
            log.info("matches recomputed after profile edits", extra={"count": done.rematched})
        busy = done.rematched + len(done.failed) >= BATCH and not done.failed
        await asyncio.sleep(1.0 if busy else runtime.settings.users_rematch_interval_s)
