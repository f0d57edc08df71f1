"""Dashboard pages. Every piece of data comes from a service's HTTP API via ``kit.http``."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from trendpath.kit.errors import ApiError
from trendpath.kit.service import runtime_of
from trendpath.kit.settings import SERVICES
from trendpath.web.pages import render, signed_in

router = APIRouter(include_in_schema=False)

SERVICE_LABELS = {
    "auth": ("인증 서비스", "계정과 로그인, 프로필"),
    "users": ("사용자 서비스", "관심사·역량, 트렌드 매칭, 로드맵"),
    "news": ("뉴스 서비스", "RSS 수집과 키워드 분석"),
    "trends": ("트렌드 분석 서비스", "지표, Velocity Score, 예측"),
    "ai": ("AI 서비스", "코치 대화와 가치관 분석"),
}


async def _status(request: Request, service: str) -> dict[str, Any]:
    label, blurb = SERVICE_LABELS[service]
    entry: dict[str, Any] = {"name": service, "label": label, "blurb": blurb}
    try:
        resp = await runtime_of(request).clients.request(service, "GET", "/readyz")
        entry["ready"] = resp.status_code == 200
        entry["detail"] = "정상" if entry["ready"] else "준비 중"
    except ApiError:
        entry["ready"] = False
        entry["detail"] = "연결할 수 없음"
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
