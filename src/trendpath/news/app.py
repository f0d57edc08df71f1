"""trendpath News Service: app assembly (nothing runs at import)."""

from __future__ import annotations

from fastapi import FastAPI

from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings

SPEC = ServiceSpec(
    name="news",
    title="trendpath News Service",
    description="RSS/Atom collection, Korean keyword analysis and trend signals. 뉴스 수집·분석.",
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the news service app."""
    return build_app(SPEC, settings, runtime)
