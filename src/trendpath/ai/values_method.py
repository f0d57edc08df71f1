"""Which value extractor the AI service runs: ``TRENDPATH_AI_VALUES_METHOD``, read once.

- ``lexicon`` (default): the offline extractor (:func:`trendpath.ai.values.extract_values`).
- ``llm``: the language model configured by ``TRENDPATH_AI_LLM_*`` analyses the conversation
  (:func:`trendpath.ai.values_llm.extract_values_llm`, which guards every answer).
- ``hybrid``: the model's scores, checked axis by axis against the lexicon: where the lexicon has
  evidence and the model points the other way, the lexicon's reading wins (it is transparent
  and tested on rejections); where both agree, their mean.

With ``llm`` and ``hybrid`` the values the person confirmed in the coach's summary keep their
places (:func:`agree_with_summary`): the summary the person saw was read by the lexicon during
the talk, and a model must not silently contradict what they confirmed or corrected.

A misconfigured or unreachable model makes readiness fail with one log line naming the
setting; with ``TRENDPATH_AI_LLM_FALLBACK=true`` the lexicon serves instead and every result
says so (``method="lexicon-fallback"``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from trendpath.ai.backend import backend_kind
from trendpath.ai.llm.base import LLMBackend, LLMUnavailable
from trendpath.ai.llm.factory import make_backend
from trendpath.ai.values import (
    EVIDENCE_CONFIDENCE,
    AxisScore,
    Turn,
    ValueScores,
    extract_values,
    with_summaries,
)
from trendpath.ai.values_llm import ValueExtractionError, extract_values_llm
from trendpath.ai.values_reader import reader
from trendpath.kit.errors import ApiError
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.kit.taxonomy import VALUE_AXES

log = logging.getLogger(__name__)

SETTING = "TRENDPATH_AI_VALUES_METHOD"
FALLBACK = "lexicon-fallback"


@dataclass
class ValuesMethod:
    """The configured method, its model (for ``llm``/``hybrid``) and why it cannot serve."""

    name: str = "lexicon"
    backend: LLMBackend | None = None
    problem: str | None = None
    fallback: bool = False
    stats: dict[str, int] = field(default_factory=lambda: {"llm": 0, "fallback": 0})

    def readiness(self) -> tuple[str | None, dict[str, Any]]:
        """A problem that makes the service unready (None when it can serve) and the details.

        A server that answered at start-up is asked again (``GET /v1/models``), so a model
        that went away shows here too.
        """
        problem = self.problem or self._probe()
        serving = self.name if problem is None else (FALLBACK if self.fallback else "unavailable")
        details: dict[str, Any] = {"configured": self.name, "serving": serving, **self.stats}
        details["reader"] = reader().describe()
        if problem:
            details["problem"] = problem
        if serving == "unavailable":
            return f"{SETTING}={self.name}: {problem}", details
        return None, details

    def _probe(self) -> str | None:
        probe = getattr(self.backend, "probe", None)
        if probe is None:
            return None
        try:
            probe()
        except LLMUnavailable as exc:
            return f"the language model is unavailable: {exc}"
        return None

    async def ascore(self, turns: Sequence[Turn]) -> ValueScores:
        """Value scores by the configured method (503 when its model cannot serve)."""
        lexicon = extract_values(turns)
        if self.name == "lexicon":
            return lexicon
        if self.backend is None:
            if not self.fallback:
                raise ApiError(503, "unavailable", f"{SETTING}={self.name}: {self.problem}")
            self.stats["fallback"] += 1
            return lexicon.model_copy(update={"method": FALLBACK})
        try:
            scores = await extract_values_llm(turns, self.backend, fallback=self.fallback)
        except ValueExtractionError as exc:
            raise ApiError(503, "unavailable", f"{SETTING}={self.name}: {exc}") from exc
        if scores.method == FALLBACK:
            self.stats["fallback"] += 1
            return scores
        self.stats["llm"] += 1
        if self.name == "hybrid":
            scores = combine(scores, lexicon)
        return agree_with_summary(scores, lexicon, turns)

    def score(self, turns: Sequence[Turn]) -> ValueScores:
        """:meth:`ascore` for worker threads (no event loop of their own is running there)."""
        if self.name == "lexicon":
            return extract_values(turns)
        return asyncio.run(self.ascore(turns))


def combine(model: ValueScores, lexicon: ValueScores) -> ValueScores:
    """The hybrid's agreement check, axis by axis.

    Where the lexicon has evidence and the model points to the other side of neutral, the
    lexicon wins; where both have evidence on the same side, their mean; elsewhere the model.
    """
    axes: dict[str, AxisScore] = {}
    for axis in VALUE_AXES:
        m, lx = model.axes[axis], lexicon.axes[axis]
        if lx.confidence < EVIDENCE_CONFIDENCE:
            axes[axis] = m
        elif (m.score - 0.5) * (lx.score - 0.5) < 0 or m.confidence < EVIDENCE_CONFIDENCE:
            axes[axis] = lx
        else:
            axes[axis] = AxisScore(
                score=round((m.score + lx.score) / 2, 4),
                confidence=round(max(m.confidence, lx.confidence), 4),
                evidence=list(dict.fromkeys([*lx.evidence, *m.evidence]))[:3],
            )
    return with_summaries(axes, "hybrid")


def agree_with_summary(
    scores: ValueScores, lexicon: ValueScores, turns: Sequence[Turn]
) -> ValueScores:
    """Keep the values the person confirmed (or corrected) in the summary where they put them.

    The coach's summary names the lexicon's two strongest values and the weakest one, and the
    person confirms or corrects it (a correction is read by the lexicon too). If the talk
    reached the summary, those axes take the lexicon's reading, every other axis is kept below
    the confirmed strongest and above the confirmed weakest.
    """
    if not any(t.role == "user" and t.stage == "summary" for t in turns):
        return scores
    top, low = lexicon.strongest(2), lexicon.weakest()
    axes = dict(scores.axes)
    for axis in [*top, *([low] if low else [])]:
        axes[axis] = lexicon.axes[axis]
    others = [a for a in VALUE_AXES if a not in top and a != low]
    ceiling = min((axes[a].score for a in top), default=1.0) - 0.01
    floor = axes[low].score + 0.01 if low else 0.0
    for axis in others:
        clamped = min(ceiling, max(floor, axes[axis].score))
        if clamped != axes[axis].score:
            axes[axis] = axes[axis].model_copy(update={"score": round(clamped, 4)})
    return with_summaries(axes, scores.method)


def build_values_method(settings: Settings) -> ValuesMethod:
    """Build the configured method once; a model that cannot serve is logged once, by name."""
    name = settings.ai_values_method
    fallback = settings.ai_llm_fallback
    if name == "lexicon":
        return ValuesMethod()
    kind = backend_kind(settings)
    try:
        if kind == "scripted":
            raise ValueError(
                "no language model is configured (set TRENDPATH_AI_LLM_BASE_URL and "
                "TRENDPATH_AI_LLM_MODEL, or TRENDPATH_AI_LLM_MODEL_PATH)"
            )
        backend = make_backend(
            kind,
            base_url=settings.ai_llm_base_url,
            model=settings.ai_llm_model,
            api_key=settings.ai_llm_api_key,
            timeout=settings.ai_llm_timeout_s,
            model_path=settings.ai_llm_model_path,
            adapter_path=settings.ai_llm_adapter_path,
            load_in_4bit=settings.ai_llm_4bit,
        )
    except (ValueError, LLMUnavailable) as exc:
        then = "the lexicon serves instead" if fallback else "the AI service is not ready"
        log.error("%s=%s: the language model cannot serve (%s); %s", SETTING, name, exc, then)
        return ValuesMethod(name=name, problem=str(exc), fallback=fallback)
    return ValuesMethod(name=name, backend=backend, fallback=fallback)


async def values_method(runtime: Runtime) -> ValuesMethod:
    """:func:`values_method_of` from async code (the first call may probe a server)."""
    method = runtime.extras.get("ai.values")
    if isinstance(method, ValuesMethod):
        return method
    return await run_in_threadpool(values_method_of, runtime)


def values_method_of(runtime: Runtime) -> ValuesMethod:
    """The process-wide values method (built on first use: probing a server takes a moment)."""
    method = runtime.extras.get("ai.values")
    if isinstance(method, ValuesMethod):
        return method
    method = build_values_method(runtime.settings)
    runtime.extras["ai.values"] = method
    return method
