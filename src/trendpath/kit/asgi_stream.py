"""An httpx transport that calls an ASGI app in-process and streams its response.

httpx's own ``ASGITransport`` collects the whole body before returning, so a server-sent-events
reply from a sibling service would arrive in one piece in the embedded ``trendpath run`` mode.
Here the app runs in a task and each body chunk is handed to the reader as it is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

log = logging.getLogger(__name__)

_END = object()
CLOSE_GRACE_S = 10.0


class _QueueStream(httpx.AsyncByteStream):
    def __init__(self, queue: asyncio.Queue[Any], task: asyncio.Task[None], gone: asyncio.Event):
        self.queue, self.task, self.gone = queue, task, gone

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            item = await self.queue.get()
            if item is _END:
                # After its last chunk the app still runs its dependencies' clean-up (closing
                # database sessions): wait for it, as httpx's own ASGITransport does, so no
                # session is left open when the caller's event loop ends.
                await asyncio.shield(self.task)
                return
            yield item

    async def aclose(self) -> None:
        # Closed early: tell the app the client is gone, give it time to finish, then stop it.
        self.gone.set()
        if not self.task.done():
            _, pending = await asyncio.wait({self.task}, timeout=CLOSE_GRACE_S)
            for task in pending:
                task.cancel()


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Like ``httpx.ASGITransport``, but the response body streams chunk by chunk."""

    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self.app = app
        self.client = client
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for (k, v) in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": self.client,
            "root_path": "",
        }
        queue: asyncio.Queue[Any] = asyncio.Queue()
        started: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]] = (
            asyncio.get_running_loop().create_future()
        )
        gone = asyncio.Event()
        sent_body = False

        async def receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.set_result((message["status"], list(message.get("headers", []))))
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if chunk and request.method != "HEAD":
                    await queue.put(chunk)
                if not message.get("more_body", False):
                    await queue.put(_END)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                if not started.done():
                    started.set_exception(exc)
                else:  # the error handler already answered; the exception is only re-raised
                    log.debug("in-process app raised after responding: %r", exc)
            finally:
                await queue.put(_END)

        task = asyncio.create_task(run())
        self._tasks.add(task)  # keep a reference until it is done (asyncio holds only weak ones)
        task.add_done_callback(self._tasks.discard)
        status, headers = await started
        return httpx.Response(status, headers=headers, stream=_QueueStream(queue, task, gone))
