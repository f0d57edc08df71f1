"""The dashboard app (``web``): pages rendered on the server from the services' public APIs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings
from trendpath.web.auth_routes import router as auth_router
from trendpath.web.routes import router

HERE = Path(__file__).parent

SPEC = ServiceSpec(
    name="web",
    title="trendpath dashboard",
    description="대시보드: 회원가입부터 로드맵까지 한국어 사용자 여정.",
    routers=(router, auth_router),
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the dashboard app."""
    app = build_app(SPEC, settings, runtime)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
