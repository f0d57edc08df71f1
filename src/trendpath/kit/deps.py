"""Request dependencies every service shares, as ``Annotated`` aliases (FastAPI's DI).

A route asks for what it needs by type instead of digging it out of the request::

    @router.get("/things")
    def things(runtime: RuntimeDep, settings: SettingsDep, session: SessionDep) -> ...: ...

``runtime_of`` / ``settings_of`` stay plain functions for code that already holds a request (the
dashboard's helpers, middleware). ``SessionDep`` (kit.db) and ``CurrentUser`` /
``CurrentPrincipal`` (kit.auth) are the other shared dependencies.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings


def runtime_of(request: Request) -> Runtime:
    """The runtime serving this request."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def settings_of(request: Request) -> Settings:
    """The settings of the app serving this request."""
    settings: Settings = request.app.state.settings
    return settings


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]
