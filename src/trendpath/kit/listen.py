"""PostgreSQL ``LISTEN``: one connection per process and event loop, shared by every consumer.

NOTIFY is how one process tells the others that something changed: a service's job queue wakes
its workers (``kit.jobqueue``), the dashboard's live streams learn which pages changed
(``web.live``). Every replica listens on the same database, so a change written by any process
reaches the streams and workers of all of them. Notifications are hints, not the record: each
consumer re-reads the state (the queue table, the page) and treats a reconnection as "anything
may have changed" (``on_reconnect``, called after every reconnection but not the first
connection), because notifications sent while disconnected are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from sqlalchemy.engine import make_url

from trendpath.kit.runtime import Runtime

log = logging.getLogger(__name__)

Callback = Callable[[str], None]
"""Called on the event loop with a notification's payload; it must not block."""

CHANNEL = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
RETRY_MAX_S = 10.0


def libpq_url(sqlalchemy_url: str) -> str:
    """The libpq form (``postgresql://…``) of a SQLAlchemy psycopg URL."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@dataclass
class _Channel:
    callbacks: list[Callback] = field(default_factory=list)
    on_reconnect: list[Callable[[], None]] = field(default_factory=list)


class Listener:
    """LISTENs on the channels consumers subscribe to; reconnects with back-off."""

    def __init__(self, url: str) -> None:
        self.url = libpq_url(url)
        self.loop = asyncio.get_running_loop()
        self.channels: dict[str, _Channel] = {}
        self.connected = asyncio.Event()
        self._conn: psycopg.AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._was_connected = False

    def subscribe(
        self, channel: str, callback: Callback, on_reconnect: Callable[[], None] | None = None
    ) -> None:
        """Deliver ``channel``'s payloads to ``callback`` (starts listening on first use)."""
        if not CHANNEL.match(channel):
            raise ValueError(f"bad channel name {channel!r}")
        entry = self.channels.setdefault(channel, _Channel())
        entry.callbacks.append(callback)
        if on_reconnect is not None:
            entry.on_reconnect.append(on_reconnect)
        self._changed.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def unsubscribe(self, channel: str, callback: Callback) -> None:
        """Stop delivering to ``callback`` (the channel stays listened to; it is cheap)."""
        entry = self.channels.get(channel)
        if entry is not None and callback in entry.callbacks:
            entry.callbacks.remove(callback)

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._session()
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database restarted or the network failed
                log.warning("listener disconnected: %s", str(exc)[:200])
            finally:
                self.connected.clear()
                await self._close()
            await asyncio.sleep(delay)
            delay = min(RETRY_MAX_S, delay * 2)

    async def _session(self) -> None:
        self._conn = await psycopg.AsyncConnection.connect(
            self.url, autocommit=True, application_name="trendpath-listen"
        )
        listening: set[str] = set()
        first = True
        while True:
            for channel in set(self.channels) - listening:
                await self._conn.execute(f'LISTEN "{channel}"')
                listening.add(channel)
            if first:
                first = False
                self.connected.set()
                if self._was_connected:  # notifications may have been lost in between
                    self._reconnected()
                self._was_connected = True
            self._changed.clear()
            # Wake at least every second to pick up new channels.
            async for note in self._conn.notifies(timeout=1.0):
                self._deliver(note.channel, note.payload)
                if self._changed.is_set():
                    break

    def _deliver(self, channel: str, payload: str) -> None:
        entry = self.channels.get(channel)
        for callback in list(entry.callbacks if entry else ()):
            try:
                callback(payload)
            except Exception:
                log.exception("notification callback failed", extra={"channel": channel})

    def _reconnected(self) -> None:
        for entry in self.channels.values():
            for hook in entry.on_reconnect:
                try:
                    hook()
                except Exception:
                    log.exception("reconnect hook failed")

    async def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def aclose(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._close()


def listener(runtime: Runtime) -> Listener:
    """This process's listener for the running event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    per_loop: dict[int, Listener] = runtime.extras.setdefault("kit.listeners", {})  # type: ignore[assignment]
    found = per_loop.get(id(loop))
    if found is None or found.loop is not loop:  # a closed loop's id can be reused
        # LISTEN needs a real session: PgBouncer in transaction mode would drop it silently.
        url = runtime.settings.database_listen_url or runtime.db.url
        found = per_loop[id(loop)] = Listener(url)
    return found
