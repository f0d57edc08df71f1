"""Settings (``/account``): name and language, a link to edit the profile, sign-out, the
person's data as one JSON file (``/account/export``), account deletion.

Everything goes through the auth service's account API with the signed-in user's token:
``GET/PATCH /me`` and ``DELETE /me`` (password accounts confirm with their password; accounts made
through Kakao/Naver have none and confirm with a checkbox). A deleted account's session cookie is
cleared and a goodbye page is shown; a wrong password deletes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from trendpath.web import session as websession
from trendpath.web.messages import ko
from trendpath.web.pages import (
    EXPIRED_KO,
    call,
    checked_session,
    first,
    form_of,
    message,
    remember_lang,
    render,
    to_login,
)

router = APIRouter(include_in_schema=False)

NAME_OR_LANG_KO = ko("msg.name_or_lang")
NOT_SAVED_KO = ko("msg.not_saved_login")
WRONG_PASSWORD_KO = ko("msg.wrong_password")
CONFIRM_KO = ko("msg.confirm_delete")
NOT_DELETED_KO = ko("msg.not_deleted")


async def _me(request: Request, session: websession.WebSession) -> dict[str, Any] | None:
    answer = await call(request, session, "auth", "GET", "/me")
    return answer.body if answer.ok and isinstance(answer.body, dict) else None


def _code(body: Any) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def _page(
    request: Request,
    session: websession.WebSession,
    me: dict[str, Any],
    status: int = 200,
    **extra: Any,
) -> Response:
    context = {
        "me": me,
        "csrf": session.csrf,
        "saved": False,
        "error": None,
        "delete_error": None,
        **extra,
    }
    return render(request, "account.html", context, status)


@router.get("/account")
async def account(request: Request) -> Response:
    """The signed-in user's settings."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    me = await _me(request, session)
    if me is None:
        return to_login(request)
    return _page(request, session, me, saved=request.query_params.get("saved") == "1")


@router.post("/account")
async def update_account(request: Request) -> Response:
    """Save name and language (CSRF-checked) through the auth service's API."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, ko("msg.expired_title"), EXPIRED_KO, 403)
    body = {"display_name": first(form, "display_name"), "locale": first(form, "locale", "ko")}
    error = None
    if not 1 <= len(body["display_name"]) <= 50 or body["locale"] not in ("ko", "en"):
        error = NAME_OR_LANG_KO
    else:
        saved = await call(request, session, "auth", "PATCH", "/me", json=body)
        if not saved.ok:
            error = NOT_SAVED_KO
    if error is not None:
        me = await _me(request, session) or {}
        return _page(request, session, {**me, **body}, 400, error=error)
    response = RedirectResponse("/account?saved=1", status_code=303)
    remember_lang(response, body["locale"])  # the account's language becomes the page's
    websession.persist(request, response)
    return response


@router.post("/account/delete")
async def delete_account(request: Request) -> Response:
    """Delete the account after the password (or the checkbox) confirms it, then sign out."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, ko("msg.expired_title"), EXPIRED_KO, 403)
    me = await _me(request, session)
    if me is None:
        return message(request, ko("msg.delete_title"), NOT_DELETED_KO, 503)
    if not me.get("has_password") and first(form, "confirm") != "yes":
        return _page(request, session, me, 400, delete_error=CONFIRM_KO)
    password = (form.get("password") or [""])[0]  # as typed: spaces may be part of it
    body = {"password": password} if me.get("has_password") else {}
    deleted = await call(request, session, "auth", "DELETE", "/me", json=body)
    if _code(deleted.body) == "wrong_password":
        return _page(request, session, me, 403, delete_error=WRONG_PASSWORD_KO)
    if not deleted.ok:
        return _page(request, session, me, 503, delete_error=NOT_DELETED_KO)
    response = render(request, "goodbye.html", {"signed_out": True})
    websession.clear(response)
    return response


EXPORT_CALLS = (
    ("account", "auth", "/me"),
    ("profile", "users", "/v1/profile"),
    ("profile_history", "users", "/v1/profile/history"),
    ("matches", "users", "/v1/match/history"),
    ("roadmaps", "users", "/v1/roadmaps"),
    ("progress", "users", "/v1/progress"),
    ("values", "ai", "/v1/values/me"),
    ("coach_sessions", "ai", "/v1/sessions"),
)


async def export_data(request: Request, session: websession.WebSession) -> dict[str, Any]:
    """Everything the services hold about the person, by part (a part that failed says so)."""
    answers = await asyncio.gather(
        *(call(request, session, svc, "GET", path) for _, svc, path in EXPORT_CALLS)
    )
    out: dict[str, Any] = {"exported_at": dt.datetime.now(dt.UTC).isoformat()}
    for (name, _, _), answer in zip(EXPORT_CALLS, answers, strict=True):
        out[name] = (
            answer.body
            if answer.ok
            else ({"error": answer.status} if answer.status != 404 else None)
        )
    listed = out.get("coach_sessions")
    talks: list[Any] = listed if isinstance(listed, list) else []
    transcripts = await asyncio.gather(
        *(call(request, session, "ai", "GET", f"/v1/sessions/{t['id']}") for t in talks)
    )
    out["coach_sessions"] = [a.body if a.ok else t for t, a in zip(talks, transcripts, strict=True)]
    return out


@router.get("/account/export")
async def export(request: Request) -> Response:
    """Download every piece of the person's data as JSON."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    body = await export_data(request, session)
    name = f"trendpath-data-{dt.date.today().isoformat()}.json"
    response = Response(
        json.dumps(body, ensure_ascii=False, indent=2, default=str),
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
    websession.persist(request, response)
    return response
