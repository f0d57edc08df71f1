"""The async HTTP base every API source shares: timeouts, retries, rate limits, paging, XML.

Retries: timeouts, connection failures, 429 and 5xx are retried up to ``attempts`` times with
exponential back-off and jitter (half the delay fixed, half random, so many clients never retry
in lock-step). A ``Retry-After`` header (seconds or HTTP-date) replaces the back-off; one longer
than ``max_retry_after_s`` is not waited for. Other 4xx answers are not retried: they mean the
request or the key is wrong; 401 and 403 raise :class:`SourceAuthError`, which stops the source.
Bodies are read up to a byte cap.

Providers wrap errors in their own envelopes (Naver's ``errorCode``, law.go.kr's refusal
documents, ...). A source passes ``check`` to look at every response before the retry decision
(raise :class:`Transient` to retry a bad 200, or a :class:`SourceError` to stop, e.g. a quota
message) and ``explain`` to turn an error body into a readable reason.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
import httpx
from defusedxml import DefusedXmlException

from trendpath import __version__
from trendpath.kit.fetch import parse_cache_hints
from trendpath.kit.settings import Settings
from trendpath.trends.sources.base import SourceAuthError, SourceResponseError, SourceUnavailable
from trendpath.trends.sources.ratelimit import RateLimiter

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = f"trendpath/{__version__} (+trend collection)"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a failing request."""

    attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    max_retry_after_s: float = 300.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The policy configured by the ``trend_source_*`` settings."""
        return cls(
            attempts=settings.trend_source_max_attempts,
            base_delay_s=settings.trend_source_backoff_base_s,
            max_delay_s=settings.trend_source_backoff_max_s,
            max_retry_after_s=settings.trend_source_max_retry_after_s,
        )

    def backoff(self, attempt: int, rnd: Callable[[], float] = random.random) -> float:
        """Delay before retry number ``attempt`` (1-based): capped 2^n growth, half jittered."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return ceiling / 2 + rnd() * ceiling / 2


@dataclass(frozen=True)
class RawResponse:
    """A response read to the end: status, headers and the (capped) body."""

    status: int
    headers: httpx.Headers
    body: bytes

    def snippet(self, limit: int = 200) -> str:
        """The start of the body as text, for error messages."""
        text = self.body[:limit].decode("utf-8", "replace")
        return " ".join(text.split())


class Transient(Exception):
    """Raised by a ``send`` callable for a failure worth retrying (like a timeout)."""


ResponseCheck = Callable[[RawResponse], None]
"""Looks at a response before the retry decision; raises Transient or a SourceError."""
ErrorExplainer = Callable[[RawResponse], str | None]
"""The provider's reason for an error answer (from its error envelope), or None."""
AUTH_STATUSES = frozenset({401, 403})


async def send_with_retries(
    send: Callable[[], Awaitable[RawResponse]],
    *,
    what: str,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> RawResponse:
    """Call ``send`` until it gives a non-retryable response; raise SourceUnavailable if never.

    ``send`` may raise :class:`Transient`, ``httpx.TimeoutException`` or ``httpx.TransportError``
    for failures to retry. ``what`` names the request in messages (never include keys in it).
    """
    failure = "no attempt made"
    for attempt in range(1, policy.attempts + 1):
        delay: float | None = None
        try:
            response = await send()
        except httpx.TimeoutException:
            failure = "timed out"
        except Transient as exc:
            failure = str(exc) or "transient failure"
        except httpx.TransportError as exc:
            failure = f"connection failed ({exc})" if str(exc) else "connection failed"
        else:
            if response.status not in RETRY_STATUSES:
                return response
            failure = f"HTTP {response.status}"
            now = dt.datetime.now(dt.UTC)
            delay = parse_cache_hints(response.headers, now).retry_after_s
            if delay is not None and delay > policy.max_retry_after_s:
                raise SourceUnavailable(
                    f"{what}: {failure}, server asks to retry after {delay:.0f} s "
                    f"(more than the {policy.max_retry_after_s:.0f} s we wait)"
                )
        if attempt == policy.attempts:
            break
        await sleep(delay if delay is not None else policy.backoff(attempt))
    raise SourceUnavailable(f"{what}: {failure} after {policy.attempts} attempts")


class SourceClient:
    """One pooled ``httpx.AsyncClient`` per source, behind its rate limiter and retry policy."""

    def __init__(
        self,
        source: str,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        timeout_s: float,
        max_bytes: int,
        headers: Mapping[str, str] | None = None,
        check: ResponseCheck | None = None,
        explain: ErrorExplainer | None = None,
        auth_hint: str = "",
    ) -> None:
        self.source = source
        self.limiter = limiter
        self.policy = policy
        self.max_bytes = max_bytes
        self.check = check
        self.explain = explain
        self.auth_hint = auth_hint
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            follow_redirects=True,
        )

    @classmethod
    def from_settings(
        cls,
        source: str,
        settings: Settings,
        *,
        per_second: float,
        daily_quota: int | None,
        headers: Mapping[str, str] | None = None,
        check: ResponseCheck | None = None,
        explain: ErrorExplainer | None = None,
        auth_hint: str = "",
    ) -> SourceClient:
        """A client with the shared ``trend_source_*`` timeouts, retries and byte cap."""
        return cls(
            source,
            limiter=RateLimiter(source, per_second, daily_quota),
            policy=RetryPolicy.from_settings(settings),
            timeout_s=settings.trend_source_timeout_s,
            max_bytes=settings.trend_source_max_response_bytes,
            headers=headers,
            check=check,
            explain=explain,
            auth_hint=auth_hint,
        )

    async def request(self, method: str, url: str, **kwargs: Any) -> RawResponse:
        """Send with rate limiting and retries; raise SourceResponseError on a final 4xx
        (SourceAuthError on 401/403)."""
        what = f"{self.source} {method} {httpx.URL(url).path}"

        async def send() -> RawResponse:
            await self.limiter.acquire()
            response = await self._send_once(method, url, **kwargs)
            if self.check is not None:
                self.check(response)
            return response

        response = await send_with_retries(send, what=what, policy=self.policy)
        if response.status >= 400:
            reason = (self.explain(response) if self.explain else None) or response.snippet()
            message = f"{what}: HTTP {response.status}: {reason}"
            if response.status in AUTH_STATUSES:
                hint = f"; check {self.auth_hint}" if self.auth_hint else ""
                raise SourceAuthError(f"{message}{hint}")
            raise SourceResponseError(message)
        return response

    async def get(self, url: str, params: Mapping[str, Any]) -> bytes:
        """GET ``url`` with query ``params``; the body of a successful answer."""
        return (await self.request("GET", url, params=dict(params))).body

    async def post_json(self, url: str, payload: Any) -> bytes:
        """POST ``payload`` as JSON; the body of a successful answer."""
        return (await self.request("POST", url, json=payload)).body

    async def _send_once(self, method: str, url: str, **kwargs: Any) -> RawResponse:
        async with self._http.stream(method, url, **kwargs) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise SourceResponseError(
                        f"{self.source}: response larger than {self.max_bytes} bytes"
                    )
                chunks.append(chunk)
            return RawResponse(response.status_code, response.headers, b"".join(chunks))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


# --- paging --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a paged list answer: its items and the total the API reports."""

    items: list[T]
    total: int


async def collect_pages(
    fetch_page: Callable[[int], Awaitable[Page[T]]], page_size: int, max_pages: int, what: str
) -> list[T]:
    """Every item of a paged list (pages numbered from 1).

    Stops when the reported total is reached or a page comes back short. Raises
    SourceResponseError when the total needs more than ``max_pages`` pages: a truncated count
    would be stored as a wrong value, so none is better.
    """
    items: list[T] = []
    page_no = 1
    while True:
        page = await fetch_page(page_no)
        items.extend(page.items)
        if len(page.items) < page_size or page_no * page_size >= page.total:
            return items
        if page_no >= max_pages:
            raise SourceResponseError(
                f"{what}: {page.total} results need more than {max_pages} pages "
                f"of {page_size}; narrow the keywords or raise TRENDPATH_TREND_SOURCE_MAX_PAGES"
            )
        page_no += 1


# --- payloads ------------------------------------------------------------------------------------


def parse_xml(body: bytes, what: str) -> Element:
    """Parse an untrusted XML body (defusedxml: no entity expansion, no external entities)."""
    try:
        root: Element = safe_et.fromstring(body)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        snippet = " ".join(body[:120].decode("utf-8", "replace").split())
        raise SourceResponseError(f"{what}: not valid XML ({exc}): {snippet!r}") from None
    return root


def xml_text(node: Element, path: str) -> str:
    """Stripped text of the first element at ``path`` ('' when absent)."""
    found = node.find(path)
    return (found.text or "").strip() if found is not None else ""


def xml_int(node: Element, path: str, what: str) -> int:
    """The integer at ``path``; SourceResponseError when missing or not a number."""
    raw = xml_text(node, path)
    try:
        return int(raw.replace(",", ""))
    except ValueError:
        raise SourceResponseError(f"{what}: expected a number in <{path}>, got {raw!r}") from None
