"""Coach chat: the transcript, plain form posts, and a streaming (SSE) path for JavaScript.

Without JavaScript every answer is a form post that redirects back to the transcript. With it,
``static/app.js`` posts the same form to ``/coach/stream``, which relays the AI service's
server-sent events (``delta``/``replace``/``done``/``error``) so the reply appears as it is
written. The coach's forced-choice questions become buttons; the closing summary asks the user to
confirm it, after which the results page is one click away.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from trendpath.kit.deps import runtime_of
from trendpath.kit.errors import ApiError
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
MAX_ANSWER_CHARS = 4000
"""The AI service's limit on one message (``MessageIn.text``); longer answers are refused."""


async def _latest(request: Request, session: websession.WebSession) -> tuple[Any, str | None]:
    """The newest coach session with its transcript, or None; and an error text if any."""
    listed = await call(request, session, "ai", "GET", "/v1/sessions")
    if not listed.ok:
        return None, UNAVAILABLE_KO
    if not listed.body:
        return None, None
    sid = listed.body[0]["id"]
    loaded = await call(request, session, "ai", "GET", f"/v1/sessions/{sid}")
    if not loaded.ok:
        return None, UNAVAILABLE_KO
    return loaded.body, None


def _shown(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages as shown: a forced-choice answer is stored empty, so show the option picked."""
    shown: list[dict[str, Any]] = []
    options: list[str] = []
    for m in messages:
        text = m["content"]
        choice = (m.get("meta") or {}).get("choice")
        if m["role"] == "user" and not text and isinstance(choice, int) and choice < len(options):
            text = options[choice]
        if m["role"] == "assistant":
            options = list((m.get("meta") or {}).get("options") or [])
        shown.append({**m, "content": text})
    return shown


def _view(talk: dict[str, Any]) -> dict[str, Any]:
    """What the template needs: messages, the pending choice, whether the talk is over."""
    messages = _shown(talk["messages"])
    last = next((m for m in reversed(messages) if m["role"] == "assistant"), None)
    meta = last["meta"] if last else {}
    over = talk["status"] == "finished" or talk["stage"] == "done"
    return {
        "id": talk["id"],
        "messages": messages,
        "options": [] if over else list(meta.get("options") or []),
        "stage": talk["stage"],
        "over": over,
        "turns": talk["turns"],
        "max_turns": talk["max_turns"],
        "summary": talk["stage"] == "summary" and not over,
    }


@router.get("/coach")
async def coach(request: Request) -> Response:
    """The latest talk with the coach (or an invitation to start one)."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    talk, error = await _latest(request, session)
    context: dict[str, Any] = {
        "csrf": session.csrf,
        "error": error,
        "talk": None,
        "max_chars": f"{MAX_ANSWER_CHARS:,}",
    }
    if talk is not None:
        context["talk"] = _view(talk)
    return render(request, "coach.html", context, 503 if error else 200)


async def _start_body(request: Request, session: websession.WebSession) -> dict[str, Any]:
    """The coach's context from the saved profile (interests, skills, status)."""
    profile = await call(request, session, "users", "GET", "/v1/profile")
    body: dict[str, Any] = {"name": session.name[:40] or None}
    if profile.ok:
        body["status"] = profile.body.get("status")
        body["interests"] = [t["slug"] for t in profile.body.get("interests", [])]
        body["skills"] = profile.body.get("skills", {})
    return body


@router.post("/coach/start")
async def start(request: Request) -> Response:
    """Start a new talk, seeded with the onboarding profile."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, "요청 만료", EXPIRED_KO, 403)
    started = await call(
        request, session, "ai", "POST", "/v1/sessions", json=await _start_body(request, session)
    )
    if started.status == 429:
        return message(
            request, "대화 제한", "대화를 너무 많이 시작했습니다. 기존 대화를 이어 주세요.", 429
        )
    if not started.ok:
        return message(request, "코치 연결 실패", UNAVAILABLE_KO, 503)
    response = RedirectResponse("/coach#latest", status_code=303)
    websession.persist(request, response)
    return response


class TooLong(ValueError):
    """An answer over :data:`MAX_ANSWER_CHARS`: refused whole, never cut."""


def _answer(form: dict[str, Any]) -> dict[str, Any] | None:
    """The message body from a chat form: a choice button or free text."""
    choice = first(form, "choice")
    if choice in ("0", "1"):
        return {"text": "", "choice": int(choice)}
    # A summary's confirm button posts its own ``text`` after the (empty) textarea's.
    texts = [t.strip() for t in form.get("text", []) if t.strip()]
    if not texts:
        return None
    if len(texts[-1]) > MAX_ANSWER_CHARS:
        raise TooLong(len(texts[-1]))
    return {"text": texts[-1]}


def _too_long_ko(exc: TooLong) -> str:
    return (
        f"답변은 {MAX_ANSWER_CHARS:,}자까지 보낼 수 있어요(지금 {exc.args[0]:,}자). "
        "조금 줄이거나 나눠서 보내 주세요."
    )


@router.post("/coach/send")
async def send(request: Request) -> Response:
    """Answer the coach with a plain form post (the no-JavaScript path)."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, "요청 만료", EXPIRED_KO, 403)
    try:
        body, sid = _answer(form), first(form, "session_id")
    except TooLong as exc:
        return message(request, "답변이 너무 길어요", _too_long_ko(exc), 422)
    if body is not None and sid:
        sent = await call(request, session, "ai", "POST", f"/v1/sessions/{sid}/messages", json=body)
        if sent.down:
            return message(request, "코치 연결 실패", UNAVAILABLE_KO, 503)
    response = RedirectResponse("/coach#latest", status_code=303)
    websession.persist(request, response)
    return response


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def _relay(
    request: Request, token: str, sid: str, body: dict[str, Any]
) -> AsyncIterator[bytes]:
    """The AI service's event stream, passed through; failures become one ``error`` event."""
    try:
        client = runtime_of(request).clients.client("ai")
        upstream = client.build_request(
            "POST",
            f"/v1/sessions/{sid}/messages/stream",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        resp = await client.send(upstream, stream=True)
    except (ApiError, httpx.HTTPError):
        yield _sse("error", {"message": UNAVAILABLE_KO})
        return
    try:
        if resp.status_code != 200:
            yield _sse("error", {"message": UNAVAILABLE_KO, "status": resp.status_code})
            return
        async for chunk in resp.aiter_raw():
            yield chunk
    except httpx.HTTPError:
        yield _sse("error", {"message": UNAVAILABLE_KO})
    finally:
        await resp.aclose()


@router.post("/coach/stream")
async def stream(request: Request) -> Response:
    """Answer the coach; the reply comes back as server-sent events (used by app.js)."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return Response(_sse("error", {"message": EXPIRED_KO}), 403, media_type="text/event-stream")
    try:
        body, sid = _answer(form), first(form, "session_id")
    except TooLong as exc:
        return Response(
            _sse("error", {"message": _too_long_ko(exc)}), 422, media_type="text/event-stream"
        )
    if body is None or not sid:
        return Response(
            _sse("error", {"message": "답변을 입력해 주세요."}), 400, media_type="text/event-stream"
        )
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    response = StreamingResponse(
        _relay(request, session.access_token, sid, body),
        media_type="text/event-stream",
        headers=headers,
    )
    websession.persist(request, response)
    return response


@router.post("/coach/finish")
async def finish(request: Request) -> Response:
    """End the talk early: the AI service scores values from what was said so far."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, "요청 만료", EXPIRED_KO, 403)
    sid = first(form, "session_id")
    done = await call(request, session, "ai", "POST", f"/v1/sessions/{sid}/finish")
    if done.down:
        return message(request, "코치 연결 실패", UNAVAILABLE_KO, 503)
    response = RedirectResponse("/results", status_code=303)
    websession.persist(request, response)
    return response
