"""trendpath OAuth Service: app assembly (nothing runs at import)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from trendpath.auth import grants, keys, ratelimit, store
from trendpath.auth.oauth import OAuthError
from trendpath.auth.passwords import passwords_for
from trendpath.auth.routes import router as account_router
from trendpath.auth.routes_oauth import oauth_error_handler
from trendpath.auth.routes_oauth import router as oauth_router
from trendpath.auth.routes_pages import router as pages_router
from trendpath.auth.routes_reset import router as reset_router
from trendpath.auth.routes_social import router as social_router
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings

log = logging.getLogger(__name__)

MAINTENANCE_INTERVAL_S = 3600
EVENT_RETENTION_DAYS = 90


def maintain(runtime: Runtime) -> dict[str, int]:
    """One maintenance pass: rotate the signing key when due, drop what nothing can use."""
    settings = runtime.settings
    with runtime.db.session_scope() as session:
        rotated = keys.rotate_if_due(session, settings)
        counts = {
            "rotated": int(rotated is not None),
            "keys": keys.prune(session, settings),
            "grants": grants.prune(session),
            "rate_limits": ratelimit.prune(session, settings),
            "sessions": store.prune_browser_sessions(session),
            "events": store.prune_events(session, EVENT_RETENTION_DAYS),
        }
    if rotated:
        log.info("signing key rotated", extra={"kid": rotated})
    return counts


async def maintenance_loop(runtime: Runtime) -> None:
    """Run :func:`maintain` at start-up and then every hour."""
    while True:
        try:
            await run_in_threadpool(maintain, runtime)
        except Exception:
            log.exception("auth maintenance failed")
        await asyncio.sleep(MAINTENANCE_INTERVAL_S)


SPEC = ServiceSpec(
    name="auth",
    title="trendpath OAuth Service",
    description=(
        "Accounts, OAuth 2.1 / OpenID Connect server, tokens, JWKS and profile basics."
        " 계정, 인증, 프로필 기본 정보."
    ),
    routers=(oauth_router, pages_router, reset_router, social_router, account_router),
    background=(maintenance_loop,),
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the auth service app (refuses weak password-hashing settings outside tests)."""
    passwords_for(settings)
    app = build_app(SPEC, settings, runtime)
    app.add_exception_handler(OAuthError, oauth_error_handler)
    return app
