"""Admin pages: feeds, trend data freshness, forecast models and their metrics, the A/B report.

Only sessions whose token carries the ``admin`` scope see them (the auth server grants it to
admin accounts only); anyone else signed in gets a friendly 403 page, and so does an admin whose
role was revoked (the services answer 403). The data comes from the services' admin APIs with the
admin's own token; a failing service shows the usual friendly message on that page alone.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trendpath.web import session as websession
from trendpath.web.admin_views import (
    FEED_STATUSES,
    ab_view,
    feed_rows,
    freshness_rows,
    metric_names,
)
from trendpath.web.pages import (
    EXPIRED_KO,
    UNAVAILABLE_KO,
    Answer,
    call,
    checked_session,
    form_of,
    message,
    render,
    to_login,
)

router = APIRouter(include_in_schema=False)
FEEDS_PAGE = 100
EXPERIMENT = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


def forbidden(request: Request) -> HTMLResponse:
    """The friendly page for signed-in users who are not admins."""
    return render(request, "forbidden.html", {}, 403)


async def _admin(request: Request) -> websession.WebSession | Response:
    """The admin's session, or the response to send instead (sign in, or 403)."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    if not session.is_admin:
        return forbidden(request)
    return session


def _failed(request: Request, template: str, answer: Answer, **context: Any) -> Response:
    """A service refused (403: not an admin any more) or failed (friendly message)."""
    if answer.status in (401, 403):
        return forbidden(request)
    return render(request, template, {**context, "error": UNAVAILABLE_KO}, 503)


@router.get("/admin")
async def admin_home(request: Request) -> Response:
    """The admin overview: what each admin page is for."""
    session = await _admin(request)
    if isinstance(session, Response):
        return session
    return render(request, "admin_home.html", {"section": "home"})


async def _feed_counts(request: Request, session: websession.WebSession) -> dict[str, int]:
    answers = await asyncio.gather(
        *(
            call(request, session, "news", "GET", "/v1/feeds", params={"status": s, "limit": 1})
            for s in FEED_STATUSES
        )
    )
    return {s: a.body["total"] for s, a in zip(FEED_STATUSES, answers, strict=True) if a.ok}


@router.get("/admin/feeds")
async def feeds(request: Request) -> Response:
    """Every feed with its status, last fetch and errors; parked ones can be unparked."""
    session = await _admin(request)
    if isinstance(session, Response):
        return session
    wanted = request.query_params.get("status")
    status = wanted if wanted in FEED_STATUSES else None
    params: dict[str, Any] = {"limit": FEEDS_PAGE, **({"status": status} if status else {})}
    listed, counts = await asyncio.gather(
        call(request, session, "news", "GET", "/v1/feeds", params=params),
        _feed_counts(request, session),
    )
    context: dict[str, Any] = {"section": "feeds", "status": status, "statuses": FEED_STATUSES}
    if not listed.ok:
        return _failed(request, "admin_feeds.html", listed, **context)
    unparked = request.query_params.get("unparked", "")
    context |= {
        "rows": feed_rows(listed.body["items"]),
        "total": listed.body["total"],
        "shown": len(listed.body["items"]),
        "counts": counts,
        "csrf": session.csrf,
        "unparked": unparked if unparked.isdigit() else None,
    }
    return render(request, "admin_feeds.html", context)


@router.post("/admin/feeds/{feed_id}/unpark")
async def unpark(request: Request, feed_id: int) -> Response:
    """Clear a parked feed's errors so the worker fetches it again now."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, "요청 만료", EXPIRED_KO, 403)
    if not session.is_admin:
        return forbidden(request)
    done = await call(request, session, "news", "POST", f"/v1/feeds/{feed_id}/unpark")
    if done.status in (401, 403):
        return forbidden(request)
    if not done.ok:
        text = "피드를 찾을 수 없습니다." if done.status == 404 else UNAVAILABLE_KO
        return message(request, "피드 관리", text, 404 if done.status == 404 else 503)
    response = RedirectResponse(f"/admin/feeds?unparked={feed_id}", status_code=303)
    websession.persist(request, response)
    return response


@router.get("/admin/freshness")
async def freshness(request: Request) -> Response:
    """Per trend and indicator: the newest week and its age; stale data first and highlighted."""
    session = await _admin(request)
    if isinstance(session, Response):
        return session
    answer = await call(request, session, "trends", "GET", "/v1/admin/freshness")
    context: dict[str, Any] = {"section": "freshness"}
    if not answer.ok:
        return _failed(request, "admin_freshness.html", answer, **context)
    body = answer.body
    context |= {
        "current_week": body["current_week"],
        "stale_after": body["stale_after_weeks"],
        "stale_trends": body["stale_trends"],
        "rows": freshness_rows(body["items"]),
    }
    return render(request, "admin_freshness.html", context)


@router.get("/admin/models")
async def models(request: Request) -> Response:
    """Forecast model versions with their validation metrics, and which one forecasts come from."""
    session = await _admin(request)
    if isinstance(session, Response):
        return session
    answer = await call(request, session, "trends", "GET", "/v1/admin/models")
    context: dict[str, Any] = {"section": "models"}
    if not answer.ok:
        return _failed(request, "admin_models.html", answer, **context)
    body = answer.body
    context |= {
        "gate": body["gate_metric"],
        "models": body["models"],
        "metrics": metric_names(body["models"], body["gate_metric"]),
        "forecasts": body["forecasts"],
    }
    return render(request, "admin_models.html", context)


@router.get("/admin/abtest")
async def abtest(request: Request) -> Response:
    """The A/B report of the running (or a chosen) experiment."""
    session = await _admin(request)
    if isinstance(session, Response):
        return session
    wanted = request.query_params.get("experiment") or ""
    params = {"experiment": wanted} if EXPERIMENT.match(wanted) else {}
    report, aggregates = await asyncio.gather(
        call(request, session, "users", "GET", "/v1/admin/abtest/report", params=params),
        call(request, session, "users", "GET", "/v1/admin/aggregates"),
    )
    context: dict[str, Any] = {"section": "abtest"}
    if not report.ok:
        return _failed(request, "admin_abtest.html", report, **context)
    view = ab_view(report.body)
    known = aggregates.body.get("experiments", []) if aggregates.ok else []
    context |= {
        "report": view,
        "experiments": sorted({*known, view["experiment"]}),
    }
    return render(request, "admin_abtest.html", context)
