"""Top-3 matching through the live server: every service in-process, real tokens, real trends.

The demo trends are loaded and embedded by the AI service once for this module; users sign up
through the auth service. A persona is arranged with the AI service's own store (the coach
conversation that normally writes it is the AI service's business, not this one's).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, text

from support import truncate_all
from trendpath.ai import models as ai_models
from trendpath.ai import store as ai_store
from trendpath.ai.persona import PersonaInputs, build_persona_vector
from trendpath.kit.errors import ApiError
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.users import matcher
from trendpath.users.schemas_match import MatchOut

from .conftest import PROFILE, Served, User, seed_trends, sign_up

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(users_server: Served) -> Iterator[Served]:
    seed_trends(users_server)
    yield users_server
    truncate_all(users_server.db)


@pytest.fixture(scope="module")
def people(seeded: Served) -> Callable[..., User]:
    def make(scope: str = "openid users:read users:write", admin: bool = False) -> User:
        return sign_up(seeded, f"{uuid.uuid4().hex[:10]}@example.com", scope, admin)

    return make


def _persona(served: Served, user: User, values: dict[str, float], text_: str) -> None:
    inputs = PersonaInputs(
        conversation=text_,
        interests=PROFILE["interests"],
        skills=PROFILE["skills"],
        values=values,
    )
    built = build_persona_vector(inputs)
    with served.db.session_scope() as session:
        ai_store.save_persona(
            session, user.id, built.vector, built.version, from_conversation=True, inputs={}
        )
        scores = {a: {"score": v, "confidence": 0.8, "evidence": []} for a, v in values.items()}
        session.execute(
            insert(ai_models.value_score).values(
                user_id=user.id,
                method="test-arranged",
                scores=scores,
                growth_orientation=0.8,
                stability_preference=0.2,
            )
        )


def test_no_profile_no_match(people: Callable[..., User]) -> None:
    resp = people().api.get("/match")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "profile_required"


def test_preliminary_match_then_persona_match(seeded: Served, people: Callable[..., User]) -> None:
    user = people()
    assert user.api.put("/profile", json=PROFILE).status_code == 200
    first = user.api.get("/match")
    assert first.status_code == 200, first.text
    m1 = first.json()
    assert m1["preliminary"] is True and m1["kind"] == "preliminary"
    assert "예비 추천" in m1["label_ko"]
    assert len(m1["items"]) == 3 and [i["rank"] for i in m1["items"]] == [1, 2, 3]
    scores = [i["score"] for i in m1["items"]]
    assert scores == sorted(scores, reverse=True)  # ranked by score (similarity ± momentum)
    if m1["momentum_weight"] == 0:
        assert scores == [i["similarity"] for i in m1["items"]]
    for item in m1["items"]:
        blocks = item["explanation"]["blocks"]
        assert sum(blocks.values()) == pytest.approx(item["similarity"], abs=2e-3)
        assert item["velocity"] is not None and 0 <= item["velocity"]["score"] <= 100
        assert "예비 추천" in item["why_ko"] and item["name_ko"] in item["why_ko"]
        assert item["stability"]["preference"] is None
        assert item["change"]["status"] == "first"
        assert item["roadmap"]["effort_hours"] >= 0
    # Fresh: served from storage, same match.
    again = user.api.get("/match").json()
    assert again["match_id"] == m1["match_id"] and again["stale"] is False
    assert again["items"] == m1["items"] and again["profile_revision"] == 1
    # The coach conversation gives a persona: the next check yields a persona match.
    _persona(
        seeded,
        user,
        {"self_development": 0.9, "change_orientation": 0.85, "job_security": 0.2},
        "새로운 기술을 배우고 데이터로 문제를 풀고 싶어요",
    )
    refreshed = user.api.post("/match/refresh")
    assert refreshed.status_code == 200, refreshed.text
    m2 = refreshed.json()
    assert m2["kind"] == "persona" and m2["preliminary"] is False
    assert m2["match_id"] != m1["match_id"] and m2["previous"]["match_id"] == m1["match_id"]
    assert m2["persona"]["stability_preference"] == 0.2
    assert all(i["stability"]["preference"] == 0.2 for i in m2["items"])
    assert all("예비 추천" not in i["why_ko"] for i in m2["items"])
    before = {i["slug"]: i["rank"] for i in m1["items"]}
    for item in m2["items"]:
        was = before.get(item["slug"])
        expected = (
            "new"
            if was is None
            else "same"
            if was == item["rank"]
            else "up"
            if item["rank"] < was
            else "down"
        )
        assert item["change"]["status"] == expected and item["change"]["previous_rank"] == was
    for body in (m1, again, m2):
        MatchOut.model_validate(body)  # the documented response model holds
    history = user.api.get("/match/history").json()["items"]
    assert [h["match_id"] for h in history] == [m2["match_id"], m1["match_id"]]


def test_profile_change_recomputes_and_unchanged_inputs_do_not(people: Callable[..., User]) -> None:
    user = people()
    user.api.put("/profile", json=PROFILE)
    m1 = user.api.get("/match").json()
    same = user.api.post("/match/refresh").json()
    assert same["match_id"] == m1["match_id"], "nothing changed, no new match"
    user.api.put("/skills/python", json={"level": 5})
    m2 = user.api.get("/match").json()
    assert m2["match_id"] != m1["match_id"], "a profile change is noticed without a refresh"
    assert m2["profile_revision"] == 2 and m2["previous"]["match_id"] == m1["match_id"]


def test_variant_is_stable_and_exposure_is_recorded(
    seeded: Served, people: Callable[..., User]
) -> None:
    user = people()
    user.api.put("/profile", json=PROFILE)
    assigned = user.api.get("/abtest/assignment").json()
    assert assigned["active"] and assigned["experiment"] == "recommender-v1"
    match = user.api.get("/match").json()
    assert match["variant"] == assigned["variant"]
    assert user.api.get("/abtest/assignment").json() == assigned
    with seeded.db.engine.connect() as conn:
        kinds = conn.execute(
            text("SELECT kind, variant FROM users.ab_event WHERE user_id = :u"), {"u": user.id}
        ).all()
    assert kinds == [("exposure", assigned["variant"])]
    event = {
        "event_id": str(uuid.uuid4()),
        "kind": "clicked",
        "trend_slug": match["items"][0]["slug"],
        "match_id": match["match_id"],
    }
    first = user.api.post("/events", json=event)
    assert first.status_code == 200 and first.json()["recorded"] is True
    replay = user.api.post("/events", json=event)
    assert replay.status_code == 200 and replay.json() == {
        **first.json(),
        "recorded": False,
        "duplicate": True,
    }
    clash = user.api.post("/events", json={**event, "kind": "viewed"})
    assert clash.status_code == 409
    other = people()
    stolen = other.api.post("/events", json={**event, "event_id": str(uuid.uuid4())})
    assert stolen.status_code == 404, "another user's match id"
    with seeded.db.engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM users.ab_event WHERE kind = 'clicked'")
        ).scalar_one()
    assert count == 1


def test_upstream_outage_serves_the_last_match_marked_stale(
    seeded: Served, people: Callable[..., User]
) -> None:
    user = people()
    user.api.put("/profile", json=PROFILE)
    stored = user.api.get("/match").json()
    # A runtime whose sibling services are unreachable, and a TTL that forces a recomputation.
    cut_off = seeded.settings.model_copy(update={"users_match_ttl_s": 0})
    lonely = Runtime(settings=cut_off, db=seeded.db, clients=ServiceClients(cut_off))
    body = asyncio.run(matcher.current_match(lonely, user.id))
    assert body["stale"] is True and "not reachable" in body["stale_reason"]
    assert body["match_id"] == stored["match_id"] and body["items"] == stored["items"]
    nobody = people()
    nobody.api.put("/profile", json=PROFILE)
    with pytest.raises(ApiError) as exc:
        asyncio.run(matcher.current_match(lonely, nobody.id))
    assert exc.value.status == 503, "without a stored match the outage is an error"


def test_a_locked_table_does_not_stall_the_server(
    seeded: Served, people: Callable[..., User]
) -> None:
    user = people()
    user.api.put("/profile", json=PROFILE)
    stored = user.api.get("/match").json()
    with seeded.db.engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE users.match IN ACCESS EXCLUSIVE MODE"))
        waiting: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: waiting.update(r=user.api.get("/match")))
        thread.start()
        time.sleep(0.3)
        started = time.perf_counter()
        health = httpx.get(f"{seeded.url}/api/users/healthz", timeout=5)
        assert health.status_code == 200 and time.perf_counter() - started < 1.0
        assert thread.is_alive(), "the match read waits for the lock (in a worker thread)"
        blocker.rollback()
    thread.join(timeout=10)
    assert waiting["r"].status_code == 200 and waiting["r"].json()["match_id"] == stored["match_id"]


def test_the_forecast_view_passes_labels_through_and_rounds_the_numbers() -> None:
    from trendpath.users.matching import FLAT_BAND, forecast_view

    assert forecast_view(None) is None and forecast_view({}) is None
    full = {
        "point": 3.14159, "lo": -1.005, "hi": 7.456, "week": "2026-W49", "horizon_weeks": 4,
        "model_version": "v1", "model": "gru", "kind": "model", "reason": "gate passed",
        "synthetic_share": 0.5,
    }  # fmt: skip
    assert forecast_view(full) == {
        "week": "2026-W49", "horizon_weeks": 4, "point": 3.14, "lo": -1.0, "hi": 7.46,
        "model_version": "v1", "model": "gru", "kind": "model", "reason": "gate passed",
        "direction": "up", "synthetic_share": 0.5,
        # The band spans 0, so the words follow the band, not the point.
        "label_ko": "4주 뒤 방향이 불확실해요(80% 예측 구간 -1.0~+7.5점).",
    }  # fmt: skip
    # Only what the forecast carries; the horizon defaults to four weeks.
    edge = forecast_view({"point": FLAT_BAND, "lo": 0.1, "hi": 1.0})
    assert edge is not None and edge["direction"] == "flat" and edge["horizon_weeks"] == 4
    assert edge["week"] is edge["model"] is edge["kind"] is edge["synthetic_share"] is None
    falling = forecast_view({"point": -FLAT_BAND - 0.01, "lo": -3, "hi": -1, "horizon_weeks": 8})
    assert falling is not None and falling["direction"] == "down"
    assert falling["label_ko"] == "8주 뒤 1.0점쯤 내릴 것으로 보여요(80% 예측 구간 -3.0~-1.0점)."
    assert forecast_view({"point": -FLAT_BAND, "lo": -2, "hi": 1})["direction"] == "flat"  # type: ignore[index]
