"""A configured LLM speaks every reply, guarded: Korean, the same question, nothing invented.

Unit checks of the guard, streaming with recorded responses, and one end-to-end run: the tiny
local Llama behind a real ``transformers serve`` (OpenAI-compatible) server, the AI service
configured to use it, a reply streamed over SSE. The tiny model writes nonsense, so every reply
must fall back to the planner's draft, and the fallback must be counted and logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ai_recorded_server import Recorded, RecordedServer, chat_chunks, chat_completion

from support import LiveServer, free_port, new_user
from trendpath.ai.coach import COACH_SYSTEM_PROMPT, Coach, CoachEvent
from trendpath.ai.coach_guard import Sources, reply_problem
from trendpath.ai.coach_planner import CoachConfig, CoachState, UserContext
from trendpath.ai.llm.openai_compat import OpenAICompatBackend
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

CTX = UserContext(name="지수", status="job_seeker")
QUESTION = "3년 뒤 평일 하루를 떠올려 보면, 어떤 일을 하면서 어떤 하루를 보내고 있으면 좋겠어요?"
DRAFT = f"취업 준비에 대한 걱정이 있으시군요. {QUESTION}"
SOURCES = Sources(
    draft=DRAFT,
    question=QUESTION,
    options=(),
    said=("요즘 취업 준비가 걱정돼요", "지수님"),
    system_prompt=COACH_SYSTEM_PROMPT,
    max_chars=700,
)


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (f"지수님, 취업 준비 때문에 걱정이 많으시군요. {QUESTION}", None),
        ("I see. What would your day look like in three years?", "not Korean"),
        ("취업 준비가 걱정되시는군요. 천천히 이야기해 봐요.", "question dropped"),
        (f"지수님은 삼성에서 5년 일하셨죠. {QUESTION}", "invented"),
        (f"날씨 여행 음식 운동 영화 산책 계절 바다. {QUESTION}", "off"),
        ("가나다 라마 바사 아자?", "off topic"),
        ("", "empty"),
    ],
)
def test_the_guard_keeps_sensible_korean_rewrites_only(reply: str, problem: str | None) -> None:
    found = reply_problem(reply, SOURCES)
    assert (found is None) if problem is None else (found or "").startswith(problem)


async def _events(coach: Coach, state: CoachState, text: str) -> list[CoachEvent]:
    return [e async for e in coach.stream(state, text)]


def test_nonsense_from_the_model_is_never_shown_and_the_draft_streams_instead() -> None:
    state, _ = asyncio.run(Coach(config=CoachConfig(seed=5)).start(CTX))
    expected = asyncio.run(Coach().reply(state, "공부하면서 지내요"))[1].text
    with RecordedServer() as srv:
        srv.add("POST", "/v1/chat/completions", Recorded(sse=chat_chunks(["밥 밥 ", "밥. 아아"])))
        coach = Coach(OpenAICompatBackend(srv.url, "coach"))
        events = asyncio.run(_events(coach, state, "공부하면서 지내요"))
    assert [e.type for e in events] == ["delta", "done"]
    assert events[0].text == expected and coach.stats["model"] == 0
    assert sum(n for k, n in coach.stats.items() if k.startswith("draft:")) == 1


def test_a_good_rewrite_streams_sentence_by_sentence() -> None:
    state, _ = asyncio.run(Coach(config=CoachConfig(seed=5)).start(CTX))
    planned = asyncio.run(Coach().reply(state, "요즘 공부하면서 지내요"))[1].text
    question = planned.split(". ")[-1]
    pieces = ["지수님, 요즘 공부하면서 ", "지내고 계시는군요. ", question]
    with RecordedServer() as srv:
        srv.add("POST", "/v1/chat/completions", Recorded(sse=chat_chunks(pieces)))
        coach = Coach(OpenAICompatBackend(srv.url, "coach"))
        events = asyncio.run(_events(coach, state, "요즘 공부하면서 지내요"))
    kinds = [e.type for e in events]
    assert kinds[-1] == "done" and set(kinds[:-1]) == {"delta"} and len(kinds) >= 3
    assert events[0].text == "지수님, 요즘 공부하면서 지내고 계시는군요. "
    assert "".join(e.text for e in events[:-1]) == "".join(pieces)
    assert events[-1].reply is not None and events[-1].reply.text == "".join(pieces)
    assert coach.stats["model"] == 1


def test_a_slow_model_never_blocks_the_talk() -> None:
    state, _ = asyncio.run(Coach(config=CoachConfig(seed=5)).start(CTX))
    with RecordedServer() as srv:
        slow = Recorded(json_body=chat_completion("늦은 답"), delay=3.0)
        srv.add("POST", "/v1/chat/completions", slow)
        coach = Coach(OpenAICompatBackend(srv.url, "coach"), CoachConfig(render_timeout_s=0.5))
        _, reply = asyncio.run(coach.reply(state, "공부하면서 지내요"))
    assert "?" in reply.text and coach.stats["draft:error:"] == 1


@pytest.fixture
def tiny_server(tmp_path: Path) -> Iterator[str]:
    """The committed tiny Llama behind `transformers serve` on 127.0.0.1."""
    pytest.importorskip("transformers")
    from trendpath.ai.finetune.serve import LocalServer, transformers_serve_command

    tiny = Path(__file__).resolve().parents[1] / "fixtures" / "tiny-llama"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = transformers_serve_command(tiny, host="127.0.0.1", port=port)
    with LocalServer(cmd, url, log_path=tmp_path / "serve.log").start(timeout=120):
        yield url


@pytest.mark.llm
@pytest.mark.slow
def test_tiny_model_behind_a_real_server_speaks_through_the_service_and_falls_back(
    tiny_server: str,
    settings: Settings,
    database: Database,
    db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from trendpath.ai.backend import coach_of
    from trendpath.combined import create_combined_app

    tiny = str((Path(__file__).resolve().parents[1] / "fixtures" / "tiny-llama").resolve())
    configured = settings.model_copy(
        update={"ai_llm_backend": "openai", "ai_llm_base_url": tiny_server, "ai_llm_model": tiny}
    )
    runtime = Runtime(settings=configured, db=database, clients=ServiceClients(configured))
    _, token = new_user(db, configured, "llm-coach@example.com")
    auth = {"Authorization": f"Bearer {token}"}
    caplog.set_level(logging.WARNING, logger="trendpath.ai.coach")
    app = create_combined_app(configured, runtime)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=120) as http:
        start = http.post("/api/ai/v1/sessions", json={"name": "민지"}, headers=auth)
        assert start.status_code == 201, start.text
        assert start.json()["text"].startswith("반가워요, 민지님!")
        sid = start.json()["session_id"]
        url = f"/api/ai/v1/sessions/{sid}/messages/stream"
        with http.stream("POST", url, json={"text": "요즘 취업 준비해요"}, headers=auth) as r:
            assert r.status_code == 200
            blocks = r.read().decode().strip().split("\n\n")
    kinds = [b.split("\n")[0].removeprefix("event: ") for b in blocks]
    assert kinds[-1] == "done" and "replace" not in kinds
    done = json.loads(blocks[-1].split("data: ", 1)[1])
    assert "취업 준비" in done["text"] and "?" in done["text"]
    stats = coach_of(runtime).stats
    assert stats["model"] == 0 and sum(stats.values()) == 2  # opener and reply: both drafts
    assert any(r.getMessage() == "coach reply fell back to the draft" for r in caplog.records)
