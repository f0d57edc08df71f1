"""A real HTTP server on 127.0.0.1 that replays recorded OpenAI-style responses (for tests).

Responses are queued per (method, path) and served in order; the last one repeats when the queue
runs dry. Every request is recorded (method, path, headers, JSON body) so tests can check what our
clients actually sent. This replaces a remote LLM server, not any of our own code.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    """One canned response: status, raw body or JSON, or SSE events; optional delay."""

    status: int = 200
    json_body: Any = None
    raw: bytes | None = None
    sse: list[str] | None = None
    delay: float = 0.0


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class RecordedServer:
    """Start with ``with RecordedServer() as srv:``; queue responses with :meth:`add`."""

    routes: dict[tuple[str, str], list[Recorded]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)

    def add(self, method: str, path: str, response: Recorded) -> RecordedServer:
        """Queue a response for ``method path``."""
        self.routes.setdefault((method, path), []).append(response)
        return self

    def _next(self, method: str, path: str) -> Recorded | None:
        queue = self.routes.get((method, path))
        if not queue:
            return None
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def __enter__(self) -> RecordedServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                server.requests.append(Seen(method, self.path, dict(self.headers), body))
                rec = server._next(method, self.path)
                if rec is None:
                    self.send_response(404)
                    self.end_headers()
                    self.wfile.write(b'{"error": "no such route"}')
                    return
                time.sleep(rec.delay)
                if rec.sse is not None:
                    self._stream(rec)
                    return
                payload = rec.raw if rec.raw is not None else json.dumps(rec.json_body).encode()
                self.send_response(rec.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, rec: Recorded) -> None:
                self.send_response(rec.status)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for event in rec.sse or []:
                    self.wfile.write(f"{event}\n\n".encode())
                    self.wfile.flush()

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        """Base URL without ``/v1``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"


def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def chat_completion(content: str, model: str = "coach") -> dict[str, Any]:
    """A chat-completion body as vLLM / transformers serve return it."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1764000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def chat_chunks(pieces: list[str], model: str = "coach") -> list[str]:
    """SSE ``data:`` lines of a streamed completion: role, content pieces, finish, [DONE]."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        body = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1764000000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return "data: " + json.dumps(body, ensure_ascii=False)

    events = [": keep-alive", chunk({"role": "assistant"})]
    events += [chunk({"content": p}) for p in pieces]
    events += [chunk({}, "stop"), "data: [DONE]"]
    return events


def models_list(*ids: str) -> dict[str, Any]:
    """A ``GET /v1/models`` body."""
    return {"object": "list", "data": [{"id": i, "object": "model"} for i in ids]}
