"""trendpath Trend Analysis Service: app assembly (nothing runs at import)."""

from __future__ import annotations

from fastapi import FastAPI

from trendpath.kit.jobroutes import job_router
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings
from trendpath.trends.chain import chain_job, queue
from trendpath.trends.forecasting import forecast_job
from trendpath.trends.routes import router
from trendpath.trends.routes_admin import router as admin_router
from trendpath.trends.routes_admin_status import router as admin_status_router
from trendpath.trends.routes_chain import router as chain_router
from trendpath.trends.vectors import trend_vector_job

SPEC = ServiceSpec(
    name="trends",
    title="trendpath Trend Analysis Service",
    description=(
        "Trend catalog, indicators, Velocity Score, forecasts and trend vectors."
        " 트렌드 지표, 속도 점수, 예측."
    ),
    routers=(router, chain_router, admin_router, admin_status_router, job_router(queue)),
    background=(trend_vector_job, forecast_job, chain_job),
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the trends service app."""
    return build_app(SPEC, settings, runtime)
