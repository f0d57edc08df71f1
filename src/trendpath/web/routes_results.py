"""Results: the user's top-3 trends from the users service's ``GET /v1/match``.

Each card shows the similarity, why the trend fits (the users service's Korean explanation), a
Velocity Score sparkline with the 4-week forecast band (history from the trends service) and
how the trend's stability compares with the user's stability preference.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trendpath.web import session as websession
from trendpath.web.charts import meter, sparkline
from trendpath.web.pages import UNAVAILABLE_KO, Answer, call, render, to_login

router = APIRouter(include_in_schema=False)
HISTORY_WEEKS = 12


async def _history(request: Request, session: websession.WebSession, slug: str) -> list[float]:
    answer = await call(request, session, "trends", "GET", f"/v1/trends/{slug}/velocity")
    if not answer.ok:
        return []
    return [float(p["score"]) for p in answer.body.get("points", [])][-HISTORY_WEEKS:]


def card(item: dict[str, Any], scores: list[float]) -> dict[str, Any]:
    """A match item as the results card shows it."""
    stability = item.get("stability") or {}
    return {
        **item,
        "similarity_pct": meter(item.get("similarity")),
        "chart": sparkline(scores, item.get("forecast")),
        "stability_index": meter(stability.get("index")),
        "stability_preference": meter(stability.get("preference")),
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
    histories = await asyncio.gather(*(_history(request, session, i["slug"]) for i in items))
    context = {
        "match": match.body,
        "recomputed": recomputed_at(match.body),
        "cards": [card(i, h) for i, h in zip(items, histories, strict=True)],
    }
    return render(request, "results.html", context)
