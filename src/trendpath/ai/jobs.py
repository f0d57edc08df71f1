"""Background jobs of the AI service: re-embed stale personas, forget deleted accounts."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from trendpath.ai import sessions, space, store
from trendpath.ai.values_method import values_method_of
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


@dataclass
class ReembedPass:
    """What one pass of the re-embedding job did."""

    rebuilt: int = 0
    dropped: int = 0  # no finished talk to rebuild from: the old vector cannot be compared
    failed: list[uuid.UUID] = field(default_factory=list)

    @property
    def handled(self) -> int:
        """Personas that are no longer stale after this pass."""
        return self.rebuilt + self.dropped


def reembed_stale(
    runtime: Runtime, batch: int = REEMBED_BATCH, skip: Collection[uuid.UUID] = ()
) -> ReembedPass:
    """Rebuild up to ``batch`` personas built in an older space version.

    Each user is one unit of work: a crash keeps the users done so far, and one user whose
    rebuild fails is logged and left out (``skip`` on the next pass) instead of stopping the
    others.
    """
    values = values_method_of(runtime)
    if space.state().encoder is None:
        return ReembedPass()  # unready encoder (readiness says why): nothing can be rebuilt now
    version = space.version(values.name)
    with runtime.db.session_scope() as session:
        users = store.stale_personas(session, version, batch, skip)
    result = ReembedPass()
    for user_id in users:
        try:
            with runtime.db.session_scope() as session:
                if sessions.rebuild(session, user_id, values):
                    result.rebuilt += 1
                else:
                    store.delete_persona(session, user_id)
                    result.dropped += 1
        except Exception:
            log.exception("persona rebuild failed", extra={"user_id": str(user_id)})
            result.failed.append(user_id)
    return result


async def reembed_job(runtime: Runtime) -> None:
    """Keep every persona in the current space version.

    Passes follow each other while they find work; users whose rebuild failed are retried at
    the next hourly pass (a restart retries them at once).
    """
    failed: set[uuid.UUID] = set()
    while True:
        done = await run_in_threadpool(reembed_stale, runtime, REEMBED_BATCH, failed)
        if done.handled:
            log.info(
                "personas re-embedded",
                extra={
                    "count": done.rebuilt,
                    "dropped": done.dropped,
                    "version": space.version(values_method_of(runtime).name),
                },
            )
        failed.update(done.failed)
        more = done.handled + len(done.failed) >= REEMBED_BATCH
        if not more:
            failed.clear()  # the next hourly pass tries them again
        await asyncio.sleep(1.0 if more else REEMBED_EVERY_S)


async def deletion_job(runtime: Runtime) -> None:
    """Forget deleted accounts."""
    await DELETIONS.loop(runtime, runtime.settings.users_account_events_interval_s)
