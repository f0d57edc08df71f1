"""trendpath News Service: app assembly (nothing runs at import).

The background job seeds the default feeds once and runs the feed worker when the settings allow
it (both off in tests unless turned on; see ``news.config``).
"""

from __future__ import annotations

from fastapi import FastAPI

from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings
from trendpath.news.routes import router
from trendpath.news.worker import news_job

SPEC = ServiceSpec(
    name="news",
    title="trendpath News Service",
    description="RSS/Atom collection, Korean keyword analysis and trend signals. 뉴스 수집·분석.",
    routers=(router,),
    background=(news_job,),
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the news service app."""
    return build_app(SPEC, settings, runtime)
