"""Roadmaps, progress, notices and account deletion through the live server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from support import truncate_all
from trendpath.kit.taxonomy import load_taxonomy
from trendpath.users.accounts import sync_deletions

from .conftest import PASSWORD, PROFILE, Served, User, seed_trends, side_runtime, sign_up

pytestmark = pytest.mark.slow
TAX = load_taxonomy()


@pytest.fixture(scope="module")
def seeded(users_server: Served) -> Iterator[Served]:
    seed_trends(users_server)
    yield users_server
    truncate_all(users_server.db)


@pytest.fixture(scope="module")
def people(seeded: Served) -> Callable[..., User]:
    def make(scope: str = "openid users:read users:write account") -> User:
        return sign_up(seeded, f"{uuid.uuid4().hex[:10]}@example.com", scope)

    return make


def _started(user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    assert user.api.put("/profile", json=PROFILE).status_code == 200
    match = user.api.get("/match").json()
    resp = user.api.post("/roadmaps", json={"trend_slug": match["items"][0]["slug"]})
    assert resp.status_code == 201, resp.text
    return match, resp.json()


def _progress(served: Served, user: User) -> list[tuple[str, str, int]]:
    with served.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT resource_id, status, percent FROM users.progress WHERE user_id = :u"),
            {"u": user.id},
        ).all()
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


def test_roadmap_steps_prerequisites_first_with_resources(people: Callable[..., User]) -> None:
    user = people()
    match, roadmap = _started(user)
    assert roadmap["trend_slug"] == match["items"][0]["slug"]
    assert roadmap["basis"]["match_id"] == match["match_id"]
    order = [s["skill"] for s in roadmap["steps"]]
    for i, skill in enumerate(order):
        for pre in TAX.skills[skill].prerequisites:
            assert pre not in order[i + 1 :], f"{pre} listed after {skill}"
    states = {s["state"] for s in roadmap["steps"]}
    assert "todo" in states and states <= {"todo", "have"}
    for step in roadmap["steps"]:
        if step["state"] == "have":  # met at the start: listed, but costs no time
            assert step["resources"] == [] and step["effort_hours"] == 0
            assert step["current_level"] >= step["target_level"] and step["start_week"] is None
            continue
        assert step["resources"], step["skill"]
        assert step["gap"] == step["target_level"] - step["current_level"] > 0
        assert step["effort_hours"] > 0 and step["start_week"] >= 1
    assert roadmap["weeks_remaining"] > 0 and roadmap["notices"] == []
    again = user.api.post("/roadmaps", json={"trend_slug": roadmap["trend_slug"]})
    assert again.status_code == 200 and again.json()["id"] == roadmap["id"]
    other = next(i["slug"] for i in [{"slug": "k-food"}] if i["slug"] not in order)
    refused = user.api.post("/roadmaps", json={"trend_slug": other})
    assert refused.status_code == 409 or other in [i["slug"] for i in match["items"]]
    assert [r["id"] for r in user.api.get("/roadmaps").json()["items"]] == [roadmap["id"]]


def test_progress_moves_gaps_streak_and_summary(
    seeded: Served, people: Callable[..., User]
) -> None:
    user = people()
    _, roadmap = _started(user)
    step = next(s for s in roadmap["steps"] if s["state"] == "todo")
    res = step["resources"][0]
    url = f"/roadmaps/{roadmap['id']}/resources/{res['id']}/progress"
    half = user.api.put(url, json={"status": "in_progress", "percent": 50})
    assert half.status_code == 200, half.text
    moved = user.api.get(f"/roadmaps/{roadmap['id']}").json()
    step2 = next(s for s in moved["steps"] if s["skill"] == step["skill"])
    assert step2["studied_hours"] > 0
    assert step2["remaining_gap"] < step["remaining_gap"]
    assert step2["remaining_hours"] < step["remaining_hours"]
    assert moved["remaining_hours"] < roadmap["remaining_hours"]
    assert user.api.put(url, json={"status": "done"}).json()["percent"] == 100
    # Rating the skill up to its target completes the step; the plan keeps it, marked done.
    rated = user.api.put(f"/skills/{step['skill']}", json={"level": step["target_level"]})
    assert rated.status_code == 200
    after = user.api.get(f"/roadmaps/{roadmap['id']}").json()
    done = next(s for s in after["steps"] if s["skill"] == step["skill"])
    assert done["done"] and done["gap"] == 0 and after["completed_steps"] >= 1
    summary = user.api.get("/progress").json()
    assert summary["streak"]["current_days"] == 1 and summary["streak"]["longest_days"] == 1
    week = summary["this_week"]
    assert week["resources_completed"] == 1 and week["resources_progressed"] == 2
    assert week["skills_rated"] == 1 and week["active_days"] == 1
    assert week["studied_hours"] > 0 and week["goal_hours"] == PROFILE["weekly_hours"]
    assert summary["items"][0]["status"] == "done"
    with seeded.db.engine.connect() as conn:
        kinds = (
            conn.execute(
                text("SELECT kind FROM users.ab_event WHERE user_id = :u ORDER BY kind"),
                {"u": user.id},
            )
            .scalars()
            .all()
        )
    assert kinds == ["exposure", "item_completed", "roadmap_started"]


def test_hours_as_marked_and_step_marks(seeded: Served, people: Callable[..., User]) -> None:
    user, mallory = people(), people()
    _, roadmap = _started(user)
    step = next(s for s in roadmap["steps"] if s["state"] == "todo")
    res = step["resources"][0]
    url = f"/roadmaps/{roadmap['id']}/resources/{res['id']}/progress"
    logged = user.api.put(url, json={"status": "in_progress", "hours": 2})
    assert logged.status_code == 200, logged.text
    assert logged.json()["percent"] == round(200 / res["study_hours"])
    view = user.api.get(f"/roadmaps/{roadmap['id']}").json()
    linked = next(r for s in view["steps"] for r in s["resources"] if r["id"] == res["id"])
    assert linked["hours"] == linked["marked_hours"] == 2.0
    user.api.put(url, json={"status": "done"})
    user.api.put(url, json={"status": "in_progress", "hours": 2})  # undo "finished"
    user.api.put(url, json={"status": "done"})
    week = user.api.get("/progress").json()["this_week"]
    assert week["studied_hours"] == pytest.approx(res["study_hours"], abs=0.1)  # not 2×
    mark = f"/roadmaps/{roadmap['id']}/steps/{step['skill']}"
    skipped = user.api.put(mark, json={"state": "skipped"})
    assert skipped.status_code == 200, skipped.text
    after = next(s for s in skipped.json()["steps"] if s["skill"] == step["skill"])
    assert after["state"] == "skipped" and after["start_week"] is None
    assert skipped.json()["skipped_steps"] == 1
    assert skipped.json()["total_hours"] < view["total_hours"]
    opened = user.api.put(mark, json={"state": "open"}).json()
    assert next(s for s in opened["steps"] if s["skill"] == step["skill"])["mark"] is None
    assert user.api.put(mark, json={"state": "finished"}).status_code == 422
    other = f"/roadmaps/{roadmap['id']}/steps/game_development"
    assert user.api.put(other, json={"state": "done"}).status_code == 422
    assert mallory.api.put(mark, json={"state": "done"}).status_code == 404


def test_bad_progress_and_other_users_roadmaps_change_nothing(
    seeded: Served, people: Callable[..., User]
) -> None:
    alice, mallory = people(), people()
    _, roadmap = _started(alice)
    res = next(s for s in roadmap["steps"] if s["resources"])["resources"][0]["id"]
    url = f"/roadmaps/{roadmap['id']}/resources/{res}/progress"
    assert alice.api.put(url, json={"status": "in_progress", "percent": 30}).status_code == 200
    before = _progress(seeded, alice)
    # Mallory knows Alice's roadmap id: every door is a 404, and Alice's data is untouched.
    assert mallory.api.put(url, json={"status": "done"}).status_code == 404
    assert mallory.api.get(f"/roadmaps/{roadmap['id']}").status_code == 404
    assert mallory.api.delete(f"/roadmaps/{roadmap['id']}").status_code == 404
    for body in (
        {"status": "in_progress", "percent": 150},
        {"status": "in_progress"},
        {"status": "done", "percent": 50},
        {"status": "finished"},
        {"status": "in_progress", "percent": "40"},
        {"status": "in_progress", "hours": -1},
        {"status": "in_progress", "hours": 2, "percent": 10},
        {"status": "not_started", "hours": 3},
    ):
        bad = alice.api.put(url, json=body)
        assert bad.status_code == 422, (body, bad.text)
    unrelated = next(
        r
        for r in ("blender-tutorials", "book-spin-selling", "khan-biology")
        if r not in {x["id"] for s in roadmap["steps"] for x in s["resources"]}
    )
    off = alice.api.put(
        f"/roadmaps/{roadmap['id']}/resources/{unrelated}/progress", json={"status": "done"}
    )
    assert off.status_code == 422 and "not part of this roadmap" in off.text
    missing = alice.api.put(
        f"/roadmaps/{roadmap['id']}/resources/no-such-thing/progress", json={"status": "done"}
    )
    assert missing.status_code == 404
    nowhere = alice.api.put(
        f"/roadmaps/{uuid.uuid4()}/resources/{res}/progress", json={"status": "done"}
    )
    assert nowhere.status_code == 404
    assert _progress(seeded, alice) == before
    assert _progress(seeded, mallory) == []


def test_forecast_turning_down_is_a_notice_not_a_rewrite(
    seeded: Served, people: Callable[..., User]
) -> None:
    user = people()
    _, roadmap = _started(user)
    slug = roadmap["trend_slug"]
    with seeded.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO trends.forecast (trend_id, week, horizon_weeks, point, lo, hi,"
                " model_version) SELECT t.id, v.week, 4, -6.5, -9.0, -2.0, 'test-arranged'"
                " FROM trends.trend t JOIN LATERAL (SELECT max(week) AS week FROM"
                " trends.velocity WHERE trend_id = t.id) v ON true WHERE t.slug = :s"
            ),
            {"s": slug},
        )
    fresh = user.api.post("/match/refresh").json()
    assert fresh["previous"] is not None, "a new forecast makes a new match"
    after = user.api.get(f"/roadmaps/{roadmap['id']}").json()
    notices = {n["kind"]: n for n in after["notices"]}
    still = [i for i in fresh["items"] if i["slug"] == slug]
    if still:  # similarity ranking keeps the trend: its forecast turned down
        assert still[0]["forecast"]["direction"] == "down"
        assert "-6.5점" in notices["forecast_down"]["message_ko"]
    else:  # momentum ranking (the other A/B variant) pushes it out of the top 3
        assert fresh["variant"] == "momentum" and "dropped" in notices
    assert [s["skill"] for s in after["steps"]] == [s["skill"] for s in roadmap["steps"]]


def test_deleted_accounts_lose_their_data(seeded: Served, people: Callable[..., User]) -> None:
    user = people()
    _started(user)
    gone = user.api.request(
        "DELETE",
        f"{seeded.url}/api/auth/me",
        json={"password": PASSWORD},
    )
    assert gone.status_code == 204, gone.text
    poller = side_runtime(seeded)

    async def poll() -> int:
        try:
            return await sync_deletions(poller)
        finally:
            await poller.clients.aclose()

    assert asyncio.run(poll()) >= 1
    with seeded.db.engine.connect() as conn:
        left = sum(
            conn.execute(
                text(f"SELECT count(*) FROM users.{t} WHERE user_id = :u"), {"u": user.id}
            ).scalar_one()
            for t in ("profile", "profile_history", "match", "roadmap", "ab_event")
        )
    assert left == 0
