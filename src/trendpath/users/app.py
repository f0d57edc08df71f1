"""trendpath User Service: app assembly (nothing runs at import)."""

from __future__ import annotations

from fastapi import FastAPI

from trendpath.kit.jobroutes import job_router
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings
from trendpath.kit.taxonomy import load_taxonomy
from trendpath.users.abtest import parse_variants
from trendpath.users.accounts import deletion_loop
from trendpath.users.catalog import load_catalog
from trendpath.users.chain import chain_job, queue
from trendpath.users.rematch import rematch_job
from trendpath.users.routes_admin import router as admin_router
from trendpath.users.routes_inbox import router as inbox_router
from trendpath.users.routes_learning import router as learning_router
from trendpath.users.routes_match import router as match_router
from trendpath.users.routes_profile import router as profile_router

SPEC = ServiceSpec(
    name="users",
    title="trendpath User Service",
    description=(
        "Interests, skill sliders, top-3 trend matching, roadmaps, learning catalog and progress."
        " 관심사, 역량, 트렌드 매칭, 학습 로드맵."
    ),
    routers=(
        profile_router,
        match_router,
        learning_router,
        inbox_router,
        admin_router,
        job_router(queue),
    ),
    background=(deletion_loop, rematch_job, chain_job),
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the users service app; a bad A/B spec or catalog fails here, not on first use."""
    parse_variants(settings.users_ab_variants, settings.users_ab_momentum_weight)
    load_catalog(settings, load_taxonomy(settings.data_dir))
    return build_app(SPEC, settings, runtime)
