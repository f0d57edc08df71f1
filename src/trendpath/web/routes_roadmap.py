"""Roadmap: the steps towards a matched trend, linked resources, progress controls, timeline.

Everything lives in the users service (``/v1/roadmaps``, ``/v1/progress``); this page shows it
and turns the progress buttons into ``PUT …/resources/{id}/progress`` calls.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from trendpath.web import session as websession
from trendpath.web.pages import (
    EXPIRED_KO,
    UNAVAILABLE_KO,
    call,
    checked_session,
    first,
    form_of,
    message,
    render,
    to_login,
)

router = APIRouter(include_in_schema=False)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
RESOURCE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,127}$")
UUID = re.compile(r"^[0-9a-f-]{36}$")
PROGRESS = {"not_started": 0, "in_progress": 50, "done": 100}


def _timeline(roadmap: dict[str, Any]) -> dict[str, Any]:
    """Steps placed on a week axis (percent offsets) for the timeline bars."""
    steps = [s for s in roadmap["steps"] if s.get("start_week") is not None]
    last = max((int(s["end_week"] or s["start_week"]) for s in steps), default=0) + 1
    rows = []
    for s in steps:
        start, end = int(s["start_week"]), int(s["end_week"] or s["start_week"])
        rows.append(
            {
                "skill": s["skill"],
                "left": round(100 * start / last, 1),
                "width": round(max(2.0, 100 * (end - start + 1) / last), 1),
                "first_week": start + 1,
                "last_week": end + 1,
                "done": s["done"],
            }
        )
    return {"weeks": last, "rows": rows}


def _overall(roadmap: dict[str, Any]) -> int:
    total = float(roadmap.get("total_hours") or 0)
    if total <= 0:
        return 0
    return max(0, min(100, round(100 * (1 - float(roadmap["remaining_hours"]) / total))))


@router.get("/roadmap")
async def roadmap(request: Request) -> Response:
    """The user's roadmaps with progress, or an offer to start one for ``?trend=``."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    listed, progress = await asyncio.gather(
        call(request, session, "users", "GET", "/v1/roadmaps"),
        call(request, session, "users", "GET", "/v1/progress"),
    )
    if not listed.ok:
        return render(request, "roadmap.html", {"error": UNAVAILABLE_KO}, 503)
    items = listed.body.get("items", [])
    wanted = request.query_params.get("trend") or ""
    started = {r["trend_slug"] for r in items}
    context = {
        "csrf": session.csrf,
        "roadmaps": [{**r, "timeline": _timeline(r), "overall": _overall(r)} for r in items],
        "offer": wanted if SLUG.match(wanted) and wanted not in started else None,
        "progress": progress.body if progress.ok else None,
    }
    return render(request, "roadmap.html", context)


@router.post("/roadmap/start")
async def start(request: Request) -> Response:
    """Start the roadmap towards one of the user's top-3 trends."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, "요청 만료", EXPIRED_KO, 403)
    slug = first(form, "trend")
    if not SLUG.match(slug):
        return message(request, "로드맵", "트렌드를 다시 골라 주세요.", 400)
    made = await call(request, session, "users", "POST", "/v1/roadmaps", json={"trend_slug": slug})
    if made.status == 409:
        text = "추천 트렌드 3가지 중 하나로만 로드맵을 시작할 수 있습니다."
        return message(request, "로드맵", text, 409)
    if not made.ok:
        return message(request, "로드맵", UNAVAILABLE_KO, 503)
    response = RedirectResponse("/roadmap", status_code=303)
    websession.persist(request, response)
    return response


@router.post("/roadmap/progress")
async def progress(request: Request) -> Response:
    """Record progress on one resource of a roadmap (not started / in progress / done)."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, "요청 만료", EXPIRED_KO, 403)
    rid, resource, status = (
        first(form, "roadmap_id"),
        first(form, "resource_id"),
        first(form, "status"),
    )
    if not UUID.match(rid) or not RESOURCE.match(resource) or status not in PROGRESS:
        return message(request, "로드맵", "진행 상태를 다시 골라 주세요.", 400)
    body = {"status": status, "percent": PROGRESS[status]}
    path = f"/v1/roadmaps/{rid}/resources/{resource}/progress"
    saved = await call(request, session, "users", "PUT", path, json=body)
    if not saved.ok:
        return message(
            request, "로드맵", UNAVAILABLE_KO if saved.down else "저장하지 못했습니다.", 400
        )
    response = RedirectResponse(f"/roadmap#res-{resource}", status_code=303)
    websession.persist(request, response)
    return response
