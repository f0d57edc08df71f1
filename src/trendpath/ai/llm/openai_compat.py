"""Client for any OpenAI-compatible chat server: vLLM, ``transformers serve``, Ollama, llama.cpp.

``base_url`` may be given with or without the trailing ``/v1``. Every call opens a short-lived
HTTP client, so a backend object can be shared across event loops (tests, workers) safely; the
connection set-up is negligible next to generation time.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

import certifi
import httpx

from trendpath.ai.llm.base import (
    ChatMessage,
    LLMResponseError,
    LLMUnavailable,
    StopScanner,
    cut_at_stop,
    merge_stops,
)

_MAX_ERROR_SNIPPET = 300


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """One TLS context per process: building it (loading CA certificates) costs ~100 ms."""
    return ssl.create_default_context(cafile=certifi.where())


def api_root(base_url: str) -> str:
    """Normalise a server URL to its ``/v1`` root (``http://h:8000`` → ``http://h:8000/v1``)."""
    url = base_url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"LLM base URL must start with http:// or https://, got {base_url!r}")
    return url if url.endswith("/v1") else url + "/v1"


class OpenAICompatBackend:
    """An :class:`~trendpath.ai.llm.base.LLMBackend` speaking ``/v1/chat/completions``."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        *,
        connect_timeout: float = 5.0,
        max_response_bytes: int = 4_000_000,
    ) -> None:
        self.root = api_root(base_url)
        self.model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._max_bytes = max_response_bytes

    def __repr__(self) -> str:
        return f"OpenAICompatBackend(root={self.root!r}, model={self.model!r})"

    def _payload(
        self, messages: list[ChatMessage], max_tokens: int, temperature: float, stop: list[str]
    ) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [m.to_dict() for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stop": stop,
        }

    def _unavailable(self, exc: Exception) -> LLMUnavailable:
        return LLMUnavailable(
            f"cannot reach the LLM server at {self.root} ({type(exc).__name__}: {exc}); "
            "is it running, and is the URL right?"
        )

    def _check_status(self, status: int, body: bytes) -> None:
        if status < 400:
            return
        snippet = body[:_MAX_ERROR_SNIPPET].decode("utf-8", "replace")
        if status in (401, 403):
            hint = "the server refused the API key"
        elif status == 404:
            hint = f"no such endpoint or model {self.model!r}"
        else:
            hint = "the server failed"
        raise LLMUnavailable(f"LLM server {self.root} answered HTTP {status}: {hint}: {snippet}")

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> str:
        """POST a non-streaming chat completion and return the assistant text."""
        stops = merge_stops(stop)
        payload = self._payload(messages, max_tokens, temperature, stops)
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout, headers=self._headers, verify=tls_context()
            ) as client:
                resp = await client.post(f"{self.root}/chat/completions", json=payload)
                body = resp.content[: self._max_bytes + 1]
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc
        self._check_status(resp.status_code, body)
        if len(body) > self._max_bytes:
            raise LLMResponseError(f"LLM response larger than {self._max_bytes} bytes")
        return cut_at_stop(_message_text(body), stops)[0]

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> AsyncIterator[str]:
        """POST a streaming chat completion and yield text deltas from its SSE events."""
        stops = merge_stops(stop)
        payload = self._payload(messages, max_tokens, temperature, stops) | {"stream": True}
        scanner = StopScanner(stops)
        try:
            async with (
                httpx.AsyncClient(
                    timeout=self._timeout, headers=self._headers, verify=tls_context()
                ) as client,
                client.stream("POST", f"{self.root}/chat/completions", json=payload) as resp,
            ):
                if resp.status_code >= 400:
                    self._check_status(resp.status_code, await resp.aread())
                received = 0
                async for line in resp.aiter_lines():
                    received += len(line)
                    if received > self._max_bytes:
                        raise LLMResponseError(f"LLM stream larger than {self._max_bytes} bytes")
                    delta = _sse_delta(line)
                    if delta is None:
                        break
                    out = scanner.feed(delta)
                    if out:
                        yield out
                    if scanner.stopped:
                        break
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc
        tail = scanner.flush()
        if tail:
            yield tail

    def probe(self) -> list[str]:
        """Check that ``GET /v1/models`` answers; return the served model ids."""
        try:
            with httpx.Client(
                timeout=self._timeout, headers=self._headers, verify=tls_context()
            ) as client:
                resp = client.get(f"{self.root}/models")
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc
        self._check_status(resp.status_code, resp.content)
        try:
            data = resp.json().get("data", [])
            return [str(m.get("id")) for m in data if isinstance(m, dict)]
        except (ValueError, AttributeError) as exc:
            raise LLMResponseError(f"{self.root}/models did not return a model list") from exc


def _message_text(body: bytes) -> str:
    """The assistant text of a non-streaming chat-completion body, checked step by step."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        snippet = body[:_MAX_ERROR_SNIPPET].decode("utf-8", "replace")
        raise LLMResponseError(f"LLM server returned non-JSON: {snippet!r}") from exc
    if not isinstance(data, dict):
        raise LLMResponseError("LLM server returned JSON that is not an object")
    if "error" in data:
        raise LLMResponseError(f"LLM server returned an error: {str(data['error'])[:300]}")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise LLMResponseError("LLM response has no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise LLMResponseError("LLM response choice has no message")
    content = message.get("content")
    if content is None:
        return ""
    if not isinstance(content, str):
        raise LLMResponseError("LLM response content is not text")
    return content


def _sse_delta(line: str) -> str | None:
    """Text delta of one SSE line: '' for comments/keep-alives/role-only events, None at [DONE]."""
    line = line.strip()
    if not line.startswith("data:"):
        return ""
    data = line[5:].strip()
    if data == "[DONE]":
        return None
    try:
        event = json.loads(data)
    except ValueError as exc:
        raise LLMResponseError(f"malformed SSE event from LLM server: {data[:200]!r}") from exc
    if not isinstance(event, dict):
        raise LLMResponseError("SSE event is not a JSON object")
    if "error" in event:
        raise LLMResponseError(f"LLM server stream error: {str(event['error'])[:300]}")
    choices = event.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return ""
    delta = choices[0].get("delta") or {}
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""
