"""The dashboard app (``web``): pages rendered on the server from the services' public APIs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings
from trendpath.web import auth_routes
from trendpath.web.routes import router
from trendpath.web.routes_account import router as account_router
from trendpath.web.routes_admin import router as admin_router
from trendpath.web.routes_coach import router as coach_router
from trendpath.web.routes_info import install_error_pages
from trendpath.web.routes_info import router as info_router
from trendpath.web.routes_live import router as live_router
from trendpath.web.routes_news import router as news_router
from trendpath.web.routes_onboarding import router as onboarding_router
from trendpath.web.routes_results import router as results_router
from trendpath.web.routes_roadmap import router as roadmap_router
from trendpath.web.routes_trends import router as trends_router
from trendpath.web.routes_values import router as values_router

HERE = Path(__file__).parent

SPEC = ServiceSpec(
    name="web",
    title="trendpath dashboard",
    description="대시보드: 회원가입부터 로드맵까지 한국어 사용자 여정.",
    routers=(
        router,
        auth_routes.router,
        account_router,
        onboarding_router,
        coach_router,
        results_router,
        roadmap_router,
        trends_router,
        values_router,
        news_router,
        info_router,
        live_router,
        admin_router,
    ),
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the dashboard app."""
    app = build_app(SPEC, settings, runtime)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    install_error_pages(app)  # Korean pages instead of the services' JSON errors
    return app
