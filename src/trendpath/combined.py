"""All five services and the dashboard in one ASGI app (the embedded ``trendpath run`` mode).

Services are mounted under ``/api/<service>`` and the dashboard at ``/``. They share one
:class:`Runtime` (one database pool) and reach each other in-process through ``kit.http``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp

from trendpath.ai.app import SPEC as AI_SPEC
from trendpath.ai.app import create_app as create_ai
from trendpath.auth.app import SPEC as AUTH_SPEC
from trendpath.auth.app import create_app as create_auth
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, run_background, stop_background
from trendpath.kit.settings import APPS, Settings
from trendpath.news.app import SPEC as NEWS_SPEC
from trendpath.news.app import create_app as create_news
from trendpath.trends.app import SPEC as TRENDS_SPEC
from trendpath.trends.app import create_app as create_trends
from trendpath.users.app import SPEC as USERS_SPEC
from trendpath.users.app import create_app as create_users
from trendpath.web.app import SPEC as WEB_SPEC
from trendpath.web.app import create_app as create_web

log = logging.getLogger(__name__)

Factory = Callable[[Settings, Runtime | None], FastAPI]

FACTORIES: dict[str, Factory] = {
    "auth": create_auth,
    "users": create_users,
    "news": create_news,
    "trends": create_trends,
    "ai": create_ai,
    "web": create_web,
}
SPECS: dict[str, ServiceSpec] = {
    "auth": AUTH_SPEC,
    "users": USERS_SPEC,
    "news": NEWS_SPEC,
    "trends": TRENDS_SPEC,
    "ai": AI_SPEC,
    "web": WEB_SPEC,
}
assert tuple(FACTORIES) == APPS


class ServiceMount(Mount):
    """A mount that takes every path under its prefix, control characters included.

    Starlette matches the rest of a mounted path with ``.*``, which stops at a newline: a request
    for ``/api/ai/v1/sessions/a%0Ab`` fell through to the dashboard's plain-text 404 instead of
    reaching the AI service (which answers it in the API's JSON error shape).
    """

    def __init__(self, path: str, app: ASGIApp) -> None:
        super().__init__(path, app=app)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


def create_service_app(name: str, settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """One service's app by name (``auth``, ``users``, ``news``, ``trends``, ``ai``, ``web``)."""
    if name not in FACTORIES:
        raise ValueError(f"unknown service {name!r}; choose one of {', '.join(APPS)}")
    return FACTORIES[name](settings, runtime)


def create_combined_app(
    settings: Settings, runtime: Runtime, on_ready: Callable[[], None] | None = None
) -> Starlette:
    """Every service and the dashboard on one port, sharing ``runtime``."""
    apps = {name: factory(settings, runtime) for name, factory in FACTORIES.items()}
    runtime.clients.apps.update({k: v for k, v in apps.items() if k != "web"})
    jobs = [job for spec in SPECS.values() for job in spec.background]

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        tasks = await run_background(jobs, runtime)
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await stop_background(tasks)
            await runtime.clients.aclose()
            await runtime.aclose_resources()

    routes: list[BaseRoute] = [
        ServiceMount(f"/api/{name}", app) for name, app in apps.items() if name != "web"
    ]
    routes.append(Mount("/", app=apps["web"]))
    return Starlette(routes=routes, lifespan=lifespan)
