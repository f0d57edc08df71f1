"""trendpath User Service: app assembly (nothing runs at import)."""

from __future__ import annotations

from fastapi import FastAPI

from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings

SPEC = ServiceSpec(
    name="users",
    title="trendpath User Service",
    description=(
        "Interests, skill sliders, top-3 trend matching, roadmaps, learning catalog and progress."
        " 관심사, 역량, 트렌드 매칭, 학습 로드맵."
    ),
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the users service app."""
    return build_app(SPEC, settings, runtime)
