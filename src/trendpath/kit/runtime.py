"""The runtime one process shares between its services: settings, database, sibling clients."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from trendpath.kit.db import Database
from trendpath.kit.embedded import EmbeddedPostgres
from trendpath.kit.http import ServiceClients
from trendpath.kit.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What a running service needs besides its own code."""

    settings: Settings
    db: Database
    clients: ServiceClients
    embedded: EmbeddedPostgres | None = None
    extras: dict[str, object] = field(default_factory=dict)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Async resources opened on an event loop (connection pools), closed by the lifespan."""

    async def aclose_resources(self) -> None:
        """Close what async code opened on this runtime, newest first (at app shutdown)."""
        while self.closers:
            closer = self.closers.pop()
            with contextlib.suppress(Exception):
                await closer()

    def close(self) -> None:
        """Release the pool and detach from the embedded server (which stops when unused)."""
        self.db.dispose()
        if self.embedded is not None:
            self.embedded.stop()


def resolve_database(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """The database URL to use: ``TRENDPATH_DATABASE_URL``, or the embedded server (started)."""
    if settings.database_url:
        return settings.database_url, None
    embedded = EmbeddedPostgres.for_state_dir(settings.state_dir)
    return embedded.start(), embedded


def open_runtime(settings: Settings, name: str = "trendpath") -> Runtime:
    """Connect (starting the embedded server if configured so) and check the database."""
    url, embedded = resolve_database(settings)
    db = Database.from_settings(settings, url, name=name)
    try:
        db.check()
    except Exception:
        db.dispose()
        if embedded is not None:
            embedded.stop()
        raise
    return Runtime(settings=settings, db=db, clients=ServiceClients(settings), embedded=embedded)
