"""Choose an LLM backend from settings, check it can work, and fall back only when told to.

``make_backend`` fails fast with a clear :class:`LLMUnavailable` when the server is dead or the
model path is missing. With ``fallback_to_scripted=True`` it instead returns a
:class:`FallbackBackend` that uses the real backend whenever it answers and the scripted
interviewer whenever it does not — at start-up and at every later call.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal, get_args

from trendpath.ai.llm.base import ChatMessage, LLMBackend, LLMError, LLMUnavailable
from trendpath.ai.llm.openai_compat import OpenAICompatBackend
from trendpath.ai.llm.scripted import ScriptedBackend

log = logging.getLogger(__name__)

BackendKind = Literal["scripted", "openai", "transformers"]
BACKEND_KINDS: tuple[str, ...] = get_args(BackendKind)


class FallbackBackend:
    """Try ``primary``; on any :class:`LLMError` answer with ``fallback`` and remember why."""

    def __init__(self, primary: LLMBackend | None, fallback: LLMBackend, reason: str = "") -> None:
        self.primary = primary
        self.fallback = fallback
        self.last_error: str | None = reason or None
        self.name = f"{primary.name if primary else 'none'}+{fallback.name}"

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> str:
        """The primary's reply, or the fallback's when the primary fails."""
        if self.primary is not None:
            try:
                text = await self.primary.complete(
                    messages, max_tokens=max_tokens, temperature=temperature, stop=stop
                )
                self.last_error = None
                return text
            except LLMError as exc:
                self._note(exc)
        return await self.fallback.complete(
            messages, max_tokens=max_tokens, temperature=temperature, stop=stop
        )

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> AsyncIterator[str]:
        """Stream from the primary; switch to the fallback only if nothing was sent yet."""
        sent = False
        if self.primary is not None:
            try:
                async for chunk in self.primary.stream(
                    messages, max_tokens=max_tokens, temperature=temperature, stop=stop
                ):
                    sent = True
                    yield chunk
                self.last_error = None
                return
            except LLMError as exc:
                if sent:
                    raise
                self._note(exc)
        async for chunk in self.fallback.stream(
            messages, max_tokens=max_tokens, temperature=temperature, stop=stop
        ):
            yield chunk

    def _note(self, exc: LLMError) -> None:
        self.last_error = str(exc)
        log.warning("LLM backend failed, using %s instead: %s", self.fallback.name, exc)


def make_backend(
    kind: str,
    *,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    timeout: float = 60.0,
    model_path: str | Path | None = None,
    adapter_path: str | Path | None = None,
    load_in_4bit: bool = False,
    device: str = "cpu",
    fallback_to_scripted: bool = False,
    probe: bool = True,
) -> LLMBackend:
    """Build the backend named by ``kind`` (``scripted``, ``openai`` or ``transformers``).

    Misconfiguration (unknown kind, missing URL/model name) is always a ``ValueError``. An
    unreachable server (checked with ``GET /v1/models`` when ``probe``) or a missing model path
    is an :class:`LLMUnavailable`, unless ``fallback_to_scripted`` is set.
    """
    if kind not in BACKEND_KINDS:
        raise ValueError(f"unknown LLM backend {kind!r}; choose one of {', '.join(BACKEND_KINDS)}")
    if kind == "scripted":
        return ScriptedBackend()
    primary: LLMBackend | None = None
    try:
        if kind == "openai":
            primary = _openai(base_url, model, api_key, timeout, probe)
        else:
            primary = _transformers(model_path, adapter_path, load_in_4bit, device)
    except LLMUnavailable as exc:
        if not fallback_to_scripted:
            raise
        log.warning("LLM backend %s unavailable, falling back to scripted: %s", kind, exc)
        return FallbackBackend(None, ScriptedBackend(), reason=str(exc))
    if fallback_to_scripted:
        return FallbackBackend(primary, ScriptedBackend())
    return primary


def _openai(
    base_url: str | None, model: str | None, api_key: str | None, timeout: float, probe: bool
) -> OpenAICompatBackend:
    if not base_url or not model:
        raise ValueError("the openai backend needs both a base URL and a model name")
    backend = OpenAICompatBackend(base_url, model, api_key=api_key, timeout=timeout)
    if probe:
        served = backend.probe()
        if served and model not in served:
            log.warning("model %r not listed by %s (serves %s)", model, backend.root, served)
    return backend


def _transformers(
    model_path: str | Path | None, adapter_path: str | Path | None, load_in_4bit: bool, device: str
) -> LLMBackend:
    if not model_path:
        raise ValueError("the transformers backend needs a local model path")
    from trendpath.ai.llm.local import TransformersBackend

    return TransformersBackend(model_path, adapter_path, load_in_4bit=load_in_4bit, device=device)
