"""The users service's part of the automatic chain.

    trend events (trends' outbox, GET /api/trends/v1/events) ──► ``rematch`` job per follower
    ──► match recomputed (over HTTP, as ``POST /v1/match/refresh`` does) ──► inbox notices
    ──► the user's live pages told (``user:<id>``)

* The follower keeps its place in ``users.event_cursor`` and enqueues one ``rematch`` job per
  user who follows a changed trend (in the latest top-3 match or on a roadmap) in the same
  transaction that moves the cursor: a crash re-reads the same events, and the jobs coalesce
  per user (``key`` = user id; the payload collects the changed trends).
* A ``rematch`` job recomputes the match (only a changed result becomes a new match row), then
  writes the inbox notices and notifies live pages in one transaction with its completion.
  A 4xx from the match (no profile any more) ends the job; a 5xx (a sibling is down) retries
  with back-off and parks after ``TRENDPATH_JOBS_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool

from trendpath.kit import live
from trendpath.kit.auth import service_tokens
from trendpath.kit.errors import ApiError
from trendpath.kit.jobqueue import Job, JobQueue, RetryPolicy
from trendpath.kit.jobworker import Worker
from trendpath.kit.listen import listener
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.users import inbox, matcher, store
from trendpath.users.notices import momentum_noteworthy

log = logging.getLogger(__name__)

CURSOR = "trends.trend_events"
EVENTS_CHANNEL = "trendpath_trend_events"  # the trend service NOTIFYs it (kit.listen)
REMATCH = "rematch"
BATCH = 200


def queue(settings: Settings) -> JobQueue:
    """The users service's job queue."""
    return JobQueue("users", RetryPolicy.from_settings(settings))


async def fetch_events(runtime: Runtime, after: int) -> list[dict[str, Any]]:
    """Trend events after ``after`` from the trend service (its HTTP contract)."""
    headers = await service_tokens(runtime, "users").headers(["trends:read"])
    resp = await runtime.clients.request(
        "trends", "GET", "/v1/events", params={"after": after, "limit": BATCH}, headers=headers
    )
    if resp.status_code != 200:
        raise ApiError(503, "unavailable", f"trends service answered {resp.status_code} to events")
    items = resp.json().get("items")
    if not isinstance(items, list):
        raise ApiError(502, "bad_gateway", "trends service sent invalid events")
    return items


def changes(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per changed trend, what the newest of its events says (what a notice needs)."""
    out: dict[str, dict[str, Any]] = {}
    for event in events:
        mine = out.setdefault(str(event["slug"]), {})
        if event["kind"] == "velocity":
            data = event.get("data") or {}
            mine.update(
                week=event.get("week"), name_ko=data.get("name_ko"), movement=data.get("movement")
            )
    return out


def apply_events(runtime: Runtime, events: list[dict[str, Any]]) -> int:
    """Enqueue a re-match for each follower of a changed trend and move the cursor, in one
    transaction; how many users were queued."""
    changed = changes(events)
    q = queue(runtime.settings)
    with runtime.db.session_scope() as session:
        followed = inbox.followers(session, list(changed))
        for user_id, slugs in followed.items():
            payload = {slug: {**changed[slug], "roadmap_id": rid} for slug, rid in slugs.items()}
            q.enqueue(session, REMATCH, str(user_id), payload)
        store.set_cursor(session, CURSOR, max(int(e["id"]) for e in events))
    return len(followed)


async def sync_trend_events(runtime: Runtime) -> int:
    """Follow every pending trend event now; how many were handled."""
    handled = 0
    while True:
        after = await run_in_threadpool(_cursor, runtime)
        events = await fetch_events(runtime, after)
        if not events:
            return handled
        users = await run_in_threadpool(apply_events, runtime, events)
        handled += len(events)
        log.info("trend events followed", extra={"events": len(events), "users": users})


def _cursor(runtime: Runtime) -> int:
    with runtime.db.session_scope() as session:
        return store.cursor(session, CURSOR)


async def follow_loop(runtime: Runtime) -> None:
    """Follow trend events: at once when the trend service NOTIFYs, else every interval."""
    wake = asyncio.Event()
    listener(runtime).subscribe(EVENTS_CHANNEL, lambda _p: wake.set(), wake.set)
    while True:
        wake.clear()
        try:
            await sync_trend_events(runtime)
        except Exception:  # the trend service may be restarting; the cursor keeps our place
            log.warning("trend event follow failed", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), runtime.settings.users_trend_events_interval_s)


async def _rematch(runtime: Runtime, job: Job) -> None:
    user_id = uuid.UUID(job.key)
    try:
        body = await matcher.current_match(runtime, user_id, force=True)
    except ApiError as exc:
        if exc.status >= 500:
            raise  # a sibling is down: retry with back-off
        log.info("rematch skipped", extra={"user": str(user_id), "reason": exc.message})
        body = None
    await run_in_threadpool(_finish, runtime, job, user_id, body)


def _finish(runtime: Runtime, job: Job, user_id: uuid.UUID, body: dict[str, Any] | None) -> None:
    q = queue(runtime.settings)
    with runtime.db.session_scope() as session:
        new = 0
        if body is not None:
            for slug, change in sorted(job.payload.items()):
                move = change.get("movement")
                if not momentum_noteworthy(move):
                    continue
                roadmap = change.get("roadmap_id")
                new += inbox.add(
                    session,
                    user_id,
                    slug,
                    str(change.get("name_ko") or slug),
                    str(change.get("week")),
                    move,
                    uuid.UUID(str(roadmap)) if roadmap else None,
                )
            live.publish(session, [f"user:{user_id}"], f"u{job.id}.{job.attempts}")
        q.complete(session, job)
    log.info("user rematched", extra={"user": str(user_id), "notices": new})


def worker(settings: Settings) -> Worker:
    """The users service's queue worker."""
    return Worker(queue(settings), {REMATCH: _rematch}, poll_s=settings.jobs_poll_s)


async def chain_job(runtime: Runtime) -> None:
    """Background job: follow trend events and drain the users service's queue."""
    await asyncio.gather(follow_loop(runtime), worker(runtime.settings).run(runtime))
