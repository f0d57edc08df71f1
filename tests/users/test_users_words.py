"""The person's own words in the match, and the stored profile as the persona's source of truth.

Through the live server: a user signs up, saves a profile with only a broad interest tag, talks
with the coach over HTTP (the session started with ``{}``) and says the goal only in the talk.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from support import truncate_all
from trendpath.users.rematch import RematchPass, rematch_pass
from web.conftest import seal_session

from .conftest import Served, User, seed_trends, side_runtime, sign_up

pytestmark = pytest.mark.slow

SCOPES = "openid users:read users:write ai:chat"
PROFILE: dict[str, Any] = {
    "status": "job_seeker",
    "field": "경영학",
    "education": "bachelor",
    "weekly_hours": 8,
    "region": "seoul",
    "interests": ["startup"],
    "skills": {"communication": 3},
    "extras": {"languages": ["ko"]},
}
ANSWERS = [
    "졸업을 앞두고 있는데 진로가 고민이에요.",
    "뭘 잘하는지 몰라서 불안해요.",
    "마케팅 데이터 분석을 하는 사람이 되고 싶어요.",
    "일과 삶의 균형이 제일 중요해요. 야근이 많은 곳은 싫어요.",
]


@pytest.fixture(scope="module")
def seeded(users_server: Served) -> Iterator[Served]:
    seed_trends(users_server)
    yield users_server
    truncate_all(users_server.db)


@pytest.fixture
def person(seeded: Served) -> Iterator[User]:
    user = sign_up(seeded, f"{uuid.uuid4().hex[:10]}@example.com", SCOPES)
    yield user
    user.api.close()


def _talk(served: Served, user: User) -> None:
    ai = httpx.Client(base_url=f"{served.url}/api/ai/v1", headers=user.api.headers, timeout=60)
    with ai:
        reply = ai.post("/sessions", json={}).json()  # nothing from the profile in the request
        sid = reply["session_id"]
        for i in range(30):
            if reply["done"]:
                break
            body = {"choice": 0} if reply["options"] else {"text": ANSWERS[min(i, 3)]}
            reply = ai.post(f"/sessions/{sid}/messages", json=body).json()
        if not reply["done"]:
            assert ai.post(f"/sessions/{sid}/finish").status_code == 200


def _stored_profile(served: Served, user: User) -> dict[str, Any]:
    with served.db.engine.connect() as conn:
        inputs = conn.execute(
            text("SELECT inputs FROM ai.persona WHERE user_id = :u"), {"u": user.id}
        ).scalar_one()
    return dict(inputs["profile"])


def test_a_goal_said_only_in_the_talk_reaches_the_cards(seeded: Served, person: User) -> None:
    assert person.api.put("/profile", json=PROFILE).status_code == 200
    _talk(seeded, person)
    match = person.api.post("/match/refresh").json()
    assert match["kind"] == "persona"
    slugs = [i["slug"] for i in match["items"]]
    assert "growth-marketing" in slugs, slugs
    card = next(i for i in match["items"] if i["slug"] == "growth-marketing")
    assert card["quotes"][0]["quote"] == "마케팅 데이터 분석"
    assert card["quotes"][0]["intent"] == "goal"
    assert card["why_ko"].startswith("'마케팅 데이터 분석'을 목표로 말씀하셔서")
    assert card["explanation"]["blocks"]["goals"] > 0
    # The session was started with {}: the persona still has the profile's interests.
    assert _stored_profile(seeded, person)["interests"] == ["startup"]


def test_a_profile_edit_rebuilds_the_persona_and_rematches(seeded: Served, person: User) -> None:
    assert person.api.put("/profile", json=PROFILE).status_code == 200
    _talk(seeded, person)
    first = person.api.post("/match/refresh").json()
    edit = {"interests": ["startup", "nursing"], "extras": {"target_role": "간호사"}}
    assert person.api.patch("/profile", json=edit).status_code == 200
    # The re-match job (driven here; background jobs are off in tests) rebuilds and re-matches.
    jobs = side_runtime(seeded)

    async def one_pass() -> RematchPass:
        try:
            return await rematch_pass(jobs)
        finally:
            await jobs.clients.aclose()

    done = asyncio.run(one_pass())
    assert done.rematched >= 1 and not done.failed
    assert _stored_profile(seeded, person)["revision"] == 2
    assert _stored_profile(seeded, person)["target_role"] == "간호사"
    history = person.api.get("/match/history").json()["items"]
    assert history[0]["match_id"] != first["match_id"], "re-matched without opening the page"
    latest = person.api.get("/match").json()
    assert latest["profile_revision"] == 2 and "smart-nursing" in latest["items"][0]["slug"]


def test_the_results_page_shows_quotes_and_when_it_was_computed(
    seeded: Served, person: User
) -> None:
    assert person.api.put("/profile", json=PROFILE).status_code == 200
    _talk(seeded, person)
    with httpx.Client(base_url=seeded.url, timeout=60) as browser:
        seal_session(browser, seeded.settings, str(person.id), person.token, SCOPES)
        page = browser.get("/results")
    assert page.status_code == 200
    assert "마지막 계산:" in page.text
    assert "<q>마케팅 데이터 분석</q>" in page.text
