"""The coach's LLM backend, built once per process from settings."""

from __future__ import annotations

from trendpath.ai.coach import Coach
from trendpath.ai.llm.base import LLMUnavailable
from trendpath.ai.llm.factory import make_backend
from trendpath.kit.errors import ApiError
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings


def backend_kind(settings: Settings) -> str:
    """Resolve ``auto``: a configured server, else a local model, else the scripted coach."""
    if settings.ai_llm_backend != "auto":
        return settings.ai_llm_backend
    if settings.ai_llm_base_url:
        return "openai"
    if settings.ai_llm_model_path:
        return "transformers"
    return "scripted"


def coach_of(runtime: Runtime) -> Coach:
    """The process-wide coach (its backend loads once: model weights are expensive)."""
    coach = runtime.extras.get("ai.coach")
    if isinstance(coach, Coach):
        return coach
    s = runtime.settings
    try:
        backend = make_backend(
            backend_kind(s),
            base_url=s.ai_llm_base_url,
            model=s.ai_llm_model,
            api_key=s.ai_llm_api_key,
            timeout=s.ai_llm_timeout_s,
            model_path=s.ai_llm_model_path,
            adapter_path=s.ai_llm_adapter_path,
            load_in_4bit=s.ai_llm_4bit,
            fallback_to_scripted=s.ai_llm_fallback,
        )
    except LLMUnavailable as exc:
        raise ApiError(
            503, "unavailable", f"the coach's language model is unavailable: {exc}"
        ) from exc
    coach = Coach(backend)
    runtime.extras["ai.coach"] = coach
    return coach
