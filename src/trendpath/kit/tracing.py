"""OpenTelemetry tracing across service calls (OTLP over HTTP), off unless configured.

With ``TRENDPATH_OTEL_ENDPOINT`` set, every request gets a server span (continuing the caller's
W3C ``traceparent``), every call through ``kit.http`` a client span whose context travels in the
headers, and JSON log lines carry the trace id. Without it nothing is installed at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trendpath.kit.settings import Settings

_provider: TracerProvider | None = None
_endpoint: str | None = None


def configure_tracing(settings: Settings) -> TracerProvider | None:
    """Install the OTLP exporter once per process and endpoint; None when tracing is off."""
    global _provider, _endpoint
    if not settings.otel_endpoint:
        if _provider is not None:  # switched off (tests do this): stop exporting
            _provider.shutdown()
            _provider, _endpoint = None, None
        return None
    if _provider is not None and _endpoint == settings.otel_endpoint:
        return _provider
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    if _provider is not None:
        _provider.shutdown()
    resource = Resource.create({"service.name": settings.otel_service_name})
    provider = TracerProvider(resource=resource)
    exporter = OTLPSpanExporter(endpoint=settings.otel_endpoint.rstrip("/") + "/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    _provider, _endpoint = provider, settings.otel_endpoint
    return provider


def tracer() -> trace.Tracer | None:
    """Our tracer, or None when tracing is off."""
    return _provider.get_tracer("trendpath") if _provider is not None else None


def current_trace_id() -> str | None:
    """Hex trace id of the active span, for log lines."""
    ctx = trace.get_current_span().get_span_context()
    return f"{ctx.trace_id:032x}" if ctx.is_valid else None


@contextmanager
def client_span(service: str, method: str, path: str, headers: dict[str, str]) -> Iterator[None]:
    """A client span around a sibling-service call; injects ``traceparent`` into ``headers``."""
    t = tracer()
    if t is None:
        yield
        return
    with t.start_as_current_span(f"{method} {service}", kind=SpanKind.CLIENT) as span:
        span.set_attribute("http.request.method", method)
        span.set_attribute("peer.service", service)
        span.set_attribute("url.path", path)
        propagate.inject(headers)
        yield


class TracingMiddleware:
    """Server span per request, continuing the caller's trace context."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        t = tracer()
        if t is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        ctx = propagate.extract(carrier)
        name = f"{scope.get('method', 'GET')} {self.service}"
        with t.start_as_current_span(name, context=ctx, kind=SpanKind.SERVER) as span:
            span.set_attribute("service", self.service)
            span.set_attribute("http.request.method", scope.get("method", "GET"))
            span.set_attribute("url.path", scope.get("path", ""))

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    _record_status(span, message["status"])
                await send(message)

            await self.app(scope, receive, send_traced)
            route = scope.get("route")
            if route is not None and hasattr(route, "path"):
                span.set_attribute("http.route", route.path)


def _record_status(span: Span, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
