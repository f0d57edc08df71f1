"""Balancing connections over `run`'s worker processes (kit.workers.ConnectionShare)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from trendpath.kit.workers import ConnectionShare, ShedWhenCrowded


def test_every_worker_sees_the_counts_the_others_publish(tmp_path: Path) -> None:
    path = tmp_path / "counts.bin"
    a = ConnectionShare(path, 2, create=True)
    b = ConnectionShare(path, 2)  # another worker maps the same file
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


def test_a_crowded_worker_closes_the_connection_after_its_answer(tmp_path: Path) -> None:
    share = ConnectionShare(tmp_path / "counts.bin", 2, create=True)
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
