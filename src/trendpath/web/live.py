"""Live updates of dashboard pages over Server-Sent Events, fed by PostgreSQL LISTEN/NOTIFY.

Services publish ``{"id", "topics"}`` on the ``trendpath_live`` channel in the transaction that
changes something (``kit.live``); every dashboard process listens on one connection
(``kit.listen``) and wakes the streams whose page shows one of those topics. A stream then says
``event: change`` with the topics; the page script fetches the page again and swaps the parts
marked ``data-live``. Because every replica listens to the same database, a change made
anywhere reaches every open page.

* **Coalescing**: the hub keeps the newest id per changed topic and wakes the topic's streams
  every :data:`FLUSH_S` at most; a stream keeps a *set* of changed topics and sends at most one
  event per ``TRENDPATH_LIVE_COALESCE_S``. A storm of notifications costs a dict write each and
  becomes one event per page, whatever the number of open pages.
* **Slow clients**: each write waits at most ``TRENDPATH_LIVE_WRITE_TIMEOUT_S``; a client that
  stops reading is dropped (its stream ends, its slot is freed). Writes of one stream never wait
  for another: the fan-out only marks sets and sets events.
* **Reconnects**: every event has an id; ``Last-Event-ID`` is looked up in the last
  ``TRENDPATH_LIVE_REPLAY_EVENTS`` notifications (the same on every replica: PostgreSQL delivers
  them to every listener in commit order) and what changed since is sent at once; an id that is
  no longer known, or a lost database connection, becomes ``event: refresh``.
* **Bounds**: ``TRENDPATH_LIVE_MAX_STREAMS_PER_USER`` per signed-in user (429 beyond),
  ``TRENDPATH_LIVE_MAX_STREAMS`` per process (503 beyond); ``trendpath_live_streams`` gauges
  the open ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter as Tally
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter, Gauge
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from trendpath.kit import live
from trendpath.kit.listen import Listener, listener
from trendpath.kit.metrics import REGISTRY
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

log = logging.getLogger(__name__)

STREAMS = Gauge("trendpath_live_streams", "Open live-update (SSE) streams.", registry=REGISTRY)
DROPPED = Counter(
    "trendpath_live_dropped_total",
    "Live streams ended by the server, by reason (stalled client, limit).",
    ("reason",),
    registry=REGISTRY,
)
NOTIFIED = Counter(
    "trendpath_live_notifications_total", "Change notifications received.", registry=REGISTRY
)
SENT = Counter("trendpath_live_events_total", "Events written to streams.", registry=REGISTRY)
REFRESH = "refresh"
FLUSH_S = 0.05
"""Notifications are handed to streams in batches this far apart (a bound on fan-out work)."""


@dataclass(eq=False)
class Stream:
    """One open page: what it shows and what changed since its last event."""

    user: str
    topics: frozenset[str]
    changed: set[str] = field(default_factory=set)
    last_id: str | None = None
    refresh: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def mark(self, topic: str, event_id: str) -> None:
        """Remember a change (cheap: called for every notification of a storm)."""
        self.changed.add(topic)
        self.last_id = event_id
        self.wake.set()

    def take(self) -> tuple[list[str], str | None, bool]:
        """The changes to send now, forgotten here."""
        out = sorted(self.changed), self.last_id, self.refresh
        self.changed.clear()
        self.refresh = False
        self.wake.clear()
        return out


class Hub:
    """The process's fan-out from notifications to streams."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.by_topic: dict[str, set[Stream]] = {}
        self.users: Tally[str] = Tally()
        self.count = 0
        self.seq = 0
        self.log: deque[tuple[int, str, tuple[str, ...]]] = deque(
            maxlen=settings.live_replay_events
        )
        self.ids: dict[str, int] = {}
        self.loop = asyncio.get_running_loop()
        self.listener: Listener | None = None
        self.dirty: dict[str, str] = {}
        self.flush_pending = False

    def on_notify(self, payload: str) -> None:
        """A notification arrived: record it for replay and wake the streams it concerns."""
        parsed = live.parse(payload)
        if parsed is None:
            return
        event_id, topics = parsed
        NOTIFIED.inc()
        self.seq += 1
        if len(self.log) == self.log.maxlen:
            self.ids.pop(self.log[0][1], None)
        self.log.append((self.seq, event_id, tuple(topics)))
        self.ids[event_id] = self.seq
        # Only the newest id per topic is kept here; streams are woken by the next flush, so a
        # storm costs O(1) per notification and O(open streams) per flush, not their product.
        for topic in topics:
            if topic in self.by_topic:
                self.dirty[topic] = event_id
        if self.dirty and not self.flush_pending:
            self.flush_pending = True
            # Never later than the coalescing window itself (0 = wake at once).
            self.loop.call_later(min(FLUSH_S, self.settings.live_coalesce_s), self.flush)

    def flush(self) -> None:
        """Wake the streams of every topic that changed since the last flush."""
        dirty, self.dirty = self.dirty, {}
        self.flush_pending = False
        for topic, event_id in dirty.items():
            for stream in self.by_topic.get(topic, ()):
                stream.mark(topic, event_id)

    def on_reconnect(self) -> None:
        """Notifications may have been lost while disconnected: every page refreshes."""
        self.log.clear()
        self.ids.clear()
        for streams in self.by_topic.values():
            for stream in streams:
                stream.refresh = True
                stream.wake.set()

    def since(self, event_id: str, topics: frozenset[str]) -> tuple[list[str], str] | None:
        """What changed on ``topics`` after ``event_id`` (None: the id is not known here)."""
        start = self.ids.get(event_id)
        if start is None:
            return None
        changed: set[str] = set()
        last = event_id
        for seq, eid, event_topics in reversed(self.log):
            if seq <= start:
                break
            hits = topics.intersection(event_topics)
            if hits and not changed:
                last = eid
            changed |= hits
        return sorted(changed), last

    def admit(self, user: str, topics: frozenset[str]) -> Stream | int:
        """A new stream, or the HTTP status that refuses it (429 per user, 503 per process)."""
        if self.users[user] >= self.settings.live_max_streams_per_user:
            DROPPED.labels("user_limit").inc()
            return 429
        if self.count >= self.settings.live_max_streams:
            DROPPED.labels("process_limit").inc()
            return 503
        stream = Stream(user, topics)
        self.users[user] += 1
        self.count += 1
        STREAMS.inc()
        for topic in topics:
            self.by_topic.setdefault(topic, set()).add(stream)
        return stream

    def leave(self, stream: Stream) -> None:
        """Forget a finished stream."""
        for topic in stream.topics:
            mine = self.by_topic.get(topic)
            if mine is not None:
                mine.discard(stream)
                if not mine:
                    del self.by_topic[topic]
        self.users[stream.user] -= 1
        if self.users[stream.user] <= 0:
            del self.users[stream.user]
        self.count -= 1
        STREAMS.dec()


def hub(runtime: Runtime) -> Hub:
    """The process's hub for the running loop, listening from first use."""
    loop = asyncio.get_running_loop()
    hubs: dict[int, Hub] = runtime.extras.setdefault("web.live", {})  # type: ignore[assignment]
    found = hubs.get(id(loop))
    if found is None or found.loop is not loop:  # a closed loop's id can be reused
        found = hubs[id(loop)] = Hub(runtime.settings)
        found.listener = listener(runtime)
        found.listener.subscribe(live.CHANNEL, found.on_notify, found.on_reconnect)
    return found


class Stalled(Exception):
    """The client stopped reading."""


class EventStream(Response):
    """The SSE response of one stream (raw ASGI, so that each write can time out)."""

    def __init__(self, the_hub: Hub, stream: Stream, last_event_id: str | None) -> None:
        super().__init__()
        self.hub = the_hub
        self.stream = stream
        self.last_event_id = last_event_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-store"),
            (b"x-accel-buffering", b"no"),  # nginx: pass events through unbuffered
        ]
        gone = asyncio.Event()
        watcher = asyncio.create_task(_until_disconnect(receive, gone))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await self._pump(send, gone)
        except Stalled:
            DROPPED.labels("stalled").inc()
            log.info("live stream dropped: client stopped reading")
        finally:
            watcher.cancel()
            self.hub.leave(self.stream)
        # Returning without ending the body makes the server close the connection: for a
        # stalled client that is the point; a departed one is gone already.

    async def _write(self, send: Send, data: bytes, more: bool = True) -> None:
        try:
            async with asyncio.timeout(self.hub.settings.live_write_timeout_s):
                await send({"type": "http.response.body", "body": data, "more_body": more})
        except TimeoutError:
            raise Stalled from None

    async def _pump(self, send: Send, gone: asyncio.Event) -> None:
        settings = self.hub.settings
        if self.hub.listener is not None:
            # Changes made before the listener is up would be missed: say "connected" after.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.hub.listener.connected.wait(), 10)
        await self._write(send, b"retry: 3000\n: connected\n\n")
        if self.last_event_id is not None:
            await self._replay(send)
        while not gone.is_set():
            woke = await _first(self.stream.wake.wait(), gone.wait(), settings.live_heartbeat_s)
            if gone.is_set():
                return
            if not woke:
                await self._write(send, b": ping\n\n")
                continue
            await asyncio.sleep(settings.live_coalesce_s)  # let a burst settle into one event
            topics, last_id, refresh = self.stream.take()
            await self._send_event(send, REFRESH if refresh else "change", topics, last_id)

    async def _replay(self, send: Send) -> None:
        assert self.last_event_id is not None
        found = self.hub.since(self.last_event_id, self.stream.topics)
        if found is None:
            await self._send_event(send, REFRESH, [], None)
        elif found[0]:
            await self._send_event(send, "change", found[0], found[1])

    async def _send_event(
        self, send: Send, kind: str, topics: list[str], event_id: str | None
    ) -> None:
        lines = f"event: {kind}\n"
        if event_id:
            lines += f"id: {event_id}\n"
        lines += f"data: {json.dumps({'topics': topics})}\n\n"
        await self._write(send, lines.encode())
        SENT.inc()


async def _until_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return


async def _first(
    wake: Coroutine[Any, Any, Any], gone: Coroutine[Any, Any, Any], timeout: float
) -> bool:
    """Wait for the stream's wake-up or the client's departure; False on timeout."""
    tasks = [asyncio.ensure_future(wake), asyncio.ensure_future(gone)]
    try:
        done, _ = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    return bool(done)
