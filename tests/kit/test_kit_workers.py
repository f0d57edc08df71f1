"""Balancing connections over `run`'s worker processes (kit.workers.ConnectionShare)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from trendpath.kit.workers import ConnectionShare, ShedWhenCrowded


def test_every_worker_sees_the_counts_the_others_publish() -> None:
    fd = ConnectionShare.create(2)
    a = ConnectionShare(fd, 2)
    b = ConnectionShare(fd, 2)  # another worker maps the same memory
    assert a._view.tolist() == [0, 0]  # a fresh file starts at zero
    try:
        a.publish(0, 36)
        b.publish(1, 28)
        assert not b.crowded(1, 28)
        assert a.crowded(0, 36)  # 64 over 2 workers: 32 each, one of slack
        assert not a.crowded(0, 31) and a.crowded(0, 32)  # 59: 30 each; 60: 30 each
        b.publish(1, 0)  # nobody else holds anything: a lone connection is never crowded
        assert not a.crowded(0, 1) and not a.crowded(0, 2)
    finally:
        a.close()
        b.close()
        os.close(fd)


def test_the_counts_live_in_memory_shared_with_a_child_process() -> None:
    """A worker is another process: it inherits the descriptor and sees the same counts, and
    nothing of it is in the file system (nothing left behind after kill -9)."""
    fd = ConnectionShare.create(2)
    share = ConnectionShare(fd, 2)
    try:
        share.publish(0, 7)
        code = (
            "import sys; from trendpath.kit.workers import ConnectionShare; "
            f"s = ConnectionShare({fd}, 2); print(s._view[0]); s.publish(1, 5)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], pass_fds=(fd,), capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "7" and share._view[1] == 5
        assert "memfd:trendpath-connections" in os.readlink(f"/proc/self/fd/{fd}")
    finally:
        share.close()
        os.close(fd)


def _app() -> Starlette:
    return Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])


def _call(app: Any) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    asyncio.run(app(scope, receive, send))
    return sent


def test_a_crowded_worker_closes_the_connection_after_its_answer() -> None:
    fd = ConnectionShare.create(2)
    share = ConnectionShare(fd, 2)
    held = {"n": 30}
    app = ShedWhenCrowded(_app(), share, 0, lambda: held["n"], interval=0.0)
    try:
        share.publish(1, 30)
        start, body = _call(app)[:2]
        assert start["status"] == 200 and body["body"] == b"ok"
        assert (b"connection", b"close") not in start["headers"]
        assert share._view[0] == 30  # published on every request
        held["n"] = 40  # 70 over 2 workers: 35 each, this one holds 40
        start = _call(app)[0]
        assert start["status"] == 200 and (b"connection", b"close") in start["headers"]
        assert share._view[0] == 40
    finally:
        share.close()
        os.close(fd)
