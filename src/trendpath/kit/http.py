"""Service-to-service HTTP: one client per sibling service, real HTTP or in-process ASGI.

In Compose/Kubernetes each service's base URL comes from settings (``TRENDPATH_<SERVICE>_URL``) and
calls travel over the network. In the embedded ``trendpath run`` mode the sibling's ASGI app lives
in this process and the same client code talks to it through ``httpx.ASGITransport``.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.types import ASGIApp

from trendpath.kit.asgi_stream import StreamingASGITransport
from trendpath.kit.errors import ApiError
from trendpath.kit.logs import request_id_var
from trendpath.kit.settings import SERVICES, Settings
from trendpath.kit.tracing import client_span

MAX_RESPONSE_BYTES = 20_000_000


async def _stamp_request_id(request: httpx.Request) -> None:
    rid = request_id_var.get()
    if rid != "-":
        request.headers.setdefault("x-request-id", rid)


class ServiceClients:
    """Lazily built ``httpx.AsyncClient`` per sibling service."""

    def __init__(self, settings: Settings, apps: dict[str, ASGIApp] | None = None) -> None:
        self.settings = settings
        self.apps: dict[str, ASGIApp] = apps if apps is not None else {}
        self._clients: dict[str, httpx.AsyncClient] = {}

    def client(self, service: str) -> httpx.AsyncClient:
        """The client for ``service``; raises ApiError 503 if it is neither local nor configured."""
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}")
        if service in self._clients:
            return self._clients[service]
        timeout = httpx.Timeout(self.settings.service_timeout_s)
        hooks: dict[str, list[Any]] = {"request": [_stamp_request_id]}
        url = self.settings.service_url(service)
        if url is not None:
            client = httpx.AsyncClient(base_url=url, timeout=timeout, event_hooks=hooks)
        elif service in self.apps:
            transport = StreamingASGITransport(self.apps[service])
            client = httpx.AsyncClient(
                transport=transport,
                base_url=f"http://{service}.internal",
                timeout=timeout,
                event_hooks=hooks,
            )
        else:
            raise ApiError(
                503,
                "unavailable",
                f"service {service!r} is not reachable: set TRENDPATH_{service.upper()}_URL",
            )
        self._clients[service] = client
        return client

    async def request(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send a request; network failures become ApiError 503, oversized bodies 502."""
        client = self.client(service)
        headers = dict(kwargs.pop("headers", None) or {})
        try:
            with client_span(service, method, path, headers):
                response = await client.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException as exc:
            raise ApiError(503, "unavailable", f"service {service!r} timed out") from exc
        except httpx.TransportError as exc:
            raise ApiError(503, "unavailable", f"service {service!r} is unreachable") from exc
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise ApiError(502, "bad_gateway", f"service {service!r} sent an oversized response")
        return response

    async def aclose(self) -> None:
        """Close every client."""
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
