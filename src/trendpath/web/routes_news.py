"""News (``/news``): recent articles about the person's three trends, with source, date,
keywords and funding deals, from the news service's ``GET /v1/trends/{slug}/articles``."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trendpath.web import session as websession
from trendpath.web.admin_views import kst
from trendpath.web.pages import UNAVAILABLE_KO, call, render, to_login

router = APIRouter(include_in_schema=False)
PER_TREND = 8


def article(item: dict[str, Any]) -> dict[str, Any]:
    """An article as the page shows it: the date in Korean time, the deal in words."""
    deal = item.get("deal") or {}
    deal_text = " · ".join(str(x) for x in (deal.get("round"), deal.get("amount_text")) if x)
    return {**item, "date": kst(item.get("published_at"))[:10], "deal_text": deal_text}


@router.get("/news")
async def news(request: Request) -> Response:
    """Articles per matched trend; each trend's list fails alone."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    match = await call(request, session, "users", "GET", "/v1/match")
    if match.status in (404, 409):
        return render(request, "news.html", {"need_match": True})
    if not match.ok:
        return render(request, "news.html", {"error": UNAVAILABLE_KO}, 503)
    items = match.body.get("items", [])[:3]
    found = await asyncio.gather(
        *(
            call(
                request,
                session,
                "news",
                "GET",
                f"/v1/trends/{i['slug']}/articles",
                params={"limit": PER_TREND},
            )
            for i in items
        )
    )
    sections = [
        {
            "trend": i,
            "articles": [article(a) for a in answer.body.get("items", [])] if answer.ok else [],
            "error": None if answer.ok else UNAVAILABLE_KO,
        }
        for i, answer in zip(items, found, strict=True)
    ]
    return render(request, "news.html", {"sections": sections})
