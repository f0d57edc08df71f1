"""One feed fetch, end to end: :func:`trendpath.kit.fetch.fetch` + decode + parse + policy.

:func:`fetch_feed` takes the feed's stored :class:`~trendpath.news.policy.FeedState` and returns a
:class:`FetchOutcome` holding the new state (validators, next check, error counters, parked flag),
the parsed feed and its de-duplicated articles. It never raises for anything the remote end does;
every failure becomes an :class:`~trendpath.news.policy.Outcome` and a state change. It does not
touch the database: the worker stores ``outcome.state`` and inserts ``outcome.articles`` (unique per
feed on ``Article.hash``) in one transaction.

:class:`HostThrottle` adds per-host politeness when many feeds are fetched concurrently.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from trendpath.kit.fetch import (
    BlockedAddressError,
    CacheHints,
    ConnectionFailedError,
    ContentDecodingError,
    FetchError,
    FetchLimits,
    FetchResponse,
    FetchTimeoutError,
    Resolver,
    ResponseTooLargeError,
    UnsafeURLError,
    fetch,
)
from trendpath.news.dedup import Article, identify
from trendpath.news.parse import (
    KST,
    MalformedFeedError,
    NotAFeedError,
    ParsedFeed,
    UnsafeFeedError,
    parse_feed,
)
from trendpath.news.policy import (
    FeedState,
    Observation,
    Outcome,
    SchedulePolicy,
    classify_status,
    next_state,
)

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
DEFAULT_LIMITS = FetchLimits(max_bytes=5 * 1024 * 1024, accept=FEED_ACCEPT)


@dataclass(frozen=True)
class FetchOutcome:
    """Everything one fetch produced; ``state`` is what to store for the feed."""

    outcome: Outcome
    state: FeedState
    feed: ParsedFeed | None
    articles: tuple[Article, ...]
    status: int | None
    error: str | None
    final_url: str | None
    moved_to: str | None  # the URL every redirect hop called permanent; the store may adopt it
    fetched_at: dt.datetime
    elapsed_s: float


class HostThrottle:
    """Per-host politeness: ``per_host`` fetches in flight at most, ``min_gap_s`` between starts."""

    def __init__(self, min_gap_s: float = 1.0, per_host: int = 1) -> None:
        self.min_gap_s = min_gap_s
        self.per_host = per_host
        self._gates: dict[str, asyncio.Semaphore] = {}
        self._last_start: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold a slot for ``url``'s host for the duration of the block."""
        host = (urlsplit(url).hostname or "").lower()
        gate = self._gates.setdefault(host, asyncio.Semaphore(self.per_host))
        async with gate:
            wait = self._last_start.get(host, -1e18) + self.min_gap_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_start[host] = time.monotonic()
            yield


def _transport_outcome(exc: FetchError) -> Outcome:
    if isinstance(exc, BlockedAddressError | UnsafeURLError):
        return Outcome.BLOCKED
    if isinstance(exc, ResponseTooLargeError):
        return Outcome.TOO_LARGE
    if isinstance(exc, FetchTimeoutError):
        return Outcome.TIMEOUT
    if isinstance(exc, ContentDecodingError):
        return Outcome.MALFORMED
    if isinstance(exc, ConnectionFailedError):
        return Outcome.NETWORK_ERROR
    return Outcome.CLIENT_ERROR  # too many redirects and other misconfigured-feed failures


async def _parse(
    response: FetchResponse, fetched_at: dt.datetime, naive_tz: dt.tzinfo
) -> tuple[Outcome, ParsedFeed | None, str | None]:
    try:
        feed = await asyncio.to_thread(
            parse_feed,
            response.body,
            content_type=response.content_type,
            base_url=response.url,
            fetched_at=fetched_at,
            naive_tz=naive_tz,
        )
    except UnsafeFeedError as exc:
        return Outcome.UNSAFE_CONTENT, None, str(exc)
    except NotAFeedError as exc:
        return Outcome.NOT_A_FEED, None, str(exc)
    except MalformedFeedError as exc:
        return Outcome.MALFORMED, None, str(exc)
    except Exception as exc:
        # fetch_feed promises never to raise for what the remote end sends: an unexpected parser
        # failure counts as a malformed feed (back-off, then parking), logged once without a
        # traceback per fetch.
        log.warning(
            "feed parser failed",
            extra={"url": response.url, "error": f"{exc.__class__.__name__}: {exc}"[:300]},
        )
        return Outcome.MALFORMED, None, f"parser error: {exc.__class__.__name__}: {exc}"[:500]
    return Outcome.UPDATED, feed, None


async def fetch_feed(
    state: FeedState,
    *,
    now: dt.datetime | None = None,
    limits: FetchLimits = DEFAULT_LIMITS,
    policy: SchedulePolicy | None = None,
    throttle: HostThrottle | None = None,
    resolver: Resolver | None = None,
    verify: ssl.SSLContext | None = None,
    naive_tz: dt.tzinfo = KST,
    seed: int | str | None = None,
) -> FetchOutcome:
    """Fetch, parse and schedule one feed; see the module docstring."""
    fetched_at = now or dt.datetime.now(dt.UTC)
    started = time.monotonic()
    response: FetchResponse | None = None
    feed: ParsedFeed | None = None
    error: str | None
    try:
        if throttle is not None:
            async with throttle.slot(state.url):
                response = await _conditional_get(state, limits, resolver, verify, fetched_at)
        else:
            response = await _conditional_get(state, limits, resolver, verify, fetched_at)
    except FetchError as exc:
        outcome, error = _transport_outcome(exc), f"{exc.__class__.__name__}: {exc}"
    else:
        if 200 <= response.status < 300:
            outcome, feed, error = await _parse(response, fetched_at, naive_tz)
        else:
            outcome, error = classify_status(response.status), f"HTTP {response.status}"
            if outcome is Outcome.NOT_MODIFIED:
                error = None
    return _finish(state, outcome, response, feed, error, fetched_at, started, policy, seed)


async def _conditional_get(
    state: FeedState,
    limits: FetchLimits,
    resolver: Resolver | None,
    verify: ssl.SSLContext | None,
    fetched_at: dt.datetime,
) -> FetchResponse:
    return await fetch(
        state.url,
        limits=limits,
        etag=state.etag,
        last_modified=state.last_modified,
        resolver=resolver,
        verify=verify,
        now=fetched_at,
    )


def _finish(
    state: FeedState,
    outcome: Outcome,
    response: FetchResponse | None,
    feed: ParsedFeed | None,
    error: str | None,
    fetched_at: dt.datetime,
    started: float,
    policy: SchedulePolicy | None,
    seed: int | str | None,
) -> FetchOutcome:
    ttl = dt.timedelta(minutes=feed.ttl_minutes) if feed and feed.ttl_minutes else None
    obs = Observation(
        outcome=outcome,
        at=fetched_at,
        status=response.status if response else None,
        hints=response.hints if response else CacheHints(),
        feed_ttl=ttl,
        etag=response.etag if response else None,
        last_modified=response.last_modified if response else None,
        error=error,
    )
    return FetchOutcome(
        outcome=outcome,
        state=next_state(state, obs, policy, seed),
        feed=feed,
        articles=tuple(identify(feed.entries)) if feed else (),
        status=obs.status,
        error=error,
        final_url=response.url if response else None,
        moved_to=response.permanent_url if response else None,
        fetched_at=fetched_at,
        elapsed_s=time.monotonic() - started,
    )
