"""The AI service's side of the persona space: embedding calls off the event loop."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from starlette.concurrency import run_in_threadpool

from trendpath.ai.embed import Encoder
from trendpath.ai.persona import (
    DEFAULT_CONFIG,
    PersonaInputs,
    PersonaVector,
    TrendInputs,
    build_persona_vector,
    build_trend_vector,
    default_encoder,
    persona_version,
)


def encoder() -> Encoder:
    """The process-wide text encoder (loaded once)."""
    return default_encoder()


def version(values_method: str = "lexicon") -> str:
    """The current persona-space version (construction + encoder + values method)."""
    return with_values_method(persona_version(encoder()), values_method)


def with_values_method(base: str, values_method: str) -> str:
    """The values method as part of the space version (issue 16).

    Value scores are a block of every persona, so switching ``TRENDPATH_AI_VALUES_METHOD``
    makes every stored persona (and trend vector) stale, and the re-embedding jobs rebuild
    them. The default lexicon adds nothing, so existing versions stay valid.
    """
    return base if values_method == "lexicon" else f"{base}+values-{values_method}"


def layout() -> dict[str, tuple[int, int]]:
    """Block name → (start, stop) dimensions."""
    return DEFAULT_CONFIG.ranges()


async def persona(inputs: PersonaInputs) -> PersonaVector:
    """Build a persona vector in a worker thread (morphology is CPU-bound)."""
    return await run_in_threadpool(build_persona_vector, inputs, encoder=encoder())


async def trends(items: Sequence[TrendInputs]) -> list[PersonaVector]:
    """Build trend vectors in a worker thread."""

    def build() -> list[PersonaVector]:
        return [build_trend_vector(t, encoder=encoder()) for t in items]

    return await run_in_threadpool(build)


async def texts(items: Sequence[str]) -> np.ndarray:
    """Raw text embeddings (unit rows) in a worker thread."""
    return await run_in_threadpool(encoder().encode, list(items))
