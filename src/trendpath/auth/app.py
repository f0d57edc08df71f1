"""trendpath OAuth Service: app assembly (nothing runs at import)."""

from __future__ import annotations

from fastapi import FastAPI

from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings

SPEC = ServiceSpec(
    name="auth",
    title="trendpath OAuth Service",
    description=(
        "Accounts, OAuth 2.1 / OpenID Connect server, tokens, JWKS and profile basics."
        " 계정, 인증, 프로필 기본 정보."
    ),
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the auth service app."""
    return build_app(SPEC, settings, runtime)
