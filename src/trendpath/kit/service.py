"""Assembly of a service app: the same middleware, errors, health and readiness for all five.

Each service's ``app.py`` declares a :class:`ServiceSpec` and calls :func:`build_app`. With a
``Runtime`` given (``trendpath run`` shares one between all services) the app uses it; without one
the app opens its own in its lifespan and closes it on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trendpath import __version__
from trendpath.kit.errors import (
    document_common_errors,
    error_body,
    error_response,
    install_error_handlers,
)
from trendpath.kit.logs import RequestIdMiddleware
from trendpath.kit.metrics import MetricsMiddleware, metrics_endpoint, watch_pool
from trendpath.kit.migrate import at_head
from trendpath.kit.runtime import Runtime, open_runtime
from trendpath.kit.settings import Settings
from trendpath.kit.tracing import TracingMiddleware, configure_tracing

log = logging.getLogger(__name__)

BackgroundJob = Callable[[Runtime], Awaitable[None]]
ReadinessCheck = Callable[[Runtime], Awaitable[tuple[str | None, dict[str, Any]]]]
"""A service's own readiness check: a problem (None when fine) and details for ``/readyz``."""
T = TypeVar("T")


@dataclass(frozen=True)
class ServiceSpec:
    """What makes one service: its name, docs, routers and background jobs."""

    name: str
    title: str
    description: str
    routers: Sequence[APIRouter] = ()
    background: Sequence[BackgroundJob] = field(default_factory=tuple)
    readiness: Mapping[str, ReadinessCheck] = field(default_factory=dict)


class BodyLimitMiddleware:
    """Refuse request bodies over the cap (declared or streamed) with 413, before parsing.

    A body is read up to the cap before the app sees it, then replayed; later ``receive`` calls
    (e.g. disconnect detection during a streamed reply) pass through.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(scope, receive, send)
            return
        if declared in (None, b"0") and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body larger than {self.max_bytes} bytes"
        response = error_response(413, "payload_too_large", message)
        await response(scope, receive, send)


def _health_router(name: str, checks: Mapping[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name, "version": __version__}

    router.add_api_route(
        "/metrics",
        metrics_endpoint,
        methods=["GET"],
        include_in_schema=False,
        summary="Prometheus metrics",
    )

    @router.get("/readyz", summary="Readiness: database reachable and migrations at head")
    async def readyz(request: Request) -> Any:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        if runtime is None:
            return JSONResponse(error_body("unavailable", "starting"), status_code=503)
        problem = await run_in_threadpool(_readiness_problem, runtime)
        if problem is not None:
            return JSONResponse(error_body("unavailable", problem), status_code=503)
        details: dict[str, Any] = {}
        for key, check in checks.items():
            issue, details[key] = await check(runtime)
            problem = problem or issue
        if problem is not None:
            return JSONResponse(error_body("unavailable", problem, details), status_code=503)
        ready = {"status": "ready", "service": name, "database": "ok", "migrations": "head"}
        return {**ready, "details": details} if details else ready

    return router


def _readiness_problem(runtime: Runtime) -> str | None:
    try:
        with runtime.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            if not at_head(conn):
                return "database schema is not at the latest migration (run `trendpath migrate`)"
    except SQLAlchemyError as exc:
        log.warning("readiness check failed", extra={"error": str(exc).splitlines()[0]})
        return "database unreachable"
    return None


def attach_runtime(app: FastAPI, runtime: Runtime) -> None:
    """Make ``runtime`` (and its database) available to the app's handlers."""
    app.state.runtime = runtime
    app.state.db = runtime.db
    watch_pool(runtime.db.pool_status)


JOB_RESTART_MIN_S = 1.0
JOB_RESTART_MAX_S = 300.0


def _database_unavailable(exc: BaseException) -> bool:
    """A connection that could not be made or was lost, or a statement that timed out: expected
    while PostgreSQL restarts or a long lock is held, and not worth a traceback."""
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, OperationalError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


async def guard_job(
    job: BackgroundJob,
    runtime: Runtime,
    *,
    min_delay_s: float = JOB_RESTART_MIN_S,
    max_delay_s: float = JOB_RESTART_MAX_S,
) -> None:
    """Run a background job for the life of the process, restarting it after it fails.

    A job that ends by an exception is restarted after a delay that doubles up to ``max_delay_s``
    (reset once it has run longer than that): a database restart or a bug hit by one bad row
    must not stop the job for good. A lost database connection is logged as one warning line;
    anything else once with its traceback. A job that returns normally is done.
    """
    name = getattr(job, "__qualname__", repr(job))
    delay = min_delay_s
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        try:
            await job(runtime)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if loop.time() - started > max_delay_s:
                delay = min_delay_s
            if _database_unavailable(exc):
                reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
                log.warning(
                    "background job: database unavailable or timed out; restarting",
                    extra={"job": name, "reason": reason, "retry_in_s": delay},
                )
            else:
                log.exception(
                    "background job crashed; restarting", extra={"job": name, "retry_in_s": delay}
                )
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay_s)


async def run_background(
    jobs: Sequence[BackgroundJob], runtime: Runtime
) -> list[asyncio.Task[None]]:
    """Start background jobs as tasks, each restarted by :func:`guard_job` when it fails.

    ``TRENDPATH_BACKGROUND_JOBS=false`` starts none (tests drive jobs explicitly; a deployment
    may run them as separate worker processes instead).
    """
    if not runtime.settings.background_jobs:
        return []
    return [asyncio.create_task(guard_job(job, runtime)) for job in jobs]


async def run_abandonable(
    func: Callable[..., T],
    *args: Any,
    on_cancel: Callable[[], None] | None = None,
    grace_s: float = 10.0,
) -> T:
    """Run blocking work in a daemon thread; cancelling the caller abandons it.

    For long jobs (model training) in background tasks: Starlette's thread pool cannot be
    cancelled and its threads are joined at exit, so Ctrl+C would wait for training to end.
    An abandoned job's open transaction is rolled back when the process exits.

    ``on_cancel`` asks the job to stop (e.g. sets an event its loop checks); the caller then
    waits up to ``grace_s`` for the thread to return. A thread still inside native code (a torch
    step) while the interpreter shuts down aborts the process, so a job that can stop, should.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(setter: Callable[[Any], None], value: Any) -> None:
        if not future.done():
            setter(value)

    def target() -> None:
        try:
            result = func(*args)
        except BaseException as exc:  # handed to the awaiting task
            outcome: tuple[Callable[[Any], None], Any] = (future.set_exception, exc)
        else:
            outcome = (future.set_result, result)
        # A closed loop means nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *outcome)

    thread = threading.Thread(target=target, daemon=True, name=f"job-{func.__name__}")
    thread.start()
    try:
        return await future
    except asyncio.CancelledError:
        if on_cancel is not None:
            on_cancel()
            thread.join(grace_s)  # blocks the loop briefly, but only while shutting down
        raise


async def stop_background(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel background tasks and wait for them to finish."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def build_app(spec: ServiceSpec, settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """A FastAPI app for ``spec`` with the shared middleware, error shape and health routes.

    With ``runtime`` the caller owns it; without, the app opens one at start-up and closes it at
    shutdown. Either way a top-level app runs the spec's background jobs during its lifespan.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            # The caller owns the runtime. Mounted sub-apps never get here (Starlette does not
            # forward lifespan to mounts), so jobs run once: here for `serve`, in the parent
            # app for `run`.
            shared = await run_background(spec.background, runtime)
            try:
                yield
            finally:
                await stop_background(shared)
                await runtime.clients.aclose()
                await runtime.aclose_resources()
            return
        own = await run_in_threadpool(open_runtime, settings, spec.name)
        attach_runtime(app, own)
        tasks = await run_background(spec.background, own)
        try:
            yield
        finally:
            await stop_background(tasks)
            await own.clients.aclose()
            await own.aclose_resources()
            await run_in_threadpool(own.close)

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.service = spec.name
    if runtime is not None:
        attach_runtime(app, runtime)
    install_error_handlers(app)
    app.include_router(_health_router(spec.name, spec.readiness))
    for router in spec.routers:
        app.include_router(router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(MetricsMiddleware, service=spec.name)
    if configure_tracing(settings) is not None:
        app.add_middleware(TracingMiddleware, service=spec.name)
    app.add_middleware(RequestIdMiddleware, service=spec.name)
    _document_errors(app)
    return app


def _document_errors(app: FastAPI) -> None:
    """Make ``/openapi.json`` declare the errors kit itself answers (see document_common_errors)."""
    generate = app.openapi
    documented: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = generate()
        if not any(d is schema for d in documented):  # FastAPI regenerates when routes change
            documented[:] = [document_common_errors(schema)]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
