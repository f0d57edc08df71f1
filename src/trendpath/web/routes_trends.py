"""Trend explorer: public pages (no sign-in) to search, filter and sort every trend, and one
trend's Velocity chart, forecast, contributions, skills, related trends and news.

Signed-in visitors call the trends and news services with their own token; everyone else with
the dashboard's read-only service token (``pages.public_call``). Every page has a stable,
shareable URL: the filters live in the query string.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trendpath.kit.wording import score_100
from trendpath.web.charts import contribution_bars, velocity_chart
from trendpath.web.messages import MESSAGES
from trendpath.web.pages import SLUG, UNAVAILABLE_KO, lang_of, public_call, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
DETAIL_WEEKS = 52
SKILL = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
STATUSES = ("surging", "rising", "steady", "falling")
SORTS = ("velocity", "forecast", "name")
MODEL_KEYS = frozenset(k for k in MESSAGES if k.startswith("trend.model."))
"""Forecast models described in words on the trend page (others show their code only)."""


def _int(value: str | None, default: int, top: int) -> int:
    return max(0, min(top, int(value))) if value and value.isdigit() else default


def filters_of(request: Request) -> dict[str, str]:
    """The explorer's filters from the query string; unknown or malformed values are dropped."""
    qp = request.query_params
    status, sort = qp.get("status") or "", qp.get("sort") or ""
    chosen = {
        "q": " ".join((qp.get("q") or "").split())[:80],
        "status": status if status in STATUSES else "",
        "category": qp.get("category") or "",
        "skill": qp.get("skill") or "",
        "sort": sort if sort in SORTS else "",
    }
    if not SKILL.match(chosen["category"]):
        chosen["category"] = ""
    if not SKILL.match(chosen["skill"]):
        chosen["skill"] = ""
    return chosen


def page_link(filters: dict[str, str], offset: int = 0) -> str:
    """The explorer URL for ``filters`` at ``offset`` (empty filters left out)."""
    params = {k: v for k, v in filters.items() if v}
    if offset:
        params["offset"] = str(offset)
    return "/trends" + ("?" + urlencode(params) if params else "")


@router.get("/trends")
async def explorer(request: Request) -> Response:
    """Every trend, fastest first; search, status, category and skill filters, sorting."""
    chosen = filters_of(request)
    offset = _int(request.query_params.get("offset"), 0, 10_000)
    params: dict[str, Any] = {k: v for k, v in chosen.items() if v}
    params.update(limit=PAGE_SIZE, offset=offset)
    page = await public_call(request, "trends", "GET", "/v1/trends", params=params)
    context: dict[str, Any] = {"f": chosen, "offset": offset, "page_size": PAGE_SIZE}
    if not page.ok:
        context["error"] = UNAVAILABLE_KO
        return render(request, "trends.html", context, 503)
    body = page.body
    context.update(
        total=body["total"],
        items=body["items"],
        categories=body.get("categories", []),
        skills=body.get("skills", []),
        prev_link=page_link(chosen, max(0, offset - PAGE_SIZE)) if offset > 0 else None,
        next_link=page_link(chosen, offset + PAGE_SIZE)
        if offset + PAGE_SIZE < body["total"]
        else None,
        statuses=STATUSES,
        sorts=SORTS,
    )
    shares = [(i.get("velocity") or {}).get("synthetic_share") for i in body["items"]]
    context["share"] = max((float(x) for x in shares if x is not None), default=None)
    return render(request, "trends.html", context)


async def _detail_parts(request: Request, slug: str) -> tuple[Any, Any, Any, Any]:
    return await asyncio.gather(
        public_call(request, "trends", "GET", f"/v1/trends/{slug}"),
        public_call(request, "trends", "GET", f"/v1/trends/{slug}/velocity"),
        public_call(request, "news", "GET", f"/v1/trends/{slug}/articles", params={"limit": 5}),
        public_call(request, "trends", "GET", f"/v1/trends/{slug}/laws", params={"limit": 10}),
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
    if not SLUG.match(slug):
        return render(request, "trend.html", {"missing": True}, 404)
    detail, history, news, laws = await _detail_parts(request, slug)
    if detail.status == 404:
        return render(request, "trend.html", {"missing": True}, 404)
    if not detail.ok:
        return render(request, "trend.html", {"error": UNAVAILABLE_KO}, 503)
    lang = lang_of(request)
    points = history.body.get("points", []) if history.ok else []
    velocity = detail.body.get("velocity") or {}
    context = {
        "trend": detail.body,
        "chart": velocity_chart(points, detail.body.get("forecast"), DETAIL_WEEKS),
        "history_error": None if history.ok else UNAVAILABLE_KO,
        "bars": contribution_bars(detail.body.get("contributions", []), label=f"label_{lang}"),
        "stability": score_100(velocity.get("stability")),
        "news": news.body.get("items", []) if news.ok else [],
        "news_error": None if news.ok else "관련 뉴스를 불러올 수 없습니다.",
        "share_url": str(request.url.replace(query="")),
        "laws": laws.body.get("items", []) if laws.ok else [],
        "share": velocity.get("synthetic_share"),
        "sources": _sources(detail.body.get("provenance", [])),
        "model_keys": MODEL_KEYS,
    }
    return render(request, "trend.html", context)
