"""Dashboard pages. Every piece of data comes from a service's HTTP API via ``kit.http``."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from trendpath.kit.deps import runtime_of
from trendpath.kit.errors import ApiError
from trendpath.kit.settings import SERVICES
from trendpath.web.pages import render, signed_in

router = APIRouter(include_in_schema=False)


async def _status(request: Request, service: str) -> dict[str, Any]:
    """A service's readiness; ``detail`` is a message id (``svc.ok``, ``svc.starting``, …)."""
    entry: dict[str, Any] = {"name": service}
    try:
        resp = await runtime_of(request).clients.request(service, "GET", "/readyz")
        entry["ready"] = resp.status_code == 200
        entry["detail"] = "svc.ok" if entry["ready"] else "svc.starting"
    except ApiError:
        entry["ready"] = False
        entry["detail"] = "svc.unreachable"
    return entry


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    """The front page: what trendpath is, how to start, and whether each service is healthy."""
    statuses = await asyncio.gather(*(_status(request, s) for s in SERVICES))
    return render(
        request,
        "home.html",
        {
            "services": statuses,
            "all_ready": all(s["ready"] for s in statuses),
            "is_signed_in": signed_in(request),
        },
    )
