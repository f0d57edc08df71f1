"""Roadmap: the steps towards a matched trend, a skill map, linked resources, hours studied,
step marks and a timeline.

Everything lives in the users service (``/v1/roadmaps``, ``/v1/progress``); this page shows it
and turns its forms into ``PUT …/resources/{id}/progress`` (hours as marked, "finished", undo)
and ``PUT …/steps/{skill}`` (done, skipped, in progress, reopen) calls. A form with a bad value
re-renders the page with the message next to that form and the typed value kept.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from trendpath.web import session as websession
from trendpath.web.i18n import lang_of, term_label
from trendpath.web.messages import ko
from trendpath.web.pages import (
    EXPIRED_KO,
    SLUG,
    UNAVAILABLE_KO,
    call,
    checked_session,
    first,
    form_of,
    message,
    render,
    to_login,
)
from trendpath.web.skillgraph import layout

router = APIRouter(include_in_schema=False)
SKILL = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
RESOURCE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,127}$")
UUID = re.compile(r"^[0-9a-f-]{36}$")
ACTIONS = ("log", "done", "undo")
STEP_MARKS = ("done", "skipped", "in_progress", "open")
MAX_LOG_HOURS = 100.0


def _timeline(roadmap: dict[str, Any]) -> dict[str, Any]:
    """Open steps placed on a week axis (percent offsets) for the timeline bars; the axis is the
    plan's own length, so the caption and the plan say the same number of weeks."""
    steps = [s for s in roadmap["steps"] if s.get("start_week") is not None]
    weeks = max(
        int(roadmap.get("weeks_remaining") or 0), max((s["end_week"] for s in steps), default=0)
    )
    rows = []
    for s in steps:
        start, end = int(s["start_week"]), int(s["end_week"] or s["start_week"])
        rows.append(
            {
                "skill": s["skill"],
                "left": round(100 * (start - 1) / max(weeks, 1), 1),
                "width": round(max(2.0, 100 * (end - start + 1) / max(weeks, 1)), 1),
                "first_week": start,
                "last_week": end,
            }
        )
    return {"weeks": weeks, "rows": rows}


def _overall(roadmap: dict[str, Any]) -> int:
    total = float(roadmap.get("total_hours") or 0)
    if total <= 0:
        return 100 if roadmap.get("steps") else 0
    return max(0, min(100, round(100 * (1 - float(roadmap["remaining_hours"]) / total))))


async def _page(
    request: Request,
    session: websession.WebSession,
    status: int = 200,
    form_error: dict[str, str] | None = None,
) -> Response:
    listed, progress = await asyncio.gather(
        call(request, session, "users", "GET", "/v1/roadmaps"),
        call(request, session, "users", "GET", "/v1/progress"),
    )
    if not listed.ok:
        return render(request, "roadmap.html", {"error": UNAVAILABLE_KO}, 503)
    items = listed.body.get("items", [])
    wanted = request.query_params.get("trend") or ""
    started = {r["trend_slug"] for r in items}
    lang = lang_of(request)
    label = lambda skill: term_label(request, "skill", skill, lang)  # noqa: E731
    context = {
        "csrf": session.csrf,
        "roadmaps": [
            {
                **r,
                "timeline": _timeline(r),
                "overall": _overall(r),
                "graph": layout(r["steps"], label),
            }
            for r in items
        ],
        "offer": wanted if SLUG.match(wanted) and wanted not in started else None,
        "progress": progress.body if progress.ok else None,
        "form_error": form_error or {},
        "max_log_hours": MAX_LOG_HOURS,
    }
    return render(request, "roadmap.html", context, status)


@router.get("/roadmap")
async def roadmap(request: Request) -> Response:
    """The user's roadmaps with progress, or an offer to start one for ``?trend=``."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    return await _page(request, session)


def _back(request: Request, anchor: str) -> Response:
    response = RedirectResponse(f"/roadmap#{anchor}", status_code=303)
    websession.persist(request, response)
    return response


@router.post("/roadmap/start")
async def start(request: Request) -> Response:
    """Start the roadmap towards one of the user's top-3 trends."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, ko("msg.expired_title"), EXPIRED_KO, 403)
    slug = first(form, "trend")
    if not SLUG.match(slug):
        return message(request, ko("msg.roadmap"), ko("msg.pick_trend_again"), 400)
    made = await call(request, session, "users", "POST", "/v1/roadmaps", json={"trend_slug": slug})
    if made.status == 409:
        return message(request, ko("msg.roadmap"), ko("msg.top3_only"), 409)
    if not made.ok:
        return message(request, ko("msg.roadmap"), UNAVAILABLE_KO, 503)
    return _back(request, "main")


def _hours(typed: str) -> float | None:
    try:
        value = float(typed.replace(",", "."))
    except ValueError:
        return None
    return value if 0.5 <= value <= MAX_LOG_HOURS else None


def _progress_body(action: str, marked: float, typed: str) -> dict[str, Any] | None:
    """The users service body for a resource form, or None when the typed hours are bad."""
    if action == "done":
        return {"status": "done"}
    if action == "undo":
        return (
            {"status": "in_progress", "hours": marked} if marked > 0 else {"status": "not_started"}
        )
    added = _hours(typed)
    if added is None:
        return None
    return {"status": "in_progress", "hours": round(marked + added, 2)}


@router.post("/roadmap/progress")
async def progress(request: Request) -> Response:
    """Log hours on a resource, mark it finished, or take "finished" back."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, ko("msg.expired_title"), EXPIRED_KO, 403)
    rid, resource, action = (
        first(form, "roadmap_id"),
        first(form, "resource_id"),
        first(form, "action"),
    )
    marked_raw = first(form, "marked", "0")
    marked = float(marked_raw) if re.fullmatch(r"\d{1,4}(\.\d{1,2})?", marked_raw) else 0.0
    if not UUID.match(rid) or not RESOURCE.match(resource) or action not in ACTIONS:
        return message(request, ko("msg.roadmap"), ko("msg.pick_progress_again"), 400)
    typed = first(form, "hours")
    body = _progress_body(action, marked, typed)
    if body is None:
        error = {"resource": resource, "message": ko("msg.hours_to_log"), "value": typed[:10]}
        return await _page(request, session, 400, error)
    path = f"/v1/roadmaps/{rid}/resources/{resource}/progress"
    saved = await call(request, session, "users", "PUT", path, json=body)
    if not saved.ok:
        text = UNAVAILABLE_KO if saved.down else ko("msg.not_saved")
        return message(request, ko("msg.roadmap"), text, 503 if saved.down else 400)
    return _back(request, f"res-{resource}")


@router.post("/roadmap/step")
async def step(request: Request) -> Response:
    """Mark a step done, skipped or in progress, or reopen it."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, ko("msg.expired_title"), EXPIRED_KO, 403)
    rid, skill, state = first(form, "roadmap_id"), first(form, "skill"), first(form, "state")
    if not UUID.match(rid) or not SKILL.match(skill) or state not in STEP_MARKS:
        return message(request, ko("msg.roadmap"), ko("msg.pick_progress_again"), 400)
    path = f"/v1/roadmaps/{rid}/steps/{skill}"
    saved = await call(request, session, "users", "PUT", path, json={"state": state})
    if not saved.ok:
        text = UNAVAILABLE_KO if saved.down else ko("msg.not_saved")
        return message(request, ko("msg.roadmap"), text, 503 if saved.down else 400)
    return _back(request, f"step-{skill}")
