"""The whole journey in Chromium: sign up, onboard by keyboard, talk with the coach until the
summary, read three trend cards, open a trend — against every service on one real port."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from support import Deferred, LiveServer, truncate_all
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

from .conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "correct horse battery staple"
ANSWERS = [
    "요즘 진로 때문에 고민이 많아요. 경영학을 전공했는데 데이터 분석가로 전환하고 싶어요.",
    "안정적인 회사에서 오래 일하고 싶지만 새로운 기술을 배우며 성장하는 것도 중요해요.",
    "3년 안에 데이터로 사업 결정을 돕는 분석가가 되는 게 목표예요.",
    "사람들과 협업하면서 의미 있는 문제를 푸는 일이 좋아요.",
]


def _forecasts(db: Database) -> None:
    """A stored 4-week forecast for every trend (training a model is the trends tests' job)."""
    from sqlalchemy import text

    from trendpath.trends.forecasting import save_forecasts

    with db.session_scope() as session:
        latest = session.execute(
            text("SELECT trend_id, max(week) FROM trends.velocity GROUP BY trend_id")
        ).all()
        rows = [
            {
                "trend_id": tid,
                "week": week,
                "horizon_weeks": 4,
                "point": 3.0,
                "lo": -2.0,
                "hi": 8.0,
                "model_version": "e2e-fixture",
            }
            for tid, week in latest
        ]
        save_forecasts(session, rows)


def _seed(runtime: Runtime, apps: dict[str, Any]) -> None:
    """Demo trends with their vectors and forecasts, as `trendpath run` serves them."""
    from trendpath.demo import ensure_demo
    from trendpath.trends.vectors import refresh_trend_vectors

    list(ensure_demo(runtime))
    _forecasts(runtime.db)
    seeding = Runtime(
        settings=runtime.settings,
        db=runtime.db,
        clients=ServiceClients(runtime.settings, apps=dict(apps)),
    )

    async def embed() -> int:
        try:
            return await refresh_trend_vectors(seeding)
        finally:
            await seeding.clients.aclose()

    # Its own thread: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, embed()).result() > 0


@pytest.fixture(scope="module")
def journey_server(settings: Settings, database: Database) -> Iterator[str]:
    """Every service and the dashboard on one port, issuer and public URL matching it."""
    from trendpath.combined import create_combined_app

    truncate_all(database)
    deferred = Deferred()
    server = LiveServer(deferred)
    live = settings.model_copy(
        update={
            "public_url": server.url,
            "auth_argon2_time_cost": 1,
            "auth_argon2_memory_kib": 1024,
        }
    )
    runtime = Runtime(settings=live, db=database, clients=ServiceClients(live))
    deferred.app = create_combined_app(live, runtime)
    with server:
        _seed(runtime, dict(runtime.clients.apps))
        yield server.url
    truncate_all(database)


def _sign_up(page: Any, base: str, email: str) -> None:
    page.goto(base + "/")
    screenshot(page, "journey-01-home")
    page.get_by_role("link", name="시작하기").click()  # straight to the sign-up form
    assert page.get_by_role("heading", level=1).inner_text() == "회원가입"
    page.get_by_label("이메일").fill(email)
    page.get_by_label("이름").fill("김하늘")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="가입하기").click()
    page.wait_for_url(base + "/onboarding")


def _tab_to(page: Any, condition: str, limit: int = 200) -> None:
    """Press Tab until ``condition`` (JS on ``el``) holds for the focused element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {condition}; }})()"):
            return
    raise AssertionError(f"never reached {condition} by Tab")


def _onboard_by_keyboard(page: Any) -> None:
    assert page.get_by_role("heading", level=1).inner_text() == "나를 알려 주세요"
    _tab_to(page, "el.name === 'interests' && el.value === 'ai'")
    page.keyboard.press("Space")
    _tab_to(page, "el.name === 'interests' && el.value === 'data'")
    page.keyboard.press("Space")
    _tab_to(page, "el.name === 'skill__python'")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.locator("#skill-python-out").inner_text() == "3"
    assert page.locator("#skill-python").get_attribute("aria-valuetext") == "도움 받아 실무 수행"
    _tab_to(page, "el.id === 'field'")
    page.keyboard.type("경영학")
    _tab_to(page, "el.id === 'target_role'")
    page.keyboard.type("데이터 분석가")
    screenshot(page, "journey-02-onboarding")
    _tab_to(page, "el.id === 'save-profile'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/coach")


def _send_typed(page: Any, text: str) -> None:
    page.get_by_label("내 답변").fill(text)
    # With JavaScript the answer goes to the SSE relay, not the plain form post.
    with page.expect_response("**/coach/stream") as streamed:
        page.get_by_role("button", name="보내기").click()
    assert streamed.value.headers["content-type"].startswith("text/event-stream")


def _one_turn(page: Any, turn: int, typed_choice: list[bool]) -> None:
    """Answer once (choice button, summary confirmation or free text); wait for the new page.

    The first forced choice is answered by typing, not clicking: the text box stays under the
    option buttons, and a typed "둘 다" is read as both options (the reply says so).
    """
    page.evaluate("window.__tpOld = true")
    choices = page.locator("button.choice")
    if choices.count() and not typed_choice:
        assert page.get_by_label("내 답변").is_visible()
        _send_typed(page, "둘 다 중요해요")
        page.wait_for_function("() => !window.__tpOld", timeout=20_000)
        typed_choice.append(True)
        assert "둘 다" in page.locator("#chat .msg.assistant").last.inner_text()
        return
    if choices.count():
        choices.first.click()
    elif page.locator("#confirm-summary").count():
        screenshot(page, "journey-04-summary")
        page.locator("#confirm-summary").click()
    else:
        _send_typed(page, ANSWERS[turn % len(ANSWERS)])
    page.wait_for_function("() => !window.__tpOld", timeout=20_000)


def _talk_until_done(page: Any) -> None:
    page.get_by_role("button", name="대화 시작하기").click()
    page.wait_for_url("**/coach*")
    assert "코치" in page.locator("#chat .msg.assistant").first.inner_text()
    typed_choice: list[bool] = []
    for turn in range(24):
        if page.locator("#talk-done").count():
            assert typed_choice, "no forced choice was answered by typing"
            return
        _one_turn(page, turn, typed_choice)
        if turn == 1:
            screenshot(page, "journey-03-coach")
    raise AssertionError("the coach never reached its summary")


def _skills_by_label(items: Any) -> None:
    """Skills appear by their Korean taxonomy label, never by slug."""
    from trendpath.kit.taxonomy import load_taxonomy

    skills = load_taxonomy().skills
    assert items.count() >= 1
    for i in range(items.count()):
        item = items.nth(i)
        slug = item.get_attribute("data-skill")
        heading = item.locator("h3")  # roadmap steps: the heading names the skill
        text = heading.first.inner_text() if heading.count() else item.inner_text()
        assert slug in skills and skills[slug].ko in text
        assert slug not in text


def _roadmap(page: Any, base: str, trend_name: str) -> None:
    """Start the roadmap of the first trend from its card and tick off a first resource."""
    page.goto(base + "/results")
    page.locator(".trend-card").first.get_by_role("link", name="로드맵 보기").click()
    page.get_by_role("button", name="로드맵 시작하기").click()
    page.wait_for_url("**/roadmap")
    assert trend_name in page.locator(".roadmap h2").first.inner_text()
    assert page.locator(".timeline li").count() >= 1
    _skills_by_label(page.locator(".steps-list .step"))
    first_resource = page.locator(".resources li").first
    resource_id = first_resource.get_attribute("data-resource")
    first_resource.get_by_role("button", name="완료 표시").click()
    page.wait_for_url("**/roadmap*")
    ticked = page.locator(f'[data-resource="{resource_id}"]').first
    assert ticked.get_by_role("button", name="완료 취소").count() == 1
    screenshot(page, "journey-07-roadmap")


def test_new_user_journey_in_chromium(journey_server: str, page: Any) -> None:
    base = journey_server
    _sign_up(page, base, "journey@example.com")
    _onboard_by_keyboard(page)
    _talk_until_done(page)
    page.get_by_role("link", name="추천 트렌드 보기").click()
    page.wait_for_url("**/results")
    cards = page.locator(".trend-card")
    assert cards.count() == 3
    for i in range(3):
        card = cards.nth(i)
        assert "%" in card.locator(".sim strong").inner_text()
        assert card.locator(".why").inner_text().strip()
        assert card.locator(".spark svg path.line").count() == 1
        assert card.locator(".spark svg path.band").count() == 1
        _skills_by_label(card.locator(".skills li"))
    assert page.locator(".recomputed").count() == 1
    quotes = page.locator(".trend-card .quotes q").all_inner_texts()
    assert any("분석가" in q for q in quotes), quotes  # the person's own words on the cards
    screenshot(page, "journey-05-results")
    page.set_viewport_size({"width": 375, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth > window.innerWidth") is False
    screenshot(page, "journey-05-results-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    first = cards.first.locator("h2 a")
    name = first.inner_text()
    first.click()
    page.wait_for_url("**/trends/*")
    assert page.get_by_role("heading", level=1).inner_text().startswith(name)
    assert page.locator(".bars li").count() == 5
    assert page.locator(".spark svg path.band").count() == 1
    screenshot(page, "journey-06-trend")
    _roadmap(page, base, name)
    page.goto(base + "/trends?q=AI&lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Explore trends").count() == 1
    assert page.locator(".trend-table tbody tr").count() >= 1
