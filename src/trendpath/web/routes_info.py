"""Public information pages (how the Velocity Score is computed, the privacy notice) and the
Korean error pages every dashboard route falls back to (404, 405, 500) instead of JSON."""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from trendpath.web.pages import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
PRIVACY_VERSION = "2026-12-06"
"""The privacy notice's version; sign-up records which version the person agreed to."""


@router.get("/about/velocity")
async def about_velocity(request: Request) -> Response:
    """What the Velocity Score and the stability index mean and how they are computed."""
    return render(request, "about_velocity.html", {})


@router.get("/privacy")
async def privacy(request: Request) -> Response:
    """The privacy notice (what is collected, why, for how long, and the person's rights)."""
    return render(request, "privacy.html", {"privacy_version": PRIVACY_VERSION})


def _error_page(request: Request, status: int) -> HTMLResponse:
    key = {404: "404", 405: "405"}.get(status, "500")
    rid = request.scope.get("state", {}).get("request_id", "-")
    context = {"key": key, "request_id": rid if status >= 500 else None}
    return render(request, "error.html", context, status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    response = _error_page(request, exc.status_code)
    for name, value in (getattr(exc, "headers", None) or {}).items():
        response.headers[name] = value
    return response


async def _unhandled(request: Request, exc: Exception) -> Response:
    log.exception("unhandled dashboard error", extra={"path": request.url.path})
    try:
        return _error_page(request, 500)
    except Exception:  # the error page itself failed: plain text, still no traceback
        log.exception("error page failed")
        return HTMLResponse("잠시 문제가 생겼어요. 잠시 후 다시 시도해 주세요.", status_code=500)


def install_error_pages(app: FastAPI) -> None:
    """Korean HTML error pages for every dashboard route (the services keep their JSON)."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)
