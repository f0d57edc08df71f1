"""What every learning-catalog connector shares: errors, retries, the HTTP client, the item type.

Retries: timeouts, connection failures, 429 and 5xx are retried up to ``attempts`` times with
exponential back-off (``base · 2^(n−1)``, capped) or the server's ``Retry-After`` seconds when
shorter than the cap. Other 4xx answers are final: the request or the key is wrong. Bodies are
read up to a byte cap. Error messages name the API and the path, never the key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from trendpath import __version__
from trendpath.kit.settings import Settings

USER_AGENT = f"trendpath/{__version__} (+learning catalog)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_DELAY_S = 30.0


class ConnectorError(Exception):
    """Base of every connector failure."""


class ConnectorNotConfigured(ConnectorError):
    """A key is missing; ``setting`` is the environment variable to set."""

    def __init__(self, source: str, setting: str) -> None:
        super().__init__(f"connector {source!r} is not configured: set {setting}")
        self.source = source
        self.setting = setting


class ConnectorUnavailable(ConnectorError):
    """The API could not be reached or kept failing after every retry."""


class ConnectorResponseError(ConnectorError):
    """The API answered with an error or with something we cannot read."""


@dataclass(frozen=True)
class CatalogItem:
    """A course or book as a connector found it (normalised across APIs)."""

    source: str
    external_id: str
    kind: str
    title: str
    provider: str
    url: str
    language: str = "ko"
    isbn: str | None = None
    pages: int | None = None
    duration_hours: float | None = None
    link_kind: str = "item"
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry."""

    attempts: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = MAX_RETRY_DELAY_S

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before retry ``attempt`` (1-based)."""
        backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        if retry_after and retry_after.strip().isdigit():
            return min(self.max_delay_s, float(retry_after.strip()))
        return backoff


class ApiClient:
    """One connector's HTTP client: timeout, byte cap, retries, clear errors."""

    def __init__(
        self,
        source: str,
        settings: Settings,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.source = source
        self.policy = RetryPolicy(
            attempts=settings.users_connector_max_attempts,
            base_delay_s=settings.users_connector_backoff_base_s,
        )
        self.max_bytes = settings.users_connector_max_response_bytes
        self.timeout = httpx.Timeout(settings.users_connector_timeout_s)
        self._sleep = sleep

    async def get(self, url: str, params: Mapping[str, Any]) -> bytes:
        """GET ``url``: the body of a 2xx answer; raise a ConnectorError otherwise."""
        what = f"{self.source} GET {httpx.URL(url).path}"
        failure = "no attempt made"
        async with httpx.AsyncClient(
            timeout=self.timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True
        ) as client:
            for attempt in range(1, self.policy.attempts + 1):
                retry_after = None
                try:
                    status, headers, body = await self._once(client, url, params)
                except httpx.TimeoutException:
                    failure = "timed out"
                except httpx.TransportError as exc:
                    failure = f"connection failed ({type(exc).__name__})"
                else:
                    if status < 400:
                        return body
                    if status not in RETRY_STATUSES:
                        snippet = " ".join(body[:200].decode("utf-8", "replace").split())
                        raise ConnectorResponseError(f"{what}: HTTP {status}: {snippet}")
                    failure, retry_after = f"HTTP {status}", headers.get("retry-after")
                if attempt < self.policy.attempts:
                    await self._sleep(self.policy.delay(attempt, retry_after))
        raise ConnectorUnavailable(f"{what}: {failure} after {self.policy.attempts} attempts")

    async def _once(
        self, client: httpx.AsyncClient, url: str, params: Mapping[str, Any]
    ) -> tuple[int, httpx.Headers, bytes]:
        async with client.stream("GET", url, params=dict(params)) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise ConnectorResponseError(
                        f"{self.source}: response larger than {self.max_bytes} bytes"
                    )
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)
