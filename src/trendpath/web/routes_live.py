"""Live-update streams of the data pages, and the inbox page.

``GET /live/{page}`` is the Server-Sent Events stream behind a page (``trend/<slug>``,
``trends``, ``results``, ``roadmap``, ``inbox``): it says which topics changed and the page's
script fetches the page again (see :mod:`trendpath.web.live`). The inbox lists the users
service's notices (``/v1/notifications``), newest first, with read/unread.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from trendpath.kit import live as live_topics
from trendpath.kit.deps import runtime_of
from trendpath.web import session as websession
from trendpath.web.live import EventStream, hub
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

router = APIRouter(include_in_schema=False)
INBOX_SIZE = 50


def page_topics(page: str, user: str) -> frozenset[str] | None:
    """The topics a page shows (None: no such live page)."""
    if page.startswith("trend/") and SLUG.match(page[6:]):
        return frozenset({f"trend:{page[6:]}"})
    if page == "trends":
        return frozenset({"trends"})
    if page in ("results", "roadmap", "inbox"):
        return frozenset({f"user:{user}"})
    return None


@router.get("/live/{page:path}")
async def stream(request: Request, page: str) -> Response:
    """The page's change stream (401 signed out, 404 unknown page, 429 too many streams)."""
    session = await websession.current(request)
    if session is None:
        return PlainTextResponse("sign in first", status_code=401)
    topics = page_topics(page, session.sub)
    if topics is None:
        return PlainTextResponse("no such live page", status_code=404)
    the_hub = hub(runtime_of(request))
    admitted = the_hub.admit(session.sub, topics)
    if isinstance(admitted, int):
        text = "too many open streams" if admitted == 429 else "busy"
        return PlainTextResponse(text, status_code=admitted, headers={"Retry-After": "30"})
    last = request.headers.get("last-event-id")
    if last is not None and not live_topics.EVENT_ID.match(last):
        last = "?"  # unknown: the stream answers with a refresh
    return EventStream(the_hub, admitted, last)


@router.get("/inbox")
async def inbox(request: Request) -> Response:
    """The user's notices, newest first."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    answer = await call(
        request, session, "users", "GET", "/v1/notifications", params={"limit": INBOX_SIZE}
    )
    if not answer.ok:
        return render(request, "inbox.html", {"error": UNAVAILABLE_KO}, 503)
    context = {
        "items": answer.body.get("items", []),
        "unread": answer.body.get("unread", 0),
        "csrf": session.csrf,
    }
    return render(request, "inbox.html", context)


@router.post("/inbox/read")
async def mark_read(request: Request) -> Response:
    """Mark one notice (``id``) or all of them read, then back to the inbox."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, "요청 만료", EXPIRED_KO, 403)
    raw = first(form, "id")
    if raw and not raw.isdigit():
        return message(request, "알림", "알림 번호가 올바르지 않습니다.", 422)
    body = {"ids": [int(raw)]} if raw else {}
    answer = await call(request, session, "users", "POST", "/v1/notifications/read", json=body)
    if not answer.ok:
        return message(request, "알림", UNAVAILABLE_KO, 503)
    response = RedirectResponse("/inbox", status_code=303)
    websession.persist(request, response)
    return response
