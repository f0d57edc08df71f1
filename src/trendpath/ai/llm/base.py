"""The one interface every LLM backend implements, its message type and its errors.

A backend turns a list of chat messages into text, either at once (:meth:`LLMBackend.complete`)
or as an async stream of text chunks (:meth:`LLMBackend.stream`). Backends never validate what the
text means: callers that expect JSON parse and check it themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]

LLAMA3_STOP: tuple[str, ...] = ("<|eot_id|>", "<|end_of_text|>")
"""Llama-3 end-of-turn and end-of-text markers; every backend stops on both."""


class LLMError(Exception):
    """Base class of all LLM backend errors."""


class LLMUnavailable(LLMError):
    """The backend cannot answer at all: dead server, missing model path, missing package."""


class LLMResponseError(LLMError):
    """The backend answered, but not in the protocol we speak (bad JSON, no choices, ...)."""


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One chat message in OpenAI shape."""

    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        """The message as the JSON object the chat-completions API expects."""
        return {"role": self.role, "content": self.content}


@runtime_checkable
class LLMBackend(Protocol):
    """Anything that can continue a chat: an OpenAI-compatible server, a local model, a script."""

    name: str

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> str:
        """Return the assistant's whole reply."""
        ...

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> AsyncIterator[str]:
        """Yield the assistant's reply in chunks as they are produced."""
        ...


def merge_stops(stop: Iterable[str] | None) -> list[str]:
    """The caller's stop strings plus the Llama-3 markers, deduplicated, order kept."""
    merged: list[str] = []
    for s in [*LLAMA3_STOP, *(stop or [])]:
        if s and s not in merged:
            merged.append(s)
    return merged


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """Cut ``text`` at the earliest stop string; the flag says whether one was found."""
    positions = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    if not positions:
        return text, False
    return text[: min(positions)], True


class StopScanner:
    """Client-side stop detection over a stream, holding back text that may begin a stop string.

    Servers are asked to stop themselves, but not all honour every stop string (some drop ones
    past the fourth), so streamed text is checked here too.
    """

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = [s for s in stops if s]
        self._hold = max((len(s) for s in self._stops), default=1) - 1
        self._buf = ""
        self.stopped = False

    def feed(self, chunk: str) -> str:
        """Add a chunk; return the text that is now safe to emit."""
        if self.stopped:
            return ""
        self._buf += chunk
        text, found = cut_at_stop(self._buf, self._stops)
        if found:
            self.stopped = True
            self._buf = ""
            return text
        if self._hold <= 0 or len(self._buf) <= self._hold:
            out, self._buf = ("", self._buf) if self._hold > 0 else (self._buf, "")
            return out
        out, self._buf = self._buf[: -self._hold], self._buf[-self._hold :]
        return out

    def flush(self) -> str:
        """Emit whatever is held back once the stream has ended."""
        out, self._buf = ("" if self.stopped else self._buf), ""
        return out
