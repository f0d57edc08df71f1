"""Article and query embeddings from the AI service's text encoder, over HTTP.

``POST /api/ai/v1/embed/texts`` (service scope ``ai:embed``) takes at most 64 texts and answers
``{"encoder", "dim", "vectors"}`` with unit rows. :class:`ServiceEncoder` batches, truncates long
texts to what the endpoint accepts, and refuses a dimension other than the ``article.embedding``
column's (``EMBED_DIM``): an operator who swaps the encoder gets articles without embeddings
(keyword tagging and keyword search still work), not a failing worker.

:meth:`ServiceEncoder.encode` is the synchronous ``news.tagging.TextEncoder`` protocol: it runs
the HTTP call on the event loop the encoder was built on and waits for it, so it must be called
from a worker thread (the tagger runs in one), never from the loop itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import numpy as np

from trendpath.kit.auth import service_tokens
from trendpath.kit.errors import ApiError
from trendpath.kit.runtime import Runtime
from trendpath.news.models import EMBED_DIM

BATCH = 64
MAX_CHARS = 8_000  # the endpoint takes 20,000; a news item's gist is in its first few thousand
CALL_TIMEOUT_S = 120.0


class EmbeddingUnavailable(Exception):
    """The AI service could not embed (unreachable, refused, or an incompatible encoder)."""


class ServiceEncoder:
    """``TextEncoder`` over the AI service (see the module docstring)."""

    def __init__(self, runtime: Runtime, loop: asyncio.AbstractEventLoop) -> None:
        self.runtime = runtime
        self.loop = loop
        self.dim = EMBED_DIM
        self.name: str | None = None

    @classmethod
    def here(cls, runtime: Runtime) -> ServiceEncoder:
        """An encoder bound to the running event loop."""
        return cls(runtime, asyncio.get_running_loop())

    async def _batch(self, texts: Sequence[str]) -> np.ndarray:
        body = {"texts": [t[:MAX_CHARS] for t in texts]}
        try:
            headers = await service_tokens(self.runtime, "news").headers(["ai:embed"])
            resp = await self.runtime.clients.request(
                "ai", "POST", "/v1/embed/texts", json=body, headers=headers
            )
        except ApiError as exc:
            raise EmbeddingUnavailable(exc.message) from exc
        if resp.status_code != 200:
            raise EmbeddingUnavailable(f"embed/texts: HTTP {resp.status_code}")
        data = resp.json()
        if int(data.get("dim", 0)) != self.dim:
            raise EmbeddingUnavailable(f"encoder dim {data.get('dim')} != {self.dim}")
        vectors = np.asarray(data["vectors"], dtype=np.float32)
        if vectors.shape != (len(texts), self.dim):
            raise EmbeddingUnavailable(f"embed/texts answered shape {vectors.shape}")
        self.name = str(data.get("encoder") or "")
        return vectors

    async def aencode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit rows for ``texts`` (zero rows for empty ones); raises EmbeddingUnavailable."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [await self._batch(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        return np.concatenate(parts)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Synchronous ``aencode`` for worker threads (see the module docstring)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            raise RuntimeError("ServiceEncoder.encode called on its own event loop; use aencode")
        future = asyncio.run_coroutine_threadsafe(self.aencode(list(texts)), self.loop)
        try:
            return future.result(timeout=CALL_TIMEOUT_S)
        except TimeoutError as exc:
            future.cancel()
            raise EmbeddingUnavailable(f"no embeddings within {CALL_TIMEOUT_S} s") from exc


class PrimedEncoder:
    """Serves texts embedded ahead of time, asking ``fallback`` only for the others.

    The worker embeds each new article once (the vector it stores), primes this encoder with those
    vectors and tags with it, so tagging does not embed every article a second time. The tagger
    keeps one encoder for its lifetime (its trend vectors come from the fallback), so priming is a
    per-batch call; callers serialise batches.
    """

    def __init__(self, fallback: ServiceEncoder) -> None:
        self.fallback = fallback
        self.primed: dict[str, np.ndarray] = {}

    def prime(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Replace the primed texts with ``vectors``."""
        self.primed = dict(vectors)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Rows for ``texts``, primed ones without a call."""
        missing = list(dict.fromkeys(t for t in texts if t not in self.primed))
        if missing:
            self.primed.update(zip(missing, self.fallback.encode(missing), strict=True))
        rows = [self.primed[t] for t in texts]
        return np.stack(rows) if rows else np.zeros((0, self.fallback.dim), dtype=np.float32)


def storable(vector: np.ndarray | None) -> np.ndarray | None:
    """The vector to store, or None for a missing or zero row (cosine is undefined for those)."""
    if vector is None or not np.any(vector):
        return None
    return vector
