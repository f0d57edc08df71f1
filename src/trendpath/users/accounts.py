"""Honour account deletion: follow the auth service's account events (``kit.account_events``)
and delete every row this service holds about a deleted account, moving the cursor
(``users.event_cursor``) in the same transaction."""

from __future__ import annotations

from trendpath.kit.account_events import DeletionFollower
from trendpath.kit.runtime import Runtime
from trendpath.users import store

CURSOR = "auth.account_events"

FOLLOWER = DeletionFollower(
    service="users",
    delete_user=store.delete_user,
    get_cursor=lambda session: store.cursor(session, CURSOR),
    set_cursor=lambda session, last_id: store.set_cursor(session, CURSOR, last_id),
)


async def sync_deletions(runtime: Runtime) -> int:
    """Process every pending account event now; returns how many were handled."""
    return await FOLLOWER.sync(runtime)


async def deletion_loop(runtime: Runtime) -> None:
    """Poll for deleted accounts every ``users_account_events_interval_s`` seconds."""
    await FOLLOWER.loop(runtime, runtime.settings.users_account_events_interval_s)
