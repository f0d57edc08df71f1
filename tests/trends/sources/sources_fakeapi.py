"""A real HTTP server on 127.0.0.1 standing in for the public APIs in the source tests.

Routes map a path to a handler that sees the parsed request and returns a :class:`Reply`;
scripted replies (``api.script(path, ...)``) are served first, in order, which is how tests make
an API fail before it answers. Every request is logged with its arrival time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from trendpath.kit.settings import Settings
from trendpath.trends.catalog import Trend, catalog_by_slug

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> bytes:
    """The bytes of a recorded response under ``fixtures/``."""
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass(frozen=True)
class Reply:
    """What to answer: status, body, headers, and an optional delay before answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


Handler = Callable[[Request], Reply]


def xml(body: bytes) -> Reply:
    """A 200 XML reply."""
    return Reply(200, body, {"Content-Type": "application/xml;charset=UTF-8"})


def json_reply(body: bytes, status: int = 200) -> Reply:
    """A JSON reply."""
    return Reply(status, body, {"Content-Type": "application/json;charset=UTF-8"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        api: FakeApi = self.server.api  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            at=time.monotonic(),
        )
        reply = api.answer(request)
        if reply.delay_s:
            time.sleep(reply.delay_s)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    do_GET = _serve
    do_POST = _serve

    def log_message(self, *args: Any) -> None:
        pass


class FakeApi:
    """Threaded HTTP server with a route table, scripted replies and a request log."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.scripted: dict[str, list[Reply]] = defaultdict(list)
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.api = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def route(self, path: str, handler: Handler) -> None:
        """Answer requests to ``path`` with ``handler``."""
        self.routes[path] = handler

    def script(self, path: str, *replies: Reply) -> None:
        """Serve these replies, in order, before the route's handler takes over."""
        self.scripted[path].extend(replies)

    def answer(self, request: Request) -> Reply:
        """The reply to ``request`` (404 for unknown paths)."""
        with self._lock:
            self.requests.append(request)
            queue = self.scripted.get(request.path)
            if queue:
                return queue.pop(0)
        handler = self.routes.get(request.path)
        return handler(request) if handler else Reply(404, b"no route")

    def hits(self, path: str) -> list[Request]:
        """Requests received on ``path``."""
        return [r for r in self.requests if r.path == path]


# --- shared test data ------------------------------------------------------------------------


WEEKS = [dt.date(2025, 9, 1) + dt.timedelta(weeks=i) for i in range(6)]
"""The weeks the source tests ask for (Mondays 2025-09-01 .. 2025-10-06)."""


def catalog_trends(*slugs: str) -> list[Trend]:
    """Trends from the shipped catalog, in the given order."""
    by_slug = catalog_by_slug()
    return [by_slug[s] for s in slugs]


def source_settings(base: Settings | None = None, **overrides: Any) -> Settings:
    """``base`` (default: plain test settings, no database) with fields replaced and quick,
    unthrottled retries."""
    if base is None:
        base = Settings(env="test", log_json=False)
    fast = {
        "trend_source_timeout_s": 2.0,
        "trend_source_max_attempts": 3,
        "trend_source_backoff_base_s": 0.01,
        "trend_source_backoff_max_s": 0.05,
        "trend_naver_rps": 1000.0,
        "trend_kipris_rps": 1000.0,
        "trend_lawgo_rps": 1000.0,
        "trend_work24_rps": 1000.0,
    }
    return base.model_copy(update={**fast, **overrides})


def true_volume(keyword: str, week: dt.date) -> float:
    """Hidden weekly search counts of the simulated Naver; one keyword dwarfs the anchor."""
    seed = int(hashlib.sha256(keyword.encode()).hexdigest()[:8], 16)
    base = 50_000.0 if keyword == "생성형 AI" else 500.0 + seed % 20_000
    return base * (1.0 + 0.03 * ((week.toordinal() // 7 + seed) % 11))


def _ratio(volume: float, top: float) -> float | int:
    ratio = round(100 * volume / top, 5)
    return 100 if ratio == 100 else ratio  # recorded answers send the maximum as the integer 100


def simulated_datalab(request: Request) -> Reply:
    """Answer like DataLab: every ratio relative to the request's largest weekly count = 100.

    A simulation, not a recording (no weekly answer was found recorded): it answers in the shape
    of the recorded and documented ones (compact JSON, 5 decimals, the maximum as ``100``).
    """
    body = json.loads(request.body)
    start = dt.date.fromisoformat(body["startDate"])
    end = dt.date.fromisoformat(body["endDate"])
    weeks = [start + dt.timedelta(weeks=i) for i in range((end - start).days // 7 + 1)]
    volumes = {
        g["groupName"]: [sum(true_volume(k, w) for k in g["keywords"]) for w in weeks]
        for g in body["keywordGroups"]
    }
    top = max(max(v) for v in volumes.values())
    results = [
        {
            "title": g["groupName"],
            "keywords": g["keywords"],
            "data": [
                {"period": w.isoformat(), "ratio": _ratio(v, top)}
                for w, v in zip(weeks, volumes[g["groupName"]], strict=True)
            ],
        }
        for g in body["keywordGroups"]
    ]
    answer = {"startDate": body["startDate"], "endDate": body["endDate"], "timeUnit": "week"}
    text = json.dumps({**answer, "results": results}, ensure_ascii=False, separators=(",", ":"))
    return json_reply(text.encode())
