"""trendpath AI Service: app assembly (nothing runs at import)."""

from __future__ import annotations

from fastapi import FastAPI

from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings

SPEC = ServiceSpec(
    name="ai",
    title="trendpath AI Service",
    description=(
        "The Korean coach conversation, value scores, embeddings and persona vectors."
        " AI 코치 대화와 가치관 분석."
    ),
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the ai service app."""
    return build_app(SPEC, settings, runtime)
