"""Results: the user's top-3 trends from the users service's ``GET /v1/match``.

Each card shows the similarity, why the trend fits (the users service's Korean explanation), a
Velocity Score sparkline with the 4-week forecast band (history from the trends service) and
how the trend's stability compares with the user's stability preference.
"""

from __future__ import annotations

import asyncio
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
        "share": data_share(item),
        "similarity_pct": meter(item.get("similarity")),
        "chart": sparkline(scores, item.get("forecast")),
        "stability_index": meter(stability.get("index")),
        "stability_preference": meter(stability.get("preference")),
    }


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
    if not match.ok:
        context = _match_error(match)
        return render(request, "results.html", context, 503 if "error" in context else 200)
    items = match.body.get("items", [])[:3]
    histories = await asyncio.gather(*(_history(request, session, i["slug"]) for i in items))
    cards = [card(i, h) for i, h in zip(items, histories, strict=True)]
    shares = [c["share"] for c in cards if c["share"] is not None]
    context = {"match": match.body, "cards": cards, "share": max(shares) if shares else None}
    return render(request, "results.html", context)
