"""The shared HTTP base against a real local server: retries, Retry-After, timeouts, limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time

import pytest
from sources_fakeapi import FakeApi, Reply

from trendpath.trends.sources.base import QuotaExhausted, SourceResponseError, SourceUnavailable
from trendpath.trends.sources.http import Page, RetryPolicy, SourceClient, collect_pages
from trendpath.trends.sources.ratelimit import RateLimiter

FAST = RetryPolicy(attempts=3, base_delay_s=0.02, max_delay_s=0.05, max_retry_after_s=5.0)


def client(
    *,
    policy: RetryPolicy = FAST,
    per_second: float = 1000.0,
    quota: int | None = None,
    timeout_s: float = 2.0,
    max_bytes: int = 1_000_000,
) -> SourceClient:
    limiter = RateLimiter("test", per_second, quota)
    return SourceClient(
        "test", limiter=limiter, policy=policy, timeout_s=timeout_s, max_bytes=max_bytes
    )


def get(c: SourceClient, url: str) -> bytes:
    async def run() -> bytes:
        try:
            return await c.get(url, {"q": "생성형 AI"})
        finally:
            await c.aclose()

    return asyncio.run(run())


def test_429_with_retry_after_is_waited_out_then_succeeds() -> None:
    with FakeApi() as api:
        api.route("/x", lambda r: Reply(200, b"ok"))
        api.script("/x", Reply(429, b"slow down", {"Retry-After": "1"}))
        started = time.monotonic()
        assert get(client(), api.url + "/x") == b"ok"
        hits = api.hits("/x")
    assert len(hits) == 2
    assert hits[1].at - hits[0].at >= 0.95  # honoured Retry-After, not the 20 ms back-off
    assert time.monotonic() - started < 5
    assert hits[0].query == {"q": "생성형 AI"}


def test_500_then_success_backs_off_and_retries() -> None:
    with FakeApi() as api:
        api.route("/x", lambda r: Reply(200, b"ok"))
        api.script("/x", Reply(500, b"oops"), Reply(502, b"bad gateway"))
        assert get(client(), api.url + "/x") == b"ok"
        assert len(api.hits("/x")) == 3


def test_timeout_is_retried() -> None:
    with FakeApi() as api:
        api.route("/x", lambda r: Reply(200, b"ok"))
        api.script("/x", Reply(200, b"late", delay_s=1.0))
        started = time.monotonic()
        assert get(client(timeout_s=0.3), api.url + "/x") == b"ok"
        assert len(api.hits("/x")) == 2
        assert time.monotonic() - started < 1.5


def test_persistent_failure_raises_unavailable_after_all_attempts() -> None:
    with FakeApi() as api:
        api.route("/x", lambda r: Reply(503, b"maintenance"))
        with pytest.raises(SourceUnavailable, match="HTTP 503 after 3 attempts"):
            get(client(), api.url + "/x")
        assert len(api.hits("/x")) == 3


def test_retry_after_longer_than_allowed_is_not_waited_for() -> None:
    with FakeApi() as api:
        api.route("/x", lambda r: Reply(429, b"", {"Retry-After": "3600"}))
        started = time.monotonic()
        with pytest.raises(SourceUnavailable, match="retry after 3600 s"):
            get(client(), api.url + "/x")
        assert len(api.hits("/x")) == 1
        assert time.monotonic() - started < 2


def test_client_errors_are_not_retried() -> None:
    with FakeApi() as api:
        api.route("/x", lambda r: Reply(401, '{"errorMessage":"인증 실패"}'.encode()))
        with pytest.raises(SourceResponseError, match="HTTP 401"):
            get(client(), api.url + "/x")
        assert len(api.hits("/x")) == 1


def test_unreachable_server_is_unavailable() -> None:
    with FakeApi() as api:
        url = api.url + "/x"
    with pytest.raises(SourceUnavailable, match="connection failed"):
        get(client(), url)


def test_body_over_the_cap_is_refused() -> None:
    with FakeApi() as api:
        api.route("/x", lambda r: Reply(200, b"x" * 5000))
        with pytest.raises(SourceResponseError, match="larger than 1024 bytes"):
            get(client(max_bytes=1024), api.url + "/x")


def test_rate_limiter_spaces_requests_at_the_server() -> None:
    with FakeApi() as api:
        api.route("/x", lambda r: Reply(200, b"ok"))
        c = client(per_second=10.0)

        async def burst() -> None:
            try:
                await asyncio.gather(*(c.get(api.url + "/x", {}) for _ in range(6)))
            finally:
                await c.aclose()

        asyncio.run(burst())
        arrivals = sorted(r.at for r in api.hits("/x"))
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(arrivals) == 6
    # 100 ms spacing on our side; connection set-up adds some noise at the server's end
    assert min(gaps) >= 0.06, gaps
    assert arrivals[-1] - arrivals[0] >= 0.45


def test_daily_quota_counts_every_attempt_and_resets_the_next_day() -> None:
    day = [dt.date(2025, 10, 13)]
    limiter = RateLimiter("test", 1000.0, daily_quota=2, today=lambda: day[0])

    async def take(n: int) -> None:
        for _ in range(n):
            await limiter.acquire()

    asyncio.run(take(2))
    assert limiter.used_today == 2
    with pytest.raises(QuotaExhausted, match="daily quota of 2"):
        asyncio.run(take(1))
    day[0] += dt.timedelta(days=1)
    asyncio.run(take(2))
    assert limiter.used_today == 2


def test_quota_stops_retries_against_the_api() -> None:
    with FakeApi() as api:
        api.route("/x", lambda r: Reply(500, b"down"))
        with pytest.raises(QuotaExhausted):
            get(client(quota=2), api.url + "/x")
        assert len(api.hits("/x")) == 2


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(attempts=5, base_delay_s=1.0, max_delay_s=5.0)
    assert policy.backoff(1, rnd=lambda: 0.0) == 0.5
    assert policy.backoff(1, rnd=lambda: 1.0) == 1.0
    assert policy.backoff(3, rnd=lambda: 0.0) == 2.0
    assert policy.backoff(3, rnd=lambda: 1.0) == 4.0
    assert policy.backoff(6, rnd=lambda: 1.0) == 5.0  # capped


def test_collect_pages_follows_the_total_and_refuses_truncation() -> None:
    data = list(range(7))
    calls: list[int] = []

    async def page(n: int) -> Page[int]:
        calls.append(n)
        return Page(data[(n - 1) * 3 : n * 3], total=len(data))

    assert asyncio.run(collect_pages(page, 3, 10, "t")) == data
    assert calls == [1, 2, 3]
    with pytest.raises(SourceResponseError, match="more than 2 pages"):
        asyncio.run(collect_pages(page, 3, 2, "t"))
