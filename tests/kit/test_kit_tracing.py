"""Tracing: one trace across the dashboard and the services it calls, exported over OTLP/HTTP."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from support import LiveServer
from trendpath.kit import tracing
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings


class _Collector(BaseHTTPRequestHandler):
    spans: ClassVar[list[object]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        req = ExportTraceServiceRequest()
        req.ParseFromString(body)
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                _Collector.spans.extend(ss.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_one_trace_spans_web_and_services(settings: Settings, database: Database) -> None:
    from trendpath.combined import create_combined_app

    collector = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}"
    traced = settings.model_copy(update={"otel_endpoint": endpoint})
    runtime = Runtime(settings=traced, db=database, clients=ServiceClients(traced))
    try:
        with LiveServer(create_combined_app(traced, runtime)) as server:
            resp = httpx.get(server.url + "/", timeout=30)
            assert resp.status_code == 200
        provider = tracing.configure_tracing(traced)
        assert provider is not None
        provider.force_flush()
    finally:
        collector.shutdown()
        tracing.configure_tracing(settings)  # tracing off again for later tests
    root = next(s for s in _Collector.spans if s.name == "GET web")
    # Background jobs trace too; keep the spans of the page request's trace.
    spans = [s for s in _Collector.spans if s.trace_id == root.trace_id]
    names = {s.name for s in spans}
    assert {"GET auth", "GET users", "GET news", "GET trends", "GET ai"} <= names
    server_spans = [s for s in spans if s.name == "GET trends" and s.kind == s.SPAN_KIND_SERVER]
    client_ids = {s.span_id for s in spans if s.kind == s.SPAN_KIND_CLIENT}
    assert server_spans and server_spans[0].parent_span_id in client_ids
