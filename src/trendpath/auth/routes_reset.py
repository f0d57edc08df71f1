"""Password reset pages (``/forgot``, ``/reset``) and the development mail outbox (``/dev/outbox``).

The forms carry the auth server's CSRF token like every other page here. ``/dev/outbox`` exists
only with the ``outbox`` mail backend outside ``prod``: it is where reset links land in
development and tests instead of an SMTP server.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trendpath.auth import browser, mail, reset
from trendpath.auth.accounts import AccountError
from trendpath.auth.passwords import PasswordLane
from trendpath.auth.routes_oauth import FormItems, client_ip
from trendpath.auth.routes_pages import message, render, root_of, safe_next
from trendpath.kit.auth import dashboard_url, issuer_url
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import settings_of
from trendpath.kit.errors import ApiError
from trendpath.kit.wording import duration_ko

router = APIRouter(include_in_schema=False)
EXPIRED_KO = "페이지를 새로 고친 뒤 다시 시도해 주세요."


def _forgot(request: Request, status: int = 200, **context: Any) -> Response:
    base = {"next": safe_next(request, request.query_params.get("next")), "email": ""}
    return render(request, "forgot.html", {**base, "field_errors": {}, **context}, status)


@router.get("/forgot")
def forgot_page(request: Request) -> Response:
    """Ask for a reset link."""
    return _forgot(request)


@router.post("/forgot")
def forgot(request: Request, session: SessionDep, items: FormItems) -> Response:
    """Mail a reset link when the account exists; the answer is the same either way."""
    settings = settings_of(request)
    form = dict(items)
    email = form.get("email", "")[:254]
    next_url = safe_next(request, form.get("next"))
    if not browser.csrf_ok(request, settings, form.get("csrf_token")):
        return _forgot(request, 403, email=email, next=next_url, error=EXPIRED_KO)
    wait = reset.limited(session, settings, client_ip(request))
    session.commit()
    if wait:
        text = f"요청이 너무 많아요. {duration_ko(wait)} 뒤에 다시 시도해 주세요."
        return _forgot(request, 429, email=email, next=next_url, error=text)
    try:
        sent = reset.request(session, settings, email, issuer_url(settings) + "/reset")
    except AccountError as exc:
        errors = {exc.field or "email": exc.message}
        return _forgot(request, 400, email=email, next=next_url, field_errors=errors)
    session.commit()
    return message(request, "메일을 확인해 주세요", sent, 200, error=False)


def _reset_page(request: Request, token: str, status: int = 200, **context: Any) -> Response:
    login = dashboard_url(settings_of(request)) + "/auth/login"
    base = {"token": token, "field_errors": {}, "login_url": login}
    return render(request, "reset.html", {**base, **context}, status)


@router.get("/reset")
def reset_page(request: Request, session: SessionDep) -> Response:
    """The new-password form, or why the link no longer works."""
    token = request.query_params.get("token", "")
    if reset.valid(session, token) is None:
        return _invalid(request)
    return _reset_page(request, token)


def _invalid(request: Request) -> Response:
    page = message(request, "링크를 쓸 수 없어요", reset.INVALID_KO, 400)
    return page


@router.post("/reset", dependencies=[PasswordLane])
def reset_password(request: Request, session: SessionDep, items: FormItems) -> Response:
    """Set the new password (once per link) and sign the account out everywhere."""
    settings = settings_of(request)
    form = dict(items)
    token = form.get("token", "")[:128]
    if not browser.csrf_ok(request, settings, form.get("csrf_token")):
        return _reset_page(request, token, 403, error=EXPIRED_KO)
    try:
        reset.use(
            session, settings, token, form.get("password", "")[:1024], form.get("again", "")[:1024]
        )
    except AccountError as exc:
        session.rollback()
        if exc.code == "invalid_token":
            return _invalid(request)
        return _reset_page(request, token, exc.status, field_errors={exc.field: exc.message})
    session.commit()
    login = dashboard_url(settings) + "/auth/login"
    return render(request, "reset_done.html", {"login_url": login})


@router.get("/dev/outbox")
def dev_outbox(request: Request, session: SessionDep) -> Response:
    """The mail the ``outbox`` backend kept (never in ``prod``)."""
    settings = settings_of(request)
    if settings.env == "prod" or settings.auth_mail_backend != "outbox":
        raise ApiError(404, "not_found", "no outbox here")
    return render(request, "outbox.html", {"mails": mail.outbox(session), "root": root_of(request)})
