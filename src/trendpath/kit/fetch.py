"""Outbound fetching of untrusted URLs (feeds, pages, third-party APIs).

What :func:`fetch` promises, whatever the remote end does:

* **SSRF guard** (:mod:`trendpath.kit.netguard`, re-exported here). The host is resolved once per
  hop and *every* resolved address must be globally routable (no private, loopback, link-local,
  multicast, reserved, unspecified, CGNAT, documentation, Teredo, nor a non-public IPv4 inside
  IPv6 as mapped/6to4/NAT64) unless ``FetchLimits.allow_hosts`` names the address, a CIDR
  containing it, or the hostname. The
  connection then goes to the checked IP (Host header and TLS SNI keep the name), so a DNS answer
  that changes between check and connect (rebinding) cannot redirect us. Environment proxies are
  ignored for the same reason.
* **Redirects** are followed by hand, at most ``max_redirects``, http/https only, each hop checked.
* **Time.** Connect and read timeouts per operation and one total deadline for the whole fetch, so
  a server that drips a byte a second cannot hold us.
* **Size.** The body is capped after decompression (we inflate gzip/deflate ourselves with a bounded
  output), so a gzip bomb stops at ``max_bytes``.
* **Caching.** Conditional GET (If-None-Match / If-Modified-Since) and parsed Retry-After,
  Cache-Control max-age and Expires hints.

Non-2xx responses are *returned* (the caller's policy decides); only transport-level failures raise,
each as a subclass of :class:`FetchError`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import ssl
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

from trendpath.kit.netguard import (
    BlockedAddressError,
    ConnectionFailedError,
    FetchError,
    IPAddress,
    IPNetwork,
    Resolver,
    UnsafeURLError,
    is_public_address,
    resolve_checked,
    system_resolver,
)

__all__ = [
    "BlockedAddressError",
    "CacheHints",
    "ConnectionFailedError",
    "ContentDecodingError",
    "FetchError",
    "FetchLimits",
    "FetchResponse",
    "FetchTimeoutError",
    "IPAddress",
    "IPNetwork",
    "Resolver",
    "ResponseTooLargeError",
    "TooManyRedirectsError",
    "UnsafeURLError",
    "fetch",
    "is_public_address",
    "parse_cache_hints",
    "parse_http_date",
    "resolve_checked",
    "system_resolver",
]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
_CHUNK = 65_536


class TooManyRedirectsError(FetchError):
    """More redirects than ``max_redirects``, or a redirect without a usable Location."""


class ResponseTooLargeError(FetchError):
    """The (decompressed) body passed ``max_bytes``."""


class FetchTimeoutError(FetchError):
    """A connect/read timeout or the total deadline expired."""


class ContentDecodingError(FetchError):
    """A Content-Encoding we did not ask for, or a corrupt compressed stream."""


@dataclass(frozen=True)
class FetchLimits:
    """Bounds for one fetch. ``allow_hosts`` holds IPs, CIDRs or hostnames exempt from the guard."""

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0
    total_timeout_s: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    user_agent: str = "trendpath-fetcher/0.1 (+https://github.com/trendpath)"
    accept: str = "*/*"


@dataclass(frozen=True)
class CacheHints:
    """Server caching hints. ``retry_after_s`` and ``max_age_s`` are seconds from the response."""

    retry_after_s: float | None = None
    max_age_s: float | None = None
    expires_at: dt.datetime | None = None
    no_store: bool = False


@dataclass(frozen=True)
class FetchResponse:
    """A completed exchange. ``permanent_url`` is set when every redirect hop was 301/308."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str
    redirects: tuple[str, ...]
    permanent_url: str | None
    hints: CacheHints

    @property
    def etag(self) -> str | None:
        """The ETag to send back as If-None-Match next time."""
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        """The Last-Modified value to send back as If-Modified-Since next time."""
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str | None:
        """The raw Content-Type header (charset included)."""
        return self.headers.get("content-type")


# --- caching hints ----------------------------------------------------------------------------


def parse_http_date(value: str | None) -> dt.datetime | None:
    """An HTTP-date as an aware UTC datetime, or None when absent or unparsable."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


def parse_cache_hints(headers: httpx.Headers, now: dt.datetime) -> CacheHints:
    """Retry-After (seconds or HTTP-date), Cache-Control max-age minus Age, and Expires."""
    retry_after: float | None = None
    raw = (headers.get("retry-after") or "").strip()
    if raw.isdigit():
        retry_after = float(raw)
    elif raw:
        when = parse_http_date(raw)
        if when is not None:
            retry_after = max(0.0, (when - now).total_seconds())
    max_age: float | None = None
    no_store = False
    for directive in (headers.get("cache-control") or "").lower().split(","):
        name, _, arg = directive.strip().partition("=")
        if name == "max-age" and arg.strip('"').isdigit():
            max_age = float(arg.strip('"'))
        elif name in ("no-store", "no-cache"):
            no_store = True
    age = (headers.get("age") or "").strip()
    if max_age is not None and age.isdigit():
        max_age = max(0.0, max_age - float(age))
    return CacheHints(retry_after, max_age, parse_http_date(headers.get("expires")), no_store)


# --- body reading -----------------------------------------------------------------------------


class _Inflater:
    """Incremental gzip/deflate decoding whose output never exceeds the remaining budget."""

    def __init__(self, coding: str, url: str) -> None:
        self.coding, self.url = coding, url
        self._d: zlib._Decompress | None = None

    def _new(self, first: bytes) -> zlib._Decompress:
        if self.coding == "gzip":
            return zlib.decompressobj(zlib.MAX_WBITS | 16)
        # "deflate" is meant to be zlib-wrapped, but many servers send a raw stream.
        wrapped = (
            len(first) >= 2 and first[0] & 0x0F == 8 and ((first[0] << 8) | first[1]) % 31 == 0
        )
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        """Decode ``data``; raises ResponseTooLargeError as soon as output would pass ``room``."""
        out = bytearray()
        try:
            while data:
                if self._d is None:
                    self._d = self._new(data)
                elif self._d.eof:
                    if not data.startswith(b"\x1f\x8b"):
                        break  # padding after the stream, as other clients tolerate
                    self._d = self._new(data)  # the next member of a multi-member gzip
                out += self._d.decompress(data, room - len(out) + 1)
                if len(out) > room:
                    raise ResponseTooLargeError("decompressed body too large", self.url)
                data = self._d.unconsumed_tail or self._d.unused_data
        except zlib.error as exc:
            raise ContentDecodingError(f"corrupt {self.coding} body: {exc}", self.url) from exc
        return bytes(out)


async def _read_capped(response: httpx.Response, max_bytes: int, url: str) -> bytes:
    codings = [
        c.strip().lower()
        for c in response.headers.get("content-encoding", "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
        raise ContentDecodingError(f"unsupported content-encoding {codings}", url)
    inflater = _Inflater("deflate" if codings == ["deflate"] else "gzip", url) if codings else None
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLargeError(f"content-length {declared} exceeds {max_bytes}", url)
    body = bytearray()
    raw_seen = 0
    async for chunk in response.aiter_raw(_CHUNK):
        raw_seen += len(chunk)
        if raw_seen > max_bytes:
            raise ResponseTooLargeError(f"body exceeds {max_bytes} bytes", url)
        body += inflater.feed(chunk, max_bytes - len(body)) if inflater else chunk
        if len(body) > max_bytes:
            raise ResponseTooLargeError(f"body exceeds {max_bytes} bytes", url)
    return bytes(body)


# --- the fetch --------------------------------------------------------------------------------


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def _host_header(url: httpx.URL, host: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if url.port is None else f"{shown}:{url.port}"


async def _exchange(
    url: httpx.URL,
    headers: dict[str, str],
    limits: FetchLimits,
    resolver: Resolver | None,
    verify: ssl.SSLContext,
) -> tuple[int, httpx.Headers, bytes]:
    """One hop: check the destination, connect to a checked IP, read the capped body."""
    if url.scheme not in ("http", "https") or not url.raw_host:
        raise UnsafeURLError(f"only absolute http/https URLs are fetched, not {url}", str(url))
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = await resolve_checked(host, port, limits.allow_hosts, resolver)
    timeout = httpx.Timeout(
        limits.read_timeout_s, connect=limits.connect_timeout_s, pool=limits.connect_timeout_s
    )
    sent = {**headers, "Host": _host_header(url, host)}
    # A fresh client per hop: pooled connections are keyed by IP, and reusing a TLS connection
    # made for one name to send another name's request would skip that name's certificate check.
    async with httpx.AsyncClient(timeout=timeout, verify=verify, trust_env=False) as client:
        for index, ip in enumerate(addresses):
            request = client.build_request(
                "GET", url.copy_with(host=ip), headers=sent, extensions={"sni_hostname": host}
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.ConnectError as exc:
                if index + 1 < len(addresses):
                    continue
                raise ConnectionFailedError(f"cannot connect to {host}: {exc}", str(url)) from exc
            try:
                if response.status_code in REDIRECT_STATUSES or response.status_code == 304:
                    return response.status_code, response.headers, b""
                body = await _read_capped(response, limits.max_bytes, str(url))
                return response.status_code, response.headers, body
            finally:
                await response.aclose()
    raise ConnectionFailedError(f"no address of {host} answered", str(url))


async def _follow(
    start: httpx.URL,
    headers: dict[str, str],
    limits: FetchLimits,
    resolver: Resolver | None,
    verify: ssl.SSLContext,
) -> tuple[int, httpx.Headers, bytes, httpx.URL, list[str], bool]:
    url, hops, permanent = start, list[str](), True
    while True:
        status, resp_headers, body = await _exchange(url, headers, limits, resolver, verify)
        if status not in REDIRECT_STATUSES:
            return status, resp_headers, body, url, hops, permanent
        location = resp_headers.get("location", "").strip()
        if not location:
            raise TooManyRedirectsError(f"redirect {status} without Location", str(url))
        if len(hops) >= limits.max_redirects:
            raise TooManyRedirectsError(f"more than {limits.max_redirects} redirects", str(url))
        try:
            url = url.join(location)
        except httpx.InvalidURL as exc:
            raise UnsafeURLError(f"bad redirect target {location!r}", str(url)) from exc
        hops.append(str(url))
        permanent = permanent and status in PERMANENT_REDIRECTS


async def fetch(
    url: str,
    *,
    limits: FetchLimits | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
    resolver: Resolver | None = None,
    verify: ssl.SSLContext | None = None,
    now: dt.datetime | None = None,
) -> FetchResponse:
    """GET an untrusted URL under the guarantees in the module docstring.

    ``etag``/``last_modified`` make it conditional (a 304 comes back with an empty body).
    ``verify`` replaces the default CA bundle (tests with a private CA). Raises a FetchError
    subclass for transport problems; HTTP error statuses are returned, not raised.
    """
    limits = limits or FetchLimits()
    try:
        start = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise UnsafeURLError(f"unparsable URL {url!r}", url) from exc
    sent = {"User-Agent": limits.user_agent, "Accept": limits.accept}
    sent["Accept-Encoding"] = "gzip, deflate"  # only what _Inflater can bound
    if etag:
        sent["If-None-Match"] = etag
    if last_modified:
        sent["If-Modified-Since"] = last_modified
    sent.update(headers or {})
    context = verify or _default_ssl_context()
    try:
        async with asyncio.timeout(limits.total_timeout_s):
            status, resp_headers, body, final, hops, permanent = await _follow(
                start, sent, limits, resolver, context
            )
    except TimeoutError as exc:
        raise FetchTimeoutError(f"no complete answer in {limits.total_timeout_s} s", url) from exc
    except httpx.TimeoutException as exc:
        raise FetchTimeoutError(f"timed out: {exc.__class__.__name__}", url) from exc
    except httpx.HTTPError as exc:
        raise ConnectionFailedError(f"{exc.__class__.__name__}: {exc}", url) from exc
    return FetchResponse(
        status=status,
        headers=resp_headers,
        body=body,
        url=str(final),
        redirects=tuple(hops),
        permanent_url=str(final) if hops and permanent else None,
        hints=parse_cache_hints(resp_headers, now or dt.datetime.now(dt.UTC)),
    )
