"""LLM backends behind one interface: OpenAI-compatible server, local transformers, scripted."""

from trendpath.ai.llm.base import (
    LLAMA3_STOP,
    ChatMessage,
    LLMBackend,
    LLMError,
    LLMResponseError,
    LLMUnavailable,
)

__all__ = [
    "LLAMA3_STOP",
    "ChatMessage",
    "LLMBackend",
    "LLMError",
    "LLMResponseError",
    "LLMUnavailable",
]
