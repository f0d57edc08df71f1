"""The scripted backend: a deterministic interviewer that needs no model (the embedded default).

The coach (:mod:`trendpath.ai.coach`) plans every turn itself — stage, question, acknowledgement —
and writes that plan as a *draft* inside its system message. A real LLM is asked to say the draft
in its own warm words; this backend says the draft exactly. The coach therefore behaves the same,
question for question, with or without a model, and falls back to this backend cleanly.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from trendpath.ai.llm.base import ChatMessage, LLMUnavailable

DRAFT_OPEN = "<<다음 응답 초안>>"
DRAFT_CLOSE = "<</다음 응답 초안>>"
_DRAFT_RE = re.compile(re.escape(DRAFT_OPEN) + r"\n?(.*?)\n?" + re.escape(DRAFT_CLOSE), re.S)


def draft_block(text: str) -> str:
    """Wrap a planned reply so that :func:`extract_draft` (and so this backend) can find it."""
    return f"{DRAFT_OPEN}\n{text}\n{DRAFT_CLOSE}"


def extract_draft(messages: list[ChatMessage]) -> str | None:
    """The planned reply from the latest system message that carries one, else None."""
    for message in reversed(messages):
        if message.role != "system":
            continue
        found = _DRAFT_RE.search(message.content)
        if found:
            return found.group(1).strip()
    return None


def strip_draft_markers(text: str) -> str:
    """Remove draft markers an LLM may have echoed back."""
    return text.replace(DRAFT_OPEN, "").replace(DRAFT_CLOSE, "").strip()


class ScriptedBackend:
    """An :class:`~trendpath.ai.llm.base.LLMBackend` that replays the coach's planned reply."""

    name = "scripted"

    def __init__(self, chunk_chars: int = 12) -> None:
        self.chunk_chars = max(1, chunk_chars)

    def _draft(self, messages: list[ChatMessage]) -> str:
        draft = extract_draft(messages)
        if draft is None:
            raise LLMUnavailable(
                "the scripted backend only renders coach drafts; no language model is configured "
                "for free-form requests"
            )
        return draft

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> str:
        """Return the coach's draft verbatim (sampling settings do not apply)."""
        return self._draft(messages)

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> AsyncIterator[str]:
        """Yield the draft in small chunks, the same shape streaming clients get from a model."""
        draft = self._draft(messages)
        for i in range(0, len(draft), self.chunk_chars):
            yield draft[i : i + self.chunk_chars]
