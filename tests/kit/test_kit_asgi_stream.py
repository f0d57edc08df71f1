"""The in-process transport streams: the first chunk arrives while the app is still sending."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from trendpath.kit.asgi_stream import StreamingASGITransport


def _app(release: asyncio.Event) -> Starlette:
    async def ticks(_):  # type: ignore[no-untyped-def]
        async def body():  # type: ignore[no-untyped-def]
            yield b"first\n"
            await release.wait()  # blocks until the reader has seen the first chunk
            yield b"second\n"

        return StreamingResponse(body(), media_type="text/event-stream")

    async def echo(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"got": (await request.json())["x"], "q": request.query_params["q"]})

    return Starlette(routes=[Route("/ticks", ticks), Route("/echo", echo, methods=["POST"])])


def test_chunks_arrive_as_they_are_sent() -> None:
    async def go() -> list[bytes]:
        release = asyncio.Event()
        transport = StreamingASGITransport(_app(release))
        seen: list[bytes] = []
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://svc") as client,
            client.stream("GET", "/ticks") as resp,
        ):
            async for chunk in resp.aiter_raw():
                seen.append(chunk)
                release.set()  # only possible if "first" came before the app finished
        return seen

    assert asyncio.run(asyncio.wait_for(go(), timeout=10)) == [b"first\n", b"second\n"]


def test_plain_requests_behave_like_httpx_asgi_transport() -> None:
    async def go() -> httpx.Response:
        transport = StreamingASGITransport(_app(asyncio.Event()))
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            return await client.post("/echo?q=가", json={"x": 1})

    resp = asyncio.run(go())
    assert resp.status_code == 200
    assert resp.json() == {"got": 1, "q": "가"}
