"""The whole journey in Chromium against every service on one real port: sign up (privacy consent),
onboard in three steps by keyboard, talk with the coach, read three trend cards with their charts,
open a trend, start an honest roadmap and log hours; then the value profile, news, the public
explorer, export, one-click sign-out and a password reset through the mail outbox. Every page is
checked by axe-core and photographed at desktop and phone size (test-artifacts/)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from support import Deferred, LiveServer, truncate_all
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

from .conftest import DESKTOP, axe_violations, look, screenshot

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
            # A running experiment, so the dashboard's A/B events are recorded.
            "users_ab_variants": "similarity=50,momentum=50",
            "users_ab_min_users_per_arm": 2,
        }
    )
    runtime = Runtime(settings=live, db=database, clients=ServiceClients(live))
    deferred.app = create_combined_app(live, runtime)
    with server:
        _seed(runtime, dict(runtime.clients.apps))
        yield server.url
    truncate_all(database)


STATE: dict[str, Any] = {}
"""What the first test leaves for the others in this module: the signed-in browser state."""


def _sign_up(page: Any, base: str, email: str) -> None:
    page.goto(base + "/")
    look(page, "journey-01-home")
    page.get_by_role("link", name="시작하기").click()  # straight to the sign-up form
    assert page.get_by_role("heading", level=1).inner_text() == "회원가입"
    page.get_by_label("이메일").fill(email)
    page.get_by_label("이름").fill("김하늘")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="가입하기").click()
    # Without the privacy consent: refused next to the box, the e-mail and name kept.
    assert (
        "개인정보 처리방침을 읽고 동의해 주세요"
        in page.locator("#privacy_consent-error").inner_text()
    )
    assert page.get_by_label("이메일").input_value() == email
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.locator("#privacy_consent").check()
    page.get_by_role("button", name="가입하기").click()
    page.wait_for_url(base + "/onboarding")


def _tab_to(page: Any, condition: str, limit: int = 200) -> None:
    """Press Tab until ``condition`` (JS on ``el``) holds for the focused element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {condition}; }})()"):
            return
    raise AssertionError(f"never reached {condition} by Tab")


def _choose(page: Any, element_id: str, keys: int) -> None:
    """Pick an option of a select by keyboard (focus it, then arrow down)."""
    _tab_to(page, f"el.id === '{element_id}'")
    for _ in range(keys):
        page.keyboard.press("ArrowDown")


def _onboard_by_keyboard(page: Any) -> None:
    assert page.get_by_role("heading", level=1).inner_text() == "나를 알려 주세요"
    assert page.locator("#stepper li[aria-current=step]").inner_text().startswith("1/3단계")
    assert page.locator("#status").input_value() == ""  # nothing preselected
    _tab_to(page, "el.classList.contains('next') && el.offsetParent !== null")
    page.keyboard.press("Enter")  # step 1 empty: each field says what is missing
    assert page.locator("#status-error").inner_text() == "현재 상태를 골라 주세요."
    assert page.locator("#stepper li[aria-current=step]").get_attribute("data-step") == "1"
    look(page, "journey-02-onboarding-1")
    _choose(page, "status", 2)
    _choose(page, "education", 3)
    _tab_to(page, "el.id === 'field'")
    page.keyboard.type("경영학")
    _tab_to(page, "el.id === 'target_role'")
    page.keyboard.type("데이터 분석가")
    _choose(page, "region", 1)
    _tab_to(page, "el.classList.contains('next') && el.offsetParent !== null")
    page.keyboard.press("Enter")
    assert page.locator("#stepper li[aria-current=step]").get_attribute("data-step") == "2"
    _tab_to(page, "el.name === 'interests' && el.value === 'ai'")
    page.keyboard.press("Space")
    _tab_to(page, "el.name === 'interests' && el.value === 'data'")
    page.keyboard.press("Space")
    look(page, "journey-02-onboarding-2")
    _tab_to(page, "el.classList.contains('next') && el.offsetParent !== null")
    page.keyboard.press("Enter")
    # Step 3 starts with the skills AI and data need; the rest wait under "더 보기".
    relevant = page.locator("#relevant-skills .slider")
    assert 1 <= relevant.count() <= 12
    shown = [relevant.nth(i).get_attribute("data-skill") for i in range(relevant.count())]
    assert "python" in shown and "machine_learning" in shown
    assert page.locator("#more-skills .slider").count() > 30
    _tab_to(page, "el.name === 'skill__python'")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.locator("#skill-python-out").inner_text() == "3"
    assert page.locator("#skill-python").get_attribute("aria-valuetext") == "도움 받아 실무 수행"
    look(page, "journey-02-onboarding-3")
    # Going back loses nothing.
    page.locator("#step-skills button.prev").click()
    page.locator("#step-interests button.prev").click()
    assert page.locator("#field").input_value() == "경영학"
    page.locator("#stepper li[data-step='3'] a").click()
    assert page.locator("#skill-python").input_value() == "3"
    page.locator("#save-profile").click()
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


def _charts_are_drawn(page: Any, scope: Any) -> None:
    figures = scope.locator("figure.vchart")
    assert figures.count() >= 1
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.vchart')]"
        ".every(f => f.classList.contains('drawn'))"
    )
    for i in range(figures.count()):
        fig = figures.nth(i)
        assert fig.locator("canvas[role=img]").count() == 1
        assert "성장 속도 지수" in fig.locator("figcaption").inner_text()
        assert fig.locator(".chart-table tbody tr").count() >= 4  # the numbers behind the chart


def _results(page: Any) -> list[str]:
    page.get_by_role("link", name="추천 트렌드 보기").click()
    page.wait_for_url("**/results")
    cards = page.locator(".trend-card")
    assert cards.count() == 3
    for i in range(3):
        card = cards.nth(i)
        assert "%" in card.locator(".sim strong").inner_text()
        why = card.locator(".why").inner_text()
        assert why.strip() and "-0.0" not in why and "있요" not in why
        _skills_by_label(card.locator(".skills li"))
    assert page.locator(".recomputed").count() == 1
    quotes = page.locator(".trend-card .quotes q").all_inner_texts()
    assert any("분석가" in q for q in quotes), quotes  # the person's own words on the cards
    _charts_are_drawn(page, page)
    chart = cards.first.locator("figure.vchart")
    assert '"scale": [0.0, 100.0]' in (chart.get_attribute("data-chart") or "")
    look(page, "journey-05-results")
    return [cards.nth(i).get_attribute("data-slug") for i in range(3)]


def _trend_page(page: Any) -> str:
    first = page.locator(".trend-card").first.locator("h2 a")
    name = first.inner_text()
    first.click()  # through /results/go: the click is recorded for the A/B test
    page.wait_for_url("**/trends/*")
    assert page.get_by_role("heading", level=1).inner_text().startswith(name)
    assert page.locator(".bars li").count() == 5
    _charts_are_drawn(page, page)
    caption = page.locator("figure.vchart figcaption").inner_text()
    assert "80% 예측 구간" in caption and (
        "오를" in caption or "내릴" in caption or "불확실" in caption
    )
    assert page.locator("#forecast-details code").count() == 1  # the model id only under 자세히
    assert not page.locator("#forecast-details code").is_visible()
    page.locator("#forecast-details summary").click()
    # This fixture's model has no description: its code alone (test_web_data covers the words).
    assert page.locator("#forecast-details dd").first.inner_text() == "e2e-fixture"
    page.locator("#forecast-details summary").click()
    look(page, "journey-06-trend")
    return name


def _roadmap(page: Any, base: str, trend_name: str) -> None:
    """Start the roadmap of the first trend, log hours on a resource and skip a step."""
    page.goto(base + "/results")
    page.locator(".trend-card").first.get_by_role("link", name="로드맵 보기").click()
    page.get_by_role("button", name="로드맵 시작하기").click()
    page.wait_for_url("**/roadmap*")
    assert trend_name in page.locator(".roadmap h2").first.inner_text()
    assert page.locator(".skillmap .node").count() == page.locator(".steps-list .step").count()
    _skills_by_label(page.locator(".steps-list .step"))
    # Python at 3 implies programming basics at 2: where that is enough, it is "이미 갖춤".
    for label in page.locator(".timeline .weeks").all_inner_texts():
        assert label.endswith("주차") and not any(f"{n}–{n}주차" in label for n in range(1, 99))
    step = page.locator(".steps-list .step[data-state=todo]").first
    resource = step.locator(".resources li").first
    rid = resource.get_attribute("data-resource")
    resource.locator("input[name=hours]").fill("2")
    resource.get_by_role("button", name="기록하기").click()
    page.wait_for_url("**/roadmap*")
    logged = page.locator(f'[data-resource="{rid}"]').first.locator(".logged").inner_text()
    assert logged.startswith("2/"), logged
    assert "이번 주 목표" in page.locator("#week-message").inner_text()
    skill = step.get_attribute("data-skill")
    page.locator(f"#step-{skill}").get_by_role("button", name="건너뛰기").click()
    page.wait_for_url("**/roadmap*")
    assert page.locator(f"#step-{skill}").get_attribute("data-state") == "skipped"
    look(page, "journey-07-roadmap")


def test_new_user_journey_in_chromium(journey_server: str, page: Any, database: Database) -> None:
    base = journey_server
    _sign_up(page, base, "journey@example.com")
    _onboard_by_keyboard(page)
    _talk_until_done(page)
    slugs = _results(page)
    page.set_viewport_size(DESKTOP)
    name = _trend_page(page)
    _roadmap(page, base, name)
    STATE["slugs"] = slugs
    STATE["storage"] = page.context.storage_state()
    kinds = _ab_kinds(database, "journey@example.com")
    assert {"exposure", "viewed", "clicked", "roadmap_started"} <= kinds


def _ab_kinds(db: Database, email: str) -> set[str]:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        user = conn.execute(
            text("SELECT id FROM auth.account WHERE email = :e"), {"e": email}
        ).scalar_one()
        return set(
            conn.execute(
                text("SELECT DISTINCT kind FROM users.ab_event WHERE user_id = :u"), {"u": user}
            ).scalars()
        )


def _articles(db: Database, slugs: list[str]) -> None:
    """One sample article per matched trend, the first with a funding deal."""
    from sqlalchemy import text

    from trendpath.news import store

    with db.session_scope() as session:
        made = store.add_feed(
            session, "https://news.example/e2e.xml", added_by="e2e", title="테스트 뉴스"
        )
        assert made is not None
        feed = made.id
    with db.engine.begin() as conn:
        for i, slug in enumerate(slugs):
            aid = conn.execute(
                text(
                    "INSERT INTO news.article (feed_id, hash, url, title, summary, published_at,"
                    " fetched_at, keywords, meta) VALUES (:f, :h, :u, :t, '요약', now(), now(),"
                    " ARRAY['AI', '투자'], '{}') RETURNING id"
                ),
                {
                    "f": feed,
                    "h": hashlib.sha256(slug.encode()).hexdigest(),
                    "u": f"https://news.example/{slug}",
                    "t": f"{slug} 소식",
                },
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO news.article_trend (article_id, slug, score, keyword_score,"
                    " embedding_score, matched) VALUES (:a, :s, 0.9, 0.9, 0.0, ARRAY['AI'])"
                ),
                {"a": aid, "s": slug},
            )
            if i == 0:
                conn.execute(
                    text(
                        "INSERT INTO news.deal (article_id, round, amount_krw, amount_text,"
                        " sentence) VALUES (:a, '시리즈 A', 10000000000, '100억 원', '투자 유치')"
                    ),
                    {"a": aid},
                )


def test_values_news_account_and_reset(
    journey_server: str, browser: Any, database: Database
) -> None:
    base = journey_server
    if "storage" not in STATE:
        pytest.skip("needs the journey above")
    context = browser.new_context(locale="ko-KR", viewport=DESKTOP, storage_state=STATE["storage"])
    page = context.new_page()
    page.goto(base + "/values")
    assert page.locator("#values-table tbody tr").count() == 9
    assert page.locator("#values-summary blockquote").count() == 1  # the summary confirmed
    assert "직업가치관검사" in page.locator("body").inner_text()
    look(page, "journey-08-values")
    _articles(database, STATE["slugs"])
    page.goto(base + "/news")
    assert page.locator(".news-trend").count() == 3
    first = page.locator(".article").first
    assert "테스트 뉴스" in first.locator(".source").inner_text()
    assert page.locator(".deal").first.inner_text().startswith("투자")
    look(page, "journey-09-news")
    page.goto(base + "/account")
    with page.expect_download() as download:
        page.locator("#export-data").click()
    assert download.value.suggested_filename.startswith("trendpath-data-")
    look(page, "journey-10-account")
    page.locator("#logout").click()  # one click, no second confirmation page
    page.wait_for_url(base + "/")
    assert page.get_by_role("link", name="시작하기").count() == 1
    _reset_password(page, base)
    context.close()


def _reset_password(page: Any, base: str) -> None:
    page.goto(base + "/auth/login")
    page.locator("#forgot-link").click()
    page.get_by_label("이메일").fill("journey@example.com")
    page.get_by_role("button", name="재설정 링크 받기").click()
    assert "재설정 링크를 보냈어요" in page.locator("body").inner_text()
    page.goto(base + "/api/auth/dev/outbox")
    link = page.locator("a[href*='/reset?token=']").first.get_attribute("href") or ""
    page.goto(base + link[link.index("/api/auth/reset") :])
    page.get_by_label("새 비밀번호", exact=True).fill("a brand new passphrase 42")
    page.get_by_label("새 비밀번호 확인").fill("a brand new passphrase 42")
    page.get_by_role("button", name="비밀번호 바꾸기").click()
    assert page.get_by_role("heading", level=1).inner_text() == "비밀번호를 바꿨어요"
    screenshot(page, "journey-11-reset-done")


def test_the_accessibility_checker_finds_problems(page: Any) -> None:
    page.set_content(
        '<html lang="ko"><body><main><input id="x"><img src="a.png"></main></body></html>'
    )
    found = axe_violations(page)
    assert any(v.startswith("label:") for v in found) and any(
        v.startswith("image-alt:") for v in found
    )


def test_public_explorer_without_an_account(journey_server: str, page: Any) -> None:
    base = journey_server
    page.goto(base + "/trends?q=마케팅")
    names = page.locator(".trend-row h2 a").all_inner_texts()
    assert any("이커머스" in n for n in names) and any("콘텐츠" in n for n in names)
    page.select_option("#status", "rising")
    page.get_by_role("button", name="찾기").click()
    page.wait_for_url("**status=rising*")
    assert all(
        s == "rising"
        for s in page.locator(".trend-row").evaluate_all("rows => rows.map(r => r.dataset.status)")
    )
    look(page, "explorer-01-search")
    page.goto(base + "/trends?skill=python&sort=name")
    assert page.locator(".trend-row").count() >= 3
    page.locator(".trend-row h2 a").first.click()
    page.wait_for_url("**/trends/*")
    assert page.locator("#share-link").count() == 1 and page.locator(".related li").count() >= 1
    _charts_are_drawn(page, page)
    look(page, "explorer-02-trend")
    page.goto(base + "/trends?lang=en")
    assert page.get_by_role("link", name="Explore trends").count() == 1
    page.goto(base + "/no-such-page?lang=ko")
    assert page.get_by_role("heading", level=1).inner_text() == "페이지를 찾을 수 없어요"
    look(page, "explorer-03-not-found")
