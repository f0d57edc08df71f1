"""Results: the user's top-3 trends from the users service's ``GET /v1/match``.

Each card shows the similarity, why the trend fits (the users service's Korean explanation), a
Velocity chart on the shared 0–100 scale with the 4-week forecast band (history from the trends
service) and how the trend's stability compares with the user's stability preference.

The page feeds the recommender's A/B test: rendering the cards records a ``viewed`` event per
card, and the card links go through ``/results/go`` which records ``clicked`` before redirecting
(plain links, so it works without JavaScript). Event ids are derived from the user, match, trend
and kind, so reloads and double clicks count once. Without a running experiment the users
service answers 409 and nothing is recorded — the page never depends on it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from trendpath.kit.wording import score_100
from trendpath.web import session as websession
from trendpath.web.charts import meter, velocity_chart
from trendpath.web.pages import SLUG, UNAVAILABLE_KO, Answer, call, message, render, to_login

router = APIRouter(include_in_schema=False)
HISTORY_WEEKS = 12
EVENT_NAMESPACE = uuid.UUID("8f0c2d7e-2b7a-4f6e-9d35-6a1c8e0b5f42")
TARGETS = {"trend": "/trends/{slug}", "roadmap": "/roadmap?trend={slug}"}


async def _history(
    request: Request, session: websession.WebSession, slug: str
) -> list[dict[str, Any]]:
    answer = await call(request, session, "trends", "GET", f"/v1/trends/{slug}/velocity")
    return list(answer.body.get("points", [])) if answer.ok else []


def card(item: dict[str, Any], points: list[dict[str, Any]]) -> dict[str, Any]:
    """A match item as the results card shows it."""
    stability = item.get("stability") or {}
    return {
        **item,
        "share": data_share(item),
        "similarity_pct": meter(item.get("similarity")),
        "chart": velocity_chart(points, item.get("forecast"), HISTORY_WEEKS),
        "stability_index": score_100(stability.get("index")),
        "stability_preference": score_100(stability.get("preference")),
    }


KST = dt.timezone(dt.timedelta(hours=9))


def recomputed_at(match: dict[str, Any]) -> str | None:
    """When the match was last computed (checked against the profile), in Korean time."""
    raw = match.get("checked_at") or match.get("created_at")
    try:
        when = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return when.astimezone(KST).strftime("%Y-%m-%d %H:%M")


def event_id(user: str, match_id: Any, slug: str, kind: str) -> str:
    """One id per (user, match, trend, kind): a reload or a second click counts once."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{user}:{match_id}:{slug}:{kind}"))


async def send_event(
    request: Request, session: websession.WebSession, kind: str, slug: str, match_id: Any
) -> Answer:
    """Record an A/B outcome event; the answer is only informative (409: no experiment)."""
    body: dict[str, Any] = {
        "event_id": event_id(session.sub, match_id, slug, kind),
        "kind": kind,
        "trend_slug": slug,
    }
    if isinstance(match_id, int) and match_id > 0:
        body["match_id"] = match_id
    return await call(request, session, "users", "POST", "/v1/events", json=body)


def data_share(item: dict[str, Any]) -> float | None:
    """The largest share of demo-synthetic inputs behind a card's numbers (None: unknown)."""
    shares = [
        part.get("synthetic_share")
        for part in (item.get("velocity"), item.get("forecast"))
        if isinstance(part, dict)
    ]
    known = [float(s) for s in shares if s is not None]
    return max(known) if known else None


def _match_error(answer: Answer) -> dict[str, Any]:
    if answer.status == 409 or answer.status == 404:
        return {"need_profile": True}
    return {"error": UNAVAILABLE_KO}


@router.get("/results")
async def results(request: Request) -> Response:
    """The top-3 trend cards (or what to do first when there is no match yet)."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    match = await call(request, session, "users", "GET", "/v1/match")
    if match.ok and match.body.get("preliminary"):
        # Before the talk the stored match is profile-only; a talk that just ended must show
        # at once, so a preliminary match is recomputed when the page is opened.
        fresh = await call(request, session, "users", "POST", "/v1/match/refresh")
        match = fresh if fresh.ok else match
    if not match.ok:
        context = _match_error(match)
        return render(request, "results.html", context, 503 if "error" in context else 200)
    items = match.body.get("items", [])[:3]
    match_id = match.body.get("match_id")
    histories = await asyncio.gather(
        *(_history(request, session, i["slug"]) for i in items),
        *(send_event(request, session, "viewed", i["slug"], match_id) for i in items),
    )
    cards = [card(i, h) for i, h in zip(items, histories[: len(items)], strict=True)]
    shares = [c["share"] for c in cards if c["share"] is not None]
    context = {
        "match": match.body,
        "recomputed": recomputed_at(match.body),
        "cards": cards,
        "share": max(shares) if shares else None,
    }
    return render(request, "results.html", context)


@router.get("/results/go")
async def go(request: Request) -> Response:
    """Record that a card was clicked, then open the trend or its roadmap."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    slug, to = request.query_params.get("slug", ""), request.query_params.get("to", "")
    if not SLUG.match(slug) or to not in TARGETS:
        return message(request, "페이지를 찾을 수 없어요", "주소를 다시 확인해 주세요.", 404)
    raw = request.query_params.get("match", "")
    await send_event(request, session, "clicked", slug, int(raw) if raw.isdigit() else None)
    response = RedirectResponse(TARGETS[to].format(slug=slug), status_code=303)
    websession.persist(request, response)
    return response
