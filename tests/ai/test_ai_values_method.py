"""TRENDPATH_AI_VALUES_METHOD end to end through HTTP: llm and hybrid against a local
OpenAI-compatible server (a recorded one, and the tiny Llama behind ``transformers serve``),
readiness, the method in every response, the fallback, and the space version."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from ai_recorded_server import Recorded, RecordedServer, chat_completion, dead_url
from sqlalchemy import text

from support import LiveServer, free_port, new_user
from trendpath.ai.dialogue import Turn
from trendpath.ai.jobs import reembed_stale
from trendpath.ai.values import extract_values
from trendpath.ai.values_method import agree_with_summary
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

API = "/api/ai/v1"
TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny-llama"
SAID = ["오래 다닐 수 있는 안정적인 곳이 제일 중요해요.", "변화가 많은 곳은 솔직히 무서워요."]
PROFILE = {"name": "서연", "status": "job_seeker", "interests": ["ai"], "skills": {"python": 3}}


@contextmanager
def serving(settings: Settings, database: Database, **update: Any) -> Iterator[httpx.Client]:
    """Every service on a real port, with these AI settings (a runtime of its own)."""
    from trendpath.combined import create_combined_app

    custom = settings.model_copy(update=update)
    runtime = Runtime(settings=custom, db=database, clients=ServiceClients(custom))
    with (
        LiveServer(create_combined_app(custom, runtime)) as server,
        httpx.Client(base_url=server.url, timeout=120) as http,
    ):
        yield http


def talk_and_finish(http: httpx.Client, db: Database, settings: Settings) -> httpx.Response:
    """Sign up, say SAID to the coach, and close the talk (values are scored at the end)."""
    _, token = new_user(db, settings, f"values-{free_port()}@example.com")
    headers = {"Authorization": f"Bearer {token}"}
    start = http.post(f"{API}/sessions", json=PROFILE, headers=headers)
    assert start.status_code == 201, start.text
    sid = start.json()["session_id"]
    for said in SAID:
        reply = http.post(f"{API}/sessions/{sid}/messages", json={"text": said}, headers=headers)
        assert reply.status_code == 200, reply.text
    return http.post(f"{API}/sessions/{sid}/finish", headers=headers)


def model_json() -> str:
    """A model's analysis: one fair quote, one misread quote, one invented quote."""
    return (
        '{"values": {"job_security": {"score": 0.95, "confidence": 0.9, "evidence": '
        f'["{SAID[0]}"]}}, "change_orientation": {{"score": 0.9, "confidence": 0.8, '
        f'"evidence": ["{SAID[1]}"]}}, "economic_reward": {{"score": 0.8, '
        '"confidence": 0.7, "evidence": ["돈이 최고예요."]}}}}'
    )


@pytest.fixture
def recorded() -> Iterator[RecordedServer]:
    """A local OpenAI-compatible server replaying a recorded analysis (and model list)."""
    with RecordedServer() as srv:
        srv.add("GET", "/v1/models", Recorded(json_body={"data": [{"id": "coach"}]}))
        srv.add("POST", "/v1/chat/completions", Recorded(json_body=chat_completion(model_json())))
        yield srv


@pytest.mark.parametrize("method", ["llm", "hybrid"])
def test_the_model_scores_through_http_and_the_method_is_reported(
    method: str, recorded: RecordedServer, settings: Settings, database: Database, db: Database
) -> None:
    with serving(settings, database, ai_values_method=method, ai_llm_base_url=recorded.url) as http:
        ready = http.get("/api/ai/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["details"]["values_method"]["serving"] == method
        assert ready.json()["details"]["values_method"]["reader"].startswith(("on (", "off: "))
        finished = talk_and_finish(http, db, settings)
        assert finished.status_code == 200, finished.text
        values = finished.json()
        space = http.get(f"{API}/persona/space").json()
    assert values["method"] == method
    axes = values["axes"]
    assert axes["economic_reward"]["score"] == 0.5  # invented quote: the model is not believed
    if method == "llm":
        assert axes["job_security"]["score"] == 0.95
        assert axes["change_orientation"]["score"] == 0.9  # the model's misreading stands
    else:
        # The agreement check: the lexicon reads the fear as a rejection and wins there.
        assert axes["change_orientation"]["score"] < 0.5
        # Where both agree, their mean (the lexicon reads "제일 중요해요" as nearly 1.0).
        assert 0.95 < axes["job_security"]["score"] < 1.0
    assert space["version"].endswith(f"+values-{method}")
    asked = [r.body for r in recorded.requests if r.path == "/v1/chat/completions"]
    assert any("<대화>" in str(b) and SAID[1] in str(b) for b in asked)


def test_a_dead_model_fails_readiness_by_name_or_falls_back(
    settings: Settings, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    url = dead_url()
    with (
        caplog.at_level(logging.ERROR, logger="trendpath.ai.values_method"),
        serving(settings, database, ai_values_method="llm", ai_llm_base_url=url) as http,
    ):
        ready = http.get("/api/ai/readyz")
    assert ready.status_code == 503
    error = ready.json()["error"]
    assert error["message"].startswith("TRENDPATH_AI_VALUES_METHOD=llm")
    assert error["details"]["values_method"]["serving"] == "unavailable"
    logged = [r.getMessage() for r in caplog.records if "TRENDPATH_AI_VALUES_METHOD" in r.message]
    assert len(logged) == 1 and "not ready" in logged[0]
    with serving(
        settings, database, ai_values_method="hybrid", ai_llm_base_url=url, ai_llm_fallback=True
    ) as http:
        ready = http.get("/api/ai/readyz")
    assert ready.status_code == 200
    assert ready.json()["details"]["values_method"]["serving"] == "lexicon-fallback"


def test_llm_without_any_model_configured_is_not_ready(
    settings: Settings, database: Database
) -> None:
    with serving(settings, database, ai_values_method="llm") as http:
        ready = http.get("/api/ai/readyz")
    assert ready.status_code == 503
    assert "no language model is configured" in ready.json()["error"]["message"]


def test_the_confirmed_summary_keeps_its_places() -> None:
    turns = [
        Turn(role="user", text="오래 다닐 수 있는 안정적인 곳이 제일 중요해요."),
        Turn(role="user", text="연봉은 적당하면 돼요."),
        Turn(role="coach", text="직업안정을 가장 중요하게 여기시는군요. 맞나요?", stage="summary"),
        Turn(role="user", text="네, 맞아요.", stage="summary"),
    ]
    lexicon = extract_values(turns)
    model = lexicon.model_copy(deep=True)
    model.axes["job_security"].score = 0.55
    model.axes["economic_reward"].score = 0.9
    model.axes["self_development"].score = 0.97
    agreed = agree_with_summary(model, lexicon, turns)
    assert agreed.strongest(1) == ["job_security"]
    assert agreed.weakest() == "economic_reward"
    assert agreed.axes["self_development"].score < agreed.axes["job_security"].score
    # Before any summary there is nothing confirmed, and the model's reading stands.
    assert agree_with_summary(model, lexicon, turns[:2]) == model


@pytest.fixture(scope="module")
def tiny_server() -> Iterator[str]:
    """The committed tiny Llama behind a real `transformers serve` (OpenAI-compatible)."""
    pytest.importorskip("transformers")
    from trendpath.ai.finetune.serve import LocalServer, ServeError, transformers_serve_command

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    try:
        cmd = transformers_serve_command(TINY, host="127.0.0.1", port=port)
    except ServeError as exc:
        pytest.skip(str(exc))
    with LocalServer(cmd, url).start(timeout=240):
        yield url


@pytest.mark.llm
@pytest.mark.slow
def test_the_tiny_model_served_locally_falls_back_and_says_so(
    tiny_server: str, settings: Settings, database: Database, db: Database
) -> None:
    model = str(TINY.resolve())
    update = {"ai_llm_base_url": tiny_server, "ai_llm_model": model}
    with serving(
        settings, database, ai_values_method="llm", ai_llm_fallback=True, **update
    ) as http:
        assert http.get("/api/ai/readyz").json()["details"]["values_method"]["serving"] == "llm"
        finished = talk_and_finish(http, db, settings)
        details = http.get("/api/ai/readyz").json()["details"]["values_method"]
    # The tiny model's words are noise, never valid JSON: the lexicon serves and says so.
    assert finished.status_code == 200, finished.text
    assert finished.json()["method"] == "lexicon-fallback"
    assert finished.json()["axes"]["change_orientation"]["score"] < 0.5
    assert details["fallback"] == 1
    with serving(settings, database, ai_values_method="hybrid", **update) as http:
        refused = talk_and_finish(http, db, settings)
    assert refused.status_code == 503
    assert refused.json()["error"]["message"].startswith("TRENDPATH_AI_VALUES_METHOD=hybrid")


def test_switching_the_method_re_embeds_people_through_the_job(
    http: httpx.Client,
    recorded: RecordedServer,
    settings: Settings,
    database: Database,
    db: Database,
) -> None:
    finished = talk_and_finish(http, db, settings)  # the session's server: the lexicon
    assert finished.json()["method"] == "lexicon"
    switched = settings.model_copy(
        update={"ai_values_method": "hybrid", "ai_llm_base_url": recorded.url}
    )
    runtime = Runtime(settings=switched, db=database, clients=ServiceClients(switched))
    assert reembed_stale(runtime).rebuilt == 1  # the lexicon persona is of another version now
    with database.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT p.version, v.method FROM ai.persona p JOIN ai.value_score v USING (user_id)"
            )
        ).one()
    assert row.version.endswith("+values-hybrid") and row.method == "hybrid"
    assert reembed_stale(runtime).handled == 0


def test_the_reader_setting_turns_it_off_through_the_service(
    settings: Settings, database: Database, db: Database
) -> None:
    from trendpath.ai import values_reader

    try:
        with serving(settings, database, ai_values_reader=False) as http:
            ready = http.get("/api/ai/readyz")
            assert ready.status_code == 200, ready.text
            reader = ready.json()["details"]["values_method"]["reader"]
            assert reader.startswith("off: TRENDPATH_AI_VALUES_READER=false"), reader
            finished = talk_and_finish(http, db, settings)
            assert finished.status_code == 200, finished.text
            assert finished.json()["method"] == "lexicon"
    finally:
        values_reader.configure(settings)
    assert values_reader.reader().reason != "TRENDPATH_AI_VALUES_READER=false"
