"""The pure scheduling policy: intervals, back-off, parking, status handling."""

from __future__ import annotations

import datetime as dt

import pytest

from trendpath.kit.fetch import CacheHints
from trendpath.news.policy import (
    FeedState,
    Observation,
    Outcome,
    SchedulePolicy,
    backoff_delay,
    classify_status,
    jittered,
    next_state,
    unpark,
)

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
NO_JITTER = SchedulePolicy(jitter=0.0)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def after(
    state: FeedState, outcome: Outcome, policy: SchedulePolicy = NO_JITTER, **kw: object
) -> FeedState:
    return next_state(state, Observation(outcome, NOW, **kw), policy)  # type: ignore[arg-type]


def wait(state: FeedState) -> dt.timedelta:
    assert state.next_check_at is not None
    return state.next_check_at - NOW


def test_success_uses_default_interval_and_stores_validators() -> None:
    s = after(
        FeedState("https://a.kr/rss"), Outcome.UPDATED, status=200, etag='"e"', last_modified="lm"
    )
    assert wait(s) == H
    assert (s.etag, s.last_modified, s.error_count, s.last_success_at) == ('"e"', "lm", 0, NOW)


@pytest.mark.parametrize(
    ("hints", "ttl", "expected"),
    [
        (CacheHints(max_age_s=3 * 3600), None, 3 * H),
        (CacheHints(max_age_s=60), None, H),  # hints never make us poll faster
        (CacheHints(), dt.timedelta(hours=2), 2 * H),
        (CacheHints(expires_at=NOW + 5 * H), None, 5 * H),
        (CacheHints(max_age_s=7 * 24 * 3600), None, 24 * H),  # bounded by max_interval
        (CacheHints(retry_after_s=4 * 3600), None, 4 * H),
    ],
)
def test_success_interval_honours_server_hints_within_bounds(
    hints: CacheHints, ttl: dt.timedelta | None, expected: dt.timedelta
) -> None:
    s = after(FeedState("u"), Outcome.UPDATED, hints=hints, feed_ttl=ttl)
    assert wait(s) == expected


def test_min_interval_bounds_a_short_default() -> None:
    policy = SchedulePolicy(default_interval=M, jitter=0.0)
    assert wait(after(FeedState("u"), Outcome.UPDATED, policy)) == policy.min_interval


def test_not_modified_keeps_old_validators_unless_new_ones_arrive() -> None:
    state = FeedState("u", etag='"old"', last_modified="then", error_count=2)
    kept = after(state, Outcome.NOT_MODIFIED, status=304)
    fresh = after(state, Outcome.NOT_MODIFIED, status=304, etag='"new"')
    assert (kept.etag, kept.last_modified, kept.error_count) == ('"old"', "then", 0)
    assert fresh.etag == '"new"' and fresh.last_modified == "then"


def test_updated_without_validators_clears_them() -> None:
    s = after(FeedState("u", etag='"old"', last_modified="then"), Outcome.UPDATED)
    assert s.etag is None and s.last_modified is None


def test_errors_back_off_exponentially_up_to_the_cap() -> None:
    state = FeedState("u")
    waits = []
    for _ in range(8):
        state = after(state, Outcome.SERVER_ERROR, status=500)
        waits.append(wait(state))
    assert waits[:4] == [15 * M, 30 * M, 60 * M, 120 * M]
    assert waits[-1] == 24 * H and state.error_count == 8 and not state.parked
    assert state.last_outcome is Outcome.SERVER_ERROR and state.last_status == 500


def test_retry_after_beats_a_shorter_backoff() -> None:
    s = after(
        FeedState("u"), Outcome.SERVER_ERROR, status=503, hints=CacheHints(retry_after_s=7200)
    )
    assert wait(s) == 2 * H


def test_rate_limit_waits_retry_after_and_never_parks() -> None:
    state = FeedState("u")
    for _ in range(30):
        state = after(state, Outcome.RATE_LIMITED, status=429, hints=CacheHints(retry_after_s=3600))
    assert not state.parked and wait(state) == 24 * H
    first = after(FeedState("u"), Outcome.RATE_LIMITED, hints=CacheHints(retry_after_s=3600))
    assert wait(first) == H


def test_not_found_backs_off_then_parks_after_many_failures() -> None:
    state = FeedState("u")
    for _ in range(9):
        state = after(state, Outcome.NOT_FOUND, status=404)
    assert not state.parked and state.next_check_at is not None
    state = after(state, Outcome.NOT_FOUND, status=404)
    assert state.parked and state.next_check_at is None


@pytest.mark.parametrize("outcome", [Outcome.GONE, Outcome.BLOCKED])
def test_gone_and_blocked_park_at_once(outcome: Outcome) -> None:
    s = after(FeedState("u"), outcome)
    assert s.parked and s.next_check_at is None and s.error_count == 1


@pytest.mark.parametrize(
    "outcome", [Outcome.MALFORMED, Outcome.NOT_A_FEED, Outcome.UNSAFE_CONTENT, Outcome.TOO_LARGE]
)
def test_content_errors_park_after_three_in_a_row(outcome: Outcome) -> None:
    state = FeedState("u")
    state = after(after(state, outcome), outcome)
    assert not state.parked and state.parse_error_count == 2
    state = after(state, Outcome.TIMEOUT)  # a network error in between does not reset the streak
    assert state.parse_error_count == 2 and not state.parked
    state = after(state, outcome, error="no feed")
    assert state.parked and state.parse_error_count == 3 and state.last_error == "no feed"


def test_success_resets_the_streaks() -> None:
    state = after(after(FeedState("u"), Outcome.MALFORMED), Outcome.SERVER_ERROR)
    state = after(state, Outcome.UPDATED)
    assert (state.error_count, state.parse_error_count, state.last_error) == (0, 0, None)


def test_unpark_schedules_an_immediate_check() -> None:
    parked = after(FeedState("u"), Outcome.GONE)
    back = unpark(parked, NOW)
    assert not back.parked and back.next_check_at == NOW and back.error_count == 0


def test_jitter_is_deterministic_by_seed_and_only_delays() -> None:
    policy = SchedulePolicy(jitter=0.2)
    a = jittered(H, policy, seed="feed-1")
    assert a == jittered(H, policy, seed="feed-1")
    assert H <= a <= 1.2 * H
    spread = {jittered(H, policy, seed=f"feed-{i}") for i in range(20)}
    assert len(spread) == 20


def test_default_seed_spreads_feeds_fetched_together() -> None:
    policy = SchedulePolicy()
    times = {
        next_state(
            FeedState(f"https://f{i}.kr"), Observation(Outcome.UPDATED, NOW), policy
        ).next_check_at
        for i in range(10)
    }
    assert len(times) == 10


def test_backoff_delay_handles_huge_counts() -> None:
    assert backoff_delay(10_000, SchedulePolicy()) == SchedulePolicy().backoff_max


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (304, Outcome.NOT_MODIFIED), (404, Outcome.NOT_FOUND), (410, Outcome.GONE),
        (429, Outcome.RATE_LIMITED), (500, Outcome.SERVER_ERROR), (503, Outcome.SERVER_ERROR),
        (401, Outcome.CLIENT_ERROR), (403, Outcome.CLIENT_ERROR),
    ],
)  # fmt: skip
def test_classify_status(status: int, outcome: Outcome) -> None:
    assert classify_status(status) is outcome
