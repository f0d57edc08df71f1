"""The whole chain on a real server, no person running a command in between: an import makes a
trend fall for weeks → the trend service's events → the users service re-matches the users who
follow it → an inbox notice names the indicator that moved, the roadmap says it is slowing, and
the user's live pages are told."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from support import truncate_all
from trendpath.kit import live
from trendpath.kit.listen import listener
from trendpath.trends.chain import import_and_recompute
from trendpath.users import chain

from .conftest import PROFILE, Served, User, seed_trends, side_runtime, sign_up

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(users_server: Served) -> Iterator[Served]:
    seed_trends(users_server)
    yield users_server
    truncate_all(users_server.db)


@pytest.fixture
def person(seeded: Served) -> User:
    user = sign_up(seeded, f"{uuid.uuid4().hex[:10]}@example.com")
    assert user.api.put("/profile", json=PROFILE).status_code in (200, 201)
    return user


def _fall(served: Served, slug: str, step: float = -10.0) -> None:
    """Revise the trend's last four weeks downwards, as an imported survey would."""
    with served.db.session_scope() as session:
        last = session.execute(text("SELECT max(week) FROM trends.indicator_value")).scalar_one()
        lines = ["trend,week,indicator,value,source"]
        for i in range(4):
            week = last - dt.timedelta(weeks=3 - i)
            for name in ("funding_volume_growth", "learning_demand_growth", "search_volume_growth"):
                lines.append(f"{slug},{week},{name},{step * (i + 1)},survey")
        report, scores = import_and_recompute(session, "\n".join(lines).encode(), "fall.csv")
    assert report.revised == 12 and scores > 0


def _follow_and_drain(served: Served) -> tuple[int, int]:
    side = side_runtime(served)

    async def go() -> tuple[int, int]:
        try:
            events = await chain.sync_trend_events(side)
            ran = await chain.worker(side.settings).drain(side)
            return events, ran
        finally:
            await side.clients.aclose()

    return asyncio.run(go())


def test_a_falling_trend_rematches_its_followers_and_tells_them_once(
    seeded: Served, person: User
) -> None:
    match = person.api.get("/match").json()
    slug = match["items"][0]["slug"]
    name = match["items"][0]["name_ko"]
    started = person.api.post("/roadmaps", json={"trend_slug": slug})
    assert started.status_code == 201, started.text
    bystander = sign_up(seeded, f"{uuid.uuid4().hex[:10]}@example.com")  # follows nothing
    _fall(seeded, slug)

    events, ran = _follow_and_drain(seeded)
    assert events >= 1 and ran == 1  # one re-match, for the one follower

    inbox = person.api.get("/notifications").json()
    assert inbox["unread"] == 1
    (notice,) = inbox["items"]
    assert notice["kind"] == "slowing" and notice["trend_slug"] == slug
    assert notice["roadmap_id"] == started.json()["id"]
    assert notice["message_ko"].startswith(f"{name} 모멘텀이 ")
    assert "주 연속 하락했어요 — " in notice["message_ko"]
    assert notice["message_ko"].endswith("점") and "−" in notice["message_ko"]
    move = notice["data"]["movement"]
    assert move["direction"] == "down" and move["weeks"] >= 3
    assert move["label_ko"] in notice["message_ko"]

    latest = person.api.get("/match").json()
    item = next(i for i in latest["items"] if i["slug"] == slug)
    assert item["velocity"]["movement"]["direction"] == "down"
    assert 0 < item["velocity"]["synthetic_share"] < 1
    roadmap = person.api.get(f"/roadmaps/{started.json()['id']}").json()
    kinds = [n["kind"] for n in roadmap["notices"]]
    assert "slowing" in kinds
    assert bystander.api.get("/notifications").json() == {"unread": 0, "items": []}

    # The same events again (a crash before the cursor moved) change nothing.
    with seeded.db.session_scope() as session:
        session.execute(text("UPDATE users.event_cursor SET last_id = 0"))
    _follow_and_drain(seeded)
    assert person.api.get("/notifications").json()["unread"] == 1

    marked = person.api.post("/notifications/read", json={}).json()
    assert marked == {"marked": 1, "unread": 0}
    assert person.api.post(f"/notifications/{notice['id']}/read").status_code == 204
    assert person.api.post("/notifications/999999/read").status_code == 404
    assert bystander.api.post(f"/notifications/{notice['id']}/read").status_code == 404
    assert person.api.post("/notifications/read", json={"ids": ["x"]}).status_code == 422


def test_a_rematch_tells_the_users_live_pages(seeded: Served, person: User) -> None:
    # The second of the top 3: the test above already made the first one fall, and a trend
    # that keeps falling the same way writes no new event.
    slug = person.api.get("/match").json()["items"][1]["slug"]
    _fall(seeded, slug, step=-12.0)
    side = side_runtime(seeded)
    seen: list[str] = []

    async def go() -> None:
        done = asyncio.Event()

        def got(payload: str) -> None:
            parsed = live.parse(payload)
            if parsed and f"user:{person.id}" in parsed[1]:
                seen.append(parsed[0])
                done.set()

        listen = listener(side)
        listen.subscribe(live.CHANNEL, got)
        await asyncio.wait_for(listen.connected.wait(), 30)
        try:
            await chain.sync_trend_events(side)
            await chain.worker(side.settings).drain(side)
            await asyncio.wait_for(done.wait(), 30)
        finally:
            await listen.aclose()
            await side.clients.aclose()

    asyncio.run(go())
    assert len(seen) == 1
