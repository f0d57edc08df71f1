"""What every dashboard page shares: templates, language switch, service calls that never raise.

Pages talk to the services only through ``runtime.clients`` with the signed-in user's access
token. :func:`call` turns every failure (unreachable service, 5xx, a body that is not JSON) into
an :class:`Answer` the template can show as a friendly Korean message, so no page breaks because a
service does.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from trendpath import __version__
from trendpath.kit.auth import service_tokens
from trendpath.kit.deps import runtime_of
from trendpath.kit.errors import ApiError
from trendpath.kit.wording import direction
from trendpath.web import i18n
from trendpath.web import session as websession
from trendpath.web.admin_views import kst
from trendpath.web.messages import ko

log = logging.getLogger(__name__)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
"""A trend slug as URLs carry it (anything else is a 404 before any service call)."""
UNAVAILABLE_KO = ko("msg.unavailable")
EXPIRED_KO = ko("msg.expired")

NAV_SIGNED_IN = (
    ("/onboarding", "nav.onboarding"),
    ("/coach", "nav.coach"),
    ("/values", "nav.values"),
    ("/results", "nav.results"),
    ("/roadmap", "nav.roadmap"),
    ("/news", "nav.news"),
    ("/trends", "nav.trends"),
    ("/inbox", "nav.inbox"),
    ("/account", "nav.account"),
)
NAV_SIGNED_OUT = (("/trends", "nav.trends"), ("/auth/login", "nav.login"))
PUBLIC_SCOPES = ("trends:read", "news:read")
NAV_ADMIN = ("/admin", "nav.admin")


def signed_in(request: Request) -> bool:
    """Whether the request carries a genuine session cookie (no token refresh here)."""
    return websession.load(request) is not None


def is_admin(request: Request) -> bool:
    """Whether the signed-in user's token carries the ``admin`` scope (admins only get it)."""
    session = websession.load(request)
    return session is not None and session.is_admin


def nav_items(request: Request, signed: bool = True) -> list[dict[str, Any]]:
    """The navigation links (message ids), the current one marked; 관리 for admins only."""
    path = request.url.path
    if not signed:
        links = list(NAV_SIGNED_OUT)
    else:
        links = list(NAV_SIGNED_IN) + ([NAV_ADMIN] if is_admin(request) else [])
    return [
        {
            "href": href,
            "key": key,
            "admin": href == NAV_ADMIN[0],
            "current": path == href or path.startswith(href + "/"),
        }
        for href, key in links
    ]


def fc_way(forecast: dict[str, Any]) -> str:
    """A forecast's direction by its interval (``up``, ``down``, ``uncertain``, ``flat``)."""
    return direction(float(forecast["point"]), float(forecast["lo"]), float(forecast["hi"]))


GLOBALS: dict[str, Any] = {
    **i18n.GLOBALS,
    "fc_way": fc_way,
    "signed_in": signed_in,
    "is_admin": is_admin,
    "nav_items": nav_items,
}
templates.env.globals.update(GLOBALS)
templates.env.filters.update({**i18n.FILTERS, "kst": kst})


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render a page with the house headers; remembers an explicit ``?lang=``."""
    response = templates.TemplateResponse(
        request, name, {"version": __version__, **context}, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    asked = request.query_params.get("lang")
    if asked in i18n.LANGS:
        remember_lang(response, asked)
    websession.persist(request, response)
    return response


def remember_lang(response: Response, lang: str) -> None:
    """Keep the chosen language for a year."""
    response.set_cookie(i18n.LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")


def lang_of(request: Request) -> str:
    """The request's language (see :mod:`trendpath.web.i18n`)."""
    return i18n.lang_of(request)


def to_login(request: Request) -> Response:
    """Send a signed-out visitor to sign in, coming back here afterwards."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    response = RedirectResponse(f"/auth/login?next={target}", status_code=303)
    websession.persist(request, response)
    return response


def message(request: Request, title: str, text: str, status: int = 400) -> HTMLResponse:
    """A page that only says something (errors, expired forms)."""
    return render(request, "message.html", {"title": title, "message": text}, status)


@dataclass(frozen=True)
class Answer:
    """A service's answer as pages need it: status and JSON body, or why there is none."""

    status: int
    body: Any = None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300

    @property
    def down(self) -> bool:
        """The service failed (5xx or unreachable): show the friendly message."""
        return self.status >= 500


async def call(
    request: Request,
    session: websession.WebSession,
    service: str,
    method: str,
    path: str,
    **kwargs: Any,
) -> Answer:
    """Call ``service`` as the signed-in user; never raises for a failing service."""
    headers = {"Authorization": f"Bearer {session.access_token}"}
    try:
        resp = await runtime_of(request).clients.request(
            service, method, path, headers=headers, **kwargs
        )
    except ApiError as exc:
        log.warning("web: %s %s %s failed: %s", service, method, path, exc.message)
        return Answer(503)
    return _answer(resp, service, method, path)


async def public_call(
    request: Request, service: str, method: str, path: str, **kwargs: Any
) -> Answer:
    """Call ``service`` for a visitor who may not be signed in: as the user when they are,
    otherwise with the dashboard's own read-only service token (trends and news only)."""
    session = await websession.current(request)
    if session is not None:
        return await call(request, session, service, method, path, **kwargs)
    try:
        headers = await service_tokens(runtime_of(request), "web").headers(PUBLIC_SCOPES)
    except ApiError as exc:
        log.warning("web: no public token: %s", exc.message)
        return Answer(503)
    try:
        resp = await runtime_of(request).clients.request(
            service, method, path, headers=headers, **kwargs
        )
    except ApiError as exc:
        log.warning("web: %s %s %s failed: %s", service, method, path, exc.message)
        return Answer(503)
    return _answer(resp, service, method, path)


def _answer(resp: Any, service: str, method: str, path: str) -> Answer:
    if resp.status_code == 204 or not resp.content:
        return Answer(resp.status_code)
    try:
        body = resp.json()
    except ValueError:
        log.warning(
            "web: %s %s %s answered %s without JSON", service, method, path, resp.status_code
        )
        return Answer(502 if resp.status_code < 500 else resp.status_code)
    return Answer(resp.status_code, body)


async def form_of(request: Request) -> dict[str, Any]:
    """The posted form as a dict of lists (checkbox groups keep every value)."""
    form = await request.form()
    out: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def first(form: dict[str, Any], key: str, default: str = "") -> str:
    """The first value posted under ``key``."""
    values = form.get(key) or [default]
    return str(values[0]).strip()


async def checked_session(request: Request, form: dict[str, Any]) -> websession.WebSession | None:
    """The signed-in session when the form's CSRF token and origin are genuine."""
    session = await websession.current(request)
    if not websession.csrf_ok(request, session, first(form, "csrf_token") or None):
        return None
    return session
