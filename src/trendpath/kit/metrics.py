"""Prometheus metrics for every service: request rate/latency/errors, DB pool, app gauges.

One registry per process. In ``trendpath run`` all services share it and every series carries a
``service`` label, so ``/api/<service>/metrics`` of any one service shows the whole process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "trendpath_http_requests_total",
    "HTTP requests by service, method, route template and status code.",
    ("service", "method", "route", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "trendpath_http_request_duration_seconds",
    "Time to the end of the response, by service, method and route template.",
    ("service", "method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "trendpath_http_requests_in_flight",
    "Requests being served now.",
    ("service",),
    registry=REGISTRY,
)
MODEL_VERSION = Gauge(
    "trendpath_model_version_info",
    "The model version each component serves (value 1; the version is a label).",
    ("component", "version"),
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "trendpath_queue_depth",
    "Work waiting in a queue (e.g. feeds due for a fetch).",
    ("queue",),
    registry=REGISTRY,
)


class PoolCollector(Collector):
    """Connection-pool gauges read at scrape time from a callable (one per process)."""

    def __init__(self, status: Callable[[], dict[str, int]]) -> None:
        self.status = status

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield size / checked-out / overflow of the pool."""
        family = GaugeMetricFamily(
            "trendpath_db_pool_connections", "Database pool connections by state.", labels=["state"]
        )
        for state, value in self.status().items():
            family.add_metric([state], float(value))
        yield family


_pool_collector: PoolCollector | None = None


def watch_pool(status: Callable[[], dict[str, int]]) -> None:
    """Report this process's pool in /metrics (the latest runtime wins)."""
    global _pool_collector
    if _pool_collector is not None:
        _pool_collector.status = status
        return
    _pool_collector = PoolCollector(status)
    REGISTRY.register(_pool_collector)


def set_model_version(component: str, version: str) -> None:
    """Record which model version ``component`` serves (replacing the previous one)."""
    # prometheus_client has no public way to list a family's children.
    for labels in list(MODEL_VERSION._metrics):
        if labels[0] == component:
            MODEL_VERSION.remove(*labels)
    MODEL_VERSION.labels(component, version).set(1)


class MetricsMiddleware:
    """Pure ASGI middleware timing every request by its route template (bounded cardinality)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        outer_route = scope.get("route")  # the parent's Mount in `trendpath run`
        gauge = IN_FLIGHT.labels(self.service)
        gauge.inc()
        try:
            await self.app(scope, receive, send_and_record)
        finally:
            gauge.dec()
            route = scope.get("route")
            matched = route is not None and route is not outer_route
            template = getattr(route, "path", None) if matched else None
            template = template or "unmatched"
            method = scope.get("method", "GET")
            REQUESTS.labels(self.service, method, template, str(status)).inc()
            LATENCY.labels(self.service, method, template).observe(time.perf_counter() - started)


async def metrics_endpoint(_: Request) -> Response:
    """The Prometheus text exposition of this process."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
