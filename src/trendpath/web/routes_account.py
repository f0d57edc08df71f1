"""Settings (``/account``): name and language, a link to edit the profile, account deletion.

Everything goes through the auth service's account API with the signed-in user's token:
``GET/PATCH /me`` and ``DELETE /me`` (password accounts confirm with their password; accounts made
through Kakao/Naver have none and confirm with a checkbox). A deleted account's session cookie is
cleared and a goodbye page is shown; a wrong password deletes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from trendpath.web import session as websession
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

NAME_OR_LANG_KO = "이름은 1~50자, 언어는 한국어 또는 English로 입력해 주세요."
NOT_SAVED_KO = "저장하지 못했습니다. 다시 로그인한 뒤 시도해 주세요."
WRONG_PASSWORD_KO = "비밀번호가 올바르지 않습니다. 계정은 삭제되지 않았습니다."
CONFIRM_KO = "삭제에 동의한다는 확인란을 선택해 주세요. 계정은 삭제되지 않았습니다."
NOT_DELETED_KO = "계정을 삭제하지 못했습니다. 잠시 후 다시 시도해 주세요."


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
        return message(request, "요청 만료", EXPIRED_KO, 403)
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
        return message(request, "요청 만료", EXPIRED_KO, 403)
    me = await _me(request, session)
    if me is None:
        return message(request, "계정 삭제", NOT_DELETED_KO, 503)
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
