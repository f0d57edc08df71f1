"""Trend explorer: every trend with search, and one trend's velocity, contributions and news."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trendpath.web import session as websession
from trendpath.web.charts import contribution_bars, meter, sparkline
from trendpath.web.pages import UNAVAILABLE_KO, call, lang_of, render, to_login

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
DETAIL_WEEKS = 52
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _int(value: str | None, default: int, top: int) -> int:
    return max(0, min(top, int(value))) if value and value.isdigit() else default


@router.get("/trends")
async def explorer(request: Request) -> Response:
    """All trends, fastest first; ``q`` searches names and keywords."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    q = (request.query_params.get("q") or "").strip()[:80]
    offset = _int(request.query_params.get("offset"), 0, 10_000)
    params: dict[str, Any] = {"limit": PAGE_SIZE, "offset": offset}
    if q:
        params["q"] = q
    page = await call(request, session, "trends", "GET", "/v1/trends", params=params)
    context: dict[str, Any] = {"q": q, "offset": offset, "page_size": PAGE_SIZE}
    if not page.ok:
        context["error"] = UNAVAILABLE_KO
        return render(request, "trends.html", context, 503)
    context["total"] = page.body["total"]
    context["items"] = page.body["items"]
    shares = [(i.get("velocity") or {}).get("synthetic_share") for i in context["items"]]
    context["share"] = max((float(x) for x in shares if x is not None), default=None)
    return render(request, "trends.html", context)


async def _detail_parts(
    request: Request, session: websession.WebSession, slug: str
) -> tuple[Any, Any, Any, Any]:
    return await asyncio.gather(
        call(request, session, "trends", "GET", f"/v1/trends/{slug}"),
        call(request, session, "trends", "GET", f"/v1/trends/{slug}/velocity"),
        call(request, session, "news", "GET", f"/v1/trends/{slug}/articles", params={"limit": 5}),
        call(request, session, "trends", "GET", f"/v1/trends/{slug}/laws", params={"limit": 10}),
    )


def _sources(provenance: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per indicator, its origins for the sources card (the newest origin first)."""
    return [
        {
            "indicator": p["indicator"],
            "label_ko": p["label_ko"],
            "label_en": p.get("label_en") or p["label_ko"],
            "share": p.get("synthetic_share"),
            "uses": p.get("sources", [])[:3],
        }
        for p in provenance
    ]


@router.get("/trends/{slug}")
async def trend(request: Request, slug: str) -> Response:
    """One trend: what it is, its Velocity history and forecast, why it moves, related news."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    if not SLUG.match(slug):
        return render(request, "trend.html", {"missing": True}, 404)
    detail, history, news, laws = await _detail_parts(request, session, slug)
    if detail.status == 404:
        return render(request, "trend.html", {"missing": True}, 404)
    if not detail.ok:
        return render(request, "trend.html", {"error": UNAVAILABLE_KO}, 503)
    lang = lang_of(request)
    points = history.body.get("points", [])[-DETAIL_WEEKS:] if history.ok else []
    scores = [float(p["score"]) for p in points]
    velocity = detail.body.get("velocity") or {}
    context = {
        "trend": detail.body,
        "chart": sparkline(scores, detail.body.get("forecast"), 640, 180),
        "history_error": None if history.ok else UNAVAILABLE_KO,
        "bars": contribution_bars(detail.body.get("contributions", []), label=f"label_{lang}"),
        "stability": meter(velocity.get("stability")),
        "news": news.body.get("items", []) if news.ok else [],
        "news_error": None if news.ok else "관련 뉴스를 불러올 수 없습니다.",
        "laws": laws.body.get("items", []) if laws.ok else [],
        "share": velocity.get("synthetic_share"),
        "sources": _sources(detail.body.get("provenance", [])),
    }
    return render(request, "trend.html", context)
