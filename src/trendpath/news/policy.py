"""When to check a feed next, and when to stop: a pure function of (state, what happened).

:func:`next_state` takes the feed's :class:`FeedState` and an :class:`Observation` of one fetch and
returns the new state; it does no I/O and reads no clock, so the worker, the tests and a replay of
history all get the same answer. The rules:

* **Success** (200 parsed, or 304): counters reset; the next check waits the longest of our
  ``default_interval``, the feed's TTL (RSS ``<ttl>`` / ``sy:updatePeriod``), Cache-Control
  max-age, Expires and Retry-After - server hints only ever slow us down - bounded by
  ``[min_interval, max_interval]``. A 304 keeps the old validators unless it sends new ones.
* **Errors** (404, other 4xx, 5xx, network, timeout): exponential back-off
  ``backoff_base * 2**(n-1)`` up to ``backoff_max``; a Retry-After that is longer wins. After
  ``park_after_errors`` consecutive failures the feed is parked.
* **429**: waits Retry-After (or the back-off) but never parks on its own - it means we were too
  eager, not that the feed is broken.
* **Content errors** (malformed XML, not a feed, unsafe XML, body over the cap) count separately
  and park after ``park_after_parse_errors`` in a row: refetching will not fix them.
* **410 Gone** and **blocked destinations** (the SSRF guard refused the URL) park at once.

Every delay gets a positive jitter of up to ``jitter`` (a fraction) from a seeded generator, so
feeds added together drift apart instead of hammering in lockstep, reproducibly. A parked feed has
no next check; only :func:`unpark` (an admin action) brings it back.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace
from enum import StrEnum

from trendpath.kit.fetch import CacheHints


class Outcome(StrEnum):
    """What one fetch of a feed came to."""

    UPDATED = "updated"
    NOT_MODIFIED = "not_modified"
    NOT_FOUND = "not_found"
    GONE = "gone"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    CLIENT_ERROR = "client_error"
    NETWORK_ERROR = "network_error"
    TIMEOUT = "timeout"
    BLOCKED = "blocked"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    NOT_A_FEED = "not_a_feed"
    UNSAFE_CONTENT = "unsafe_content"


SUCCESSES = frozenset({Outcome.UPDATED, Outcome.NOT_MODIFIED})
CONTENT_ERRORS = frozenset(
    {Outcome.MALFORMED, Outcome.NOT_A_FEED, Outcome.UNSAFE_CONTENT, Outcome.TOO_LARGE}
)
PARK_AT_ONCE = frozenset({Outcome.GONE, Outcome.BLOCKED})


@dataclass(frozen=True)
class FeedState:
    """What the scheduler remembers about a feed between fetches (one database row)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    next_check_at: dt.datetime | None = None
    error_count: int = 0
    parse_error_count: int = 0
    parked: bool = False
    last_outcome: Outcome | None = None
    last_status: int | None = None
    last_error: str | None = None
    last_success_at: dt.datetime | None = None


@dataclass(frozen=True)
class Observation:
    """The facts of one fetch that the policy needs."""

    outcome: Outcome
    at: dt.datetime
    status: int | None = None
    hints: CacheHints = field(default_factory=CacheHints)
    feed_ttl: dt.timedelta | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SchedulePolicy:
    """Tunable bounds of the schedule (see the module docstring)."""

    default_interval: dt.timedelta = dt.timedelta(hours=1)
    min_interval: dt.timedelta = dt.timedelta(minutes=10)
    max_interval: dt.timedelta = dt.timedelta(hours=24)
    jitter: float = 0.1
    backoff_base: dt.timedelta = dt.timedelta(minutes=15)
    backoff_max: dt.timedelta = dt.timedelta(hours=24)
    park_after_errors: int = 10
    park_after_parse_errors: int = 3


def classify_status(status: int) -> Outcome:
    """The outcome of an HTTP status that did not yield a feed body (or a 304)."""
    if status == 304:
        return Outcome.NOT_MODIFIED
    if status == 404:
        return Outcome.NOT_FOUND
    if status == 410:
        return Outcome.GONE
    if status == 429:
        return Outcome.RATE_LIMITED
    if status >= 500:
        return Outcome.SERVER_ERROR
    return Outcome.CLIENT_ERROR


def _seconds(value: float | None) -> dt.timedelta | None:
    return dt.timedelta(seconds=value) if value is not None else None


def success_delay(obs: Observation, policy: SchedulePolicy) -> dt.timedelta:
    """The longest of our default interval and every server hint, before bounds and jitter."""
    candidates = [policy.default_interval]
    for hint in (obs.feed_ttl, _seconds(obs.hints.max_age_s), _seconds(obs.hints.retry_after_s)):
        if hint is not None:
            candidates.append(hint)
    if obs.hints.expires_at is not None:
        candidates.append(obs.hints.expires_at - obs.at)
    return max(candidates)


def backoff_delay(failures: int, policy: SchedulePolicy) -> dt.timedelta:
    """``backoff_base * 2**(failures-1)``, capped at ``backoff_max``."""
    exponent = min(max(failures, 1) - 1, 30)  # 2**30 periods exceeds any sane cap
    return min(policy.backoff_base * (2**exponent), policy.backoff_max)


def jittered(delay: dt.timedelta, policy: SchedulePolicy, seed: int | str) -> dt.timedelta:
    """``delay`` lengthened by up to ``policy.jitter`` of itself, then bounded by the policy."""
    stretched = delay * (1.0 + random.Random(seed).random() * policy.jitter)
    return min(max(stretched, policy.min_interval), policy.max_interval)


def _failure_state(
    state: FeedState, obs: Observation, policy: SchedulePolicy, seed: int | str
) -> FeedState:
    errors = state.error_count + 1
    parse_errors = state.parse_error_count + (1 if obs.outcome in CONTENT_ERRORS else 0)
    parked = (
        obs.outcome in PARK_AT_ONCE
        or parse_errors >= policy.park_after_parse_errors
        or (errors >= policy.park_after_errors and obs.outcome is not Outcome.RATE_LIMITED)
    )
    delay = backoff_delay(errors, policy)
    retry_after = _seconds(obs.hints.retry_after_s)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return replace(
        state,
        error_count=errors,
        parse_error_count=parse_errors,
        parked=parked,
        next_check_at=None if parked else obs.at + jittered(delay, policy, seed),
        last_outcome=obs.outcome,
        last_status=obs.status,
        last_error=obs.error or obs.outcome.value,
    )


def next_state(
    state: FeedState,
    obs: Observation,
    policy: SchedulePolicy | None = None,
    seed: int | str | None = None,
) -> FeedState:
    """The feed's state after ``obs``. ``seed`` defaults to the URL and fetch time."""
    policy = policy or SchedulePolicy()
    if seed is None:
        seed = f"{state.url}|{obs.at.isoformat()}"
    if obs.outcome not in SUCCESSES:
        return _failure_state(state, obs, policy, seed)
    if obs.outcome is Outcome.UPDATED:
        etag, modified = obs.etag, obs.last_modified
    else:
        etag, modified = obs.etag or state.etag, obs.last_modified or state.last_modified
    return replace(
        state,
        etag=etag,
        last_modified=modified,
        next_check_at=obs.at + jittered(success_delay(obs, policy), policy, seed),
        error_count=0,
        parse_error_count=0,
        parked=False,
        last_outcome=obs.outcome,
        last_status=obs.status,
        last_error=None,
        last_success_at=obs.at,
    )


def unpark(state: FeedState, now: dt.datetime) -> FeedState:
    """Admin action: clear the counters and schedule the feed for an immediate check."""
    return replace(
        state, parked=False, error_count=0, parse_error_count=0, next_check_at=now, last_error=None
    )
