"""OpenAI-compatible client against a real local HTTP server; scripted backend; factory rules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from ai_recorded_server import (
    Recorded,
    RecordedServer,
    chat_chunks,
    chat_completion,
    dead_url,
    models_list,
)

from trendpath.ai.llm.base import ChatMessage, LLMResponseError, LLMUnavailable, StopScanner
from trendpath.ai.llm.factory import FallbackBackend, make_backend
from trendpath.ai.llm.openai_compat import OpenAICompatBackend, api_root
from trendpath.ai.llm.scripted import ScriptedBackend, draft_block, extract_draft

CHAT = "/v1/chat/completions"
MESSAGES = [
    ChatMessage(role="system", content="당신은 코치입니다."),
    ChatMessage(role="user", content="안녕하세요"),
]


async def collect(stream: AsyncIterator[str]) -> list[str]:
    return [chunk async for chunk in stream]


def test_api_root_accepts_both_spellings() -> None:
    assert api_root("http://h:8000") == "http://h:8000/v1"
    assert api_root("http://h:8000/v1/") == "http://h:8000/v1"
    with pytest.raises(ValueError):
        api_root("h:8000")


def test_complete_sends_openai_request_and_returns_text() -> None:
    with RecordedServer() as srv:
        srv.add("POST", CHAT, Recorded(json_body=chat_completion("반가워요! 요즘 어떠세요?")))
        backend = OpenAICompatBackend(srv.url, "coach", api_key="secret")
        text = asyncio.run(backend.complete(MESSAGES, max_tokens=64, temperature=0.2))
    assert text == "반가워요! 요즘 어떠세요?"
    sent = srv.requests[0]
    assert sent.headers["Authorization"] == "Bearer secret"
    assert sent.body["model"] == "coach"
    assert sent.body["messages"][1] == {"role": "user", "content": "안녕하세요"}
    assert sent.body["max_tokens"] == 64
    assert "<|eot_id|>" in sent.body["stop"] and "<|end_of_text|>" in sent.body["stop"]


def test_complete_cuts_at_stop_the_server_ignored() -> None:
    with RecordedServer() as srv:
        srv.add("POST", CHAT, Recorded(json_body=chat_completion("좋아요<|eot_id|>user: 다음")))
        text = asyncio.run(OpenAICompatBackend(srv.url, "coach").complete(MESSAGES))
    assert text == "좋아요"


def test_stream_yields_deltas_and_stops_across_chunk_boundary() -> None:
    pieces = ["반가", "워요. ", "무엇을", " 도와드릴까요?", "<|eo", "t_id|>", "넘친 텍스트"]
    with RecordedServer() as srv:
        srv.add("POST", CHAT, Recorded(sse=chat_chunks(pieces)))
        chunks = asyncio.run(collect(OpenAICompatBackend(srv.url, "coach").stream(MESSAGES)))
    assert "".join(chunks) == "반가워요. 무엇을 도와드릴까요?"
    assert len(chunks) > 1
    assert srv.requests[0].body["stream"] is True


def test_stop_scanner_holds_back_partial_stop() -> None:
    scanner = StopScanner(["<|eot_id|>"])
    out = scanner.feed("abc<|eo") + scanner.feed("t_id|>xyz")
    assert out == "abc" and scanner.stopped and scanner.flush() == ""


@pytest.mark.parametrize(
    ("status", "needle"), [(500, "HTTP 500"), (404, "coach"), (401, "API key")]
)
def test_http_errors_are_clear(status: int, needle: str) -> None:
    with RecordedServer() as srv:
        srv.add("POST", CHAT, Recorded(status=status, json_body={"error": "boom"}))
        with pytest.raises(LLMUnavailable, match=needle):
            asyncio.run(OpenAICompatBackend(srv.url, "coach").complete(MESSAGES))


@pytest.mark.parametrize(
    "body",
    [b"<html>bad gateway</html>", b'{"object": "chat.completion"}', b'{"choices": [{}]}'],
)
def test_malformed_bodies_raise_response_error(body: bytes) -> None:
    with RecordedServer() as srv:
        srv.add("POST", CHAT, Recorded(raw=body))
        with pytest.raises(LLMResponseError):
            asyncio.run(OpenAICompatBackend(srv.url, "coach").complete(MESSAGES))


def test_malformed_sse_event_raises_response_error() -> None:
    with RecordedServer() as srv:
        srv.add("POST", CHAT, Recorded(sse=["data: {not json"]))
        with pytest.raises(LLMResponseError):
            asyncio.run(collect(OpenAICompatBackend(srv.url, "coach").stream(MESSAGES)))


def test_dead_server_gives_clear_error_everywhere() -> None:
    url = dead_url()
    backend = OpenAICompatBackend(url, "coach", timeout=2.0)
    with pytest.raises(LLMUnavailable, match="cannot reach the LLM server"):
        asyncio.run(backend.complete(MESSAGES))
    with pytest.raises(LLMUnavailable, match=url):
        asyncio.run(collect(backend.stream(MESSAGES)))
    with pytest.raises(LLMUnavailable):
        backend.probe()


def test_slow_server_times_out() -> None:
    with RecordedServer() as srv:
        srv.add("POST", CHAT, Recorded(json_body=chat_completion("늦음"), delay=1.0))
        backend = OpenAICompatBackend(srv.url, "coach", timeout=0.2)
        with pytest.raises(LLMUnavailable, match="Timeout"):
            asyncio.run(backend.complete(MESSAGES))


def test_scripted_backend_replays_the_draft() -> None:
    messages = [ChatMessage(role="system", content="규칙\n" + draft_block("오늘 기분은 어떠세요?"))]
    backend = ScriptedBackend(chunk_chars=4)
    assert extract_draft(messages) == "오늘 기분은 어떠세요?"
    assert asyncio.run(backend.complete(messages)) == "오늘 기분은 어떠세요?"
    chunks = asyncio.run(collect(backend.stream(messages)))
    assert "".join(chunks) == "오늘 기분은 어떠세요?" and len(chunks) == 3
    with pytest.raises(LLMUnavailable):
        asyncio.run(backend.complete(MESSAGES))


def test_factory_builds_each_kind_and_rejects_bad_config(tmp_path: object) -> None:
    assert isinstance(make_backend("scripted"), ScriptedBackend)
    with pytest.raises(ValueError, match="unknown LLM backend"):
        make_backend("gpt")
    with pytest.raises(ValueError, match="base URL"):
        make_backend("openai", model="coach")
    with pytest.raises(ValueError, match="model path"):
        make_backend("transformers")
    with RecordedServer() as srv:
        srv.add("GET", "/v1/models", Recorded(json_body=models_list("coach")))
        backend = make_backend("openai", base_url=srv.url, model="coach")
        assert isinstance(backend, OpenAICompatBackend)
        assert srv.requests[0].path == "/v1/models"


def test_factory_fails_fast_without_fallback() -> None:
    with pytest.raises(LLMUnavailable, match="cannot reach"):
        make_backend("openai", base_url=dead_url(), model="coach", timeout=2.0)
    with pytest.raises(LLMUnavailable, match="does not exist"):
        make_backend("transformers", model_path="/nonexistent/bllossom-8b")


def test_factory_falls_back_only_when_configured() -> None:
    backend = make_backend(
        "transformers", model_path="/nonexistent/bllossom-8b", fallback_to_scripted=True
    )
    assert isinstance(backend, FallbackBackend) and backend.primary is None
    assert backend.last_error is not None and "does not exist" in backend.last_error
    drafted = [ChatMessage(role="system", content=draft_block("천천히 말씀해 주세요."))]
    assert asyncio.run(backend.complete(drafted)) == "천천히 말씀해 주세요."


def test_fallback_backend_switches_when_server_dies_later() -> None:
    drafted = [ChatMessage(role="system", content=draft_block("초안입니다."))]
    with RecordedServer() as srv:
        srv.add("GET", "/v1/models", Recorded(json_body=models_list("coach")))
        srv.add("POST", CHAT, Recorded(json_body=chat_completion("모델 답변입니다.")))
        backend = make_backend(
            "openai", base_url=srv.url, model="coach", timeout=2.0, fallback_to_scripted=True
        )
        assert isinstance(backend, FallbackBackend)
        assert asyncio.run(backend.complete(drafted)) == "모델 답변입니다."
    assert asyncio.run(backend.complete(drafted)) == "초안입니다."
    assert backend.last_error is not None
    assert "".join(asyncio.run(collect(backend.stream(drafted)))) == "초안입니다."
