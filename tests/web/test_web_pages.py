"""Dashboard pages over plain HTTP (no JavaScript): sign-in gate, onboarding saved through the
users service, the coach by form posts and by the SSE relay, and friendly pages when a service is
down."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict

import httpx
import pytest

from support import LiveServer, free_port, new_user
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.web import session as websession

PROFILE_FORM = {
    "interests": ["ai", "data"],
    "skill__python": "3",
    "skill__communication": "0",
    "status": "career_changer",
    "field": "경영학",
    "education": "bachelor",
    "weekly_hours": "6",
    "region": "seoul",
    "target_role": "데이터 분석가",
}


def _signed_in(client: httpx.Client, settings: Settings, db: Database) -> tuple[str, str]:
    """A real account and the dashboard's sealed session cookie for it; returns (token, csrf)."""
    user_id, token = new_user(db, settings, f"{uuid.uuid4().hex[:8]}@example.com")
    now = int(time.time())
    session = websession.WebSession(
        sub=user_id,
        name="테스트",
        access_token=token,
        access_exp=now + 600,
        refresh_token="unused-in-these-tests",
        csrf="csrf-" + uuid.uuid4().hex,
        expires_at=now + 3600,
    )
    sealed = websession.seal(settings, websession.SESSION_COOKIE, asdict(session))
    client.cookies.set(websession.SESSION_COOKIE, sealed)
    return token, session.csrf


@pytest.fixture
def browser(live_server: LiveServer, db: Database) -> Iterator[httpx.Client]:
    """A cookie-keeping client on the combined server (tables emptied afterwards)."""
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def test_signed_out_home_invites_to_start_and_pages_ask_to_sign_in(browser: httpx.Client) -> None:
    home = browser.get("/")
    assert home.status_code == 200
    assert 'href="/auth/signup?next=/onboarding"' in home.text and "시작하기" in home.text
    for path in ("/onboarding", "/coach", "/results", "/roadmap", "/values", "/news"):
        resp = browser.get(path)
        assert resp.status_code == 303, path
        assert resp.headers["location"] == f"/auth/login?next={path}"
    # The trend explorer is public: no sign-in needed to look.
    assert browser.get("/trends").status_code == 200
    english = browser.get("/?lang=en")
    assert '<html lang="en">' in english.text and "Sign in" in english.text
    assert browser.cookies.get("tp_lang") == "en"


def test_onboarding_saves_the_profile_through_the_users_service(
    browser: httpx.Client, settings: Settings, db: Database
) -> None:
    token, csrf = _signed_in(browser, settings, db)
    page = browser.get("/onboarding")
    assert page.status_code == 200
    assert 'name="interests" value="ai"' in page.text
    assert 'type="range" id="skill-python" name="skill__python" min="0" max="5"' in page.text
    assert browser.post("/onboarding", data=PROFILE_FORM).status_code == 403  # no CSRF token
    # Nothing is preselected: the situation and education start at "선택해 주세요".
    assert '<option value="student" selected' not in page.text
    assert '<option value="high_school" selected' not in page.text
    empty = browser.post("/onboarding", data={**PROFILE_FORM, "interests": [], "csrf_token": csrf})
    assert empty.status_code == 400 and "관심 분야를 하나 이상" in empty.text
    assert 'id="interests-error"' in empty.text and 'data-start-step="2"' in empty.text
    # Each problem is written next to its field; what was typed stays.
    bad = {**PROFILE_FORM, "status": "", "weekly_hours": "500", "csrf_token": csrf}
    refused = browser.post("/onboarding", data=bad)
    assert refused.status_code == 400 and 'data-start-step="1"' in refused.text
    assert 'id="status-error"' in refused.text and "현재 상태를 골라 주세요." in refused.text
    assert 'id="weekly_hours-error"' in refused.text and "1~60시간" in refused.text
    assert 'value="500"' in refused.text and re.search(r'value="ai"\s+checked', refused.text)
    saved = browser.post("/onboarding", data={**PROFILE_FORM, "csrf_token": csrf})
    assert saved.status_code == 303 and saved.headers["location"] == "/coach"
    profile = browser.get(
        "/api/users/v1/profile", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [t["slug"] for t in profile["interests"]] == ["ai", "data"]
    assert (
        profile["skills"] == {"python": 3} and profile["extras"]["target_role"] == "데이터 분석가"
    )
    again = browser.get("/onboarding")
    assert re.search(r'value="ai"\s+checked', again.text)


def _messages(page: str) -> int:
    return page.count('<li class="msg ')


def test_coach_works_by_form_posts_and_streams_over_sse(
    browser: httpx.Client, settings: Settings, db: Database
) -> None:
    _, csrf = _signed_in(browser, settings, db)
    intro = browser.get("/coach")
    assert "대화 시작하기" in intro.text
    started = browser.post("/coach/start", data={"csrf_token": csrf})
    assert started.status_code == 303
    page = browser.get("/coach").text
    assert _messages(page) == 1
    sid = re.search(r'name="session_id" value="([^"]+)"', page)
    assert sid
    sent = browser.post(
        "/coach/send",
        data={
            "csrf_token": csrf,
            "session_id": sid.group(1),
            "text": "데이터 분석가가 되고 싶어요.",
        },
    )
    assert sent.status_code == 303
    assert _messages(browser.get("/coach").text) == 3
    body = {"csrf_token": csrf, "session_id": sid.group(1), "text": "성장하는 게 중요해요."}
    with browser.stream("POST", "/coach/stream", data=body) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        events = re.findall(r"^event: (\w+)$", resp.read().decode(), flags=re.M)
    assert events[-1] == "done" and ("delta" in events or "replace" in events)
    assert _messages(browser.get("/coach").text) == 5
    forged = browser.post("/coach/stream", data={**body, "csrf_token": "forged"})
    assert forged.status_code == 403 and "event: error" in forged.text


def test_results_before_onboarding_points_to_the_profile(
    browser: httpx.Client, settings: Settings, db: Database
) -> None:
    _signed_in(browser, settings, db)
    page = browser.get("/results")
    main = page.text.split("<main", 1)[1]  # the navigation links to onboarding on every page
    assert page.status_code == 200
    assert re.search(r'<a class="button" href="/onboarding">프로필 만들기</a>', main)
    assert "먼저 관심사와 역량을 알려 주세요" in main and '<ol class="cards">' not in main


@pytest.fixture
def broken_server(settings: Settings, database: Database) -> Iterator[LiveServer]:
    """The combined app whose trends and news services point at a port nobody listens on."""
    from trendpath.combined import create_combined_app

    dead = f"http://127.0.0.1:{free_port()}"
    broken = settings.model_copy(update={"trends_url": dead, "news_url": dead})
    runtime = Runtime(settings=broken, db=database, clients=ServiceClients(broken))
    with LiveServer(create_combined_app(broken, runtime)) as server:
        yield server


def test_pages_stay_friendly_when_a_service_is_down(
    broken_server: LiveServer, settings: Settings, db: Database
) -> None:
    with httpx.Client(base_url=broken_server.url, timeout=30) as client:
        _signed_in(client, settings, db)
        for path in ("/trends", "/trends/mlops"):
            page = client.get(path)
            assert page.status_code == 503, path
            assert "잠시 후 다시 시도해 주세요" in page.text
            assert "Traceback" not in page.text and "<nav" in page.text
        home = client.get("/")
        assert home.status_code == 200 and "점검 필요" in home.text


def test_roadmap_empty_state_and_checked_progress_posts(
    browser: httpx.Client, settings: Settings, db: Database
) -> None:
    _, csrf = _signed_in(browser, settings, db)
    page = browser.get("/roadmap")
    assert page.status_code == 200 and "아직 시작한 로드맵이 없어요" in page.text
    offer = browser.get("/roadmap?trend=mlops")
    assert 'name="trend" value="mlops"' in offer.text
    body = {"roadmap_id": "not-a-uuid", "resource_id": "x1", "action": "done"}
    assert browser.post("/roadmap/progress", data=body).status_code == 403
    bad = browser.post("/roadmap/progress", data={**body, "csrf_token": csrf})
    assert bad.status_code == 400 and "다시 골라" in bad.text
    not_matched = browser.post("/roadmap/start", data={"trend": "mlops", "csrf_token": csrf})
    assert not_matched.status_code == 409, not_matched.text


def test_coach_keeps_the_text_box_during_a_forced_choice_and_refuses_overlong_answers(
    browser: httpx.Client, settings: Settings, db: Database
) -> None:
    _, csrf = _signed_in(browser, settings, db)
    browser.post("/coach/start", data={"csrf_token": csrf})
    page = browser.get("/coach").text
    sid = re.search(r'name="session_id" value="([^"]+)"', page)
    assert sid
    form = {"csrf_token": csrf, "session_id": sid.group(1)}
    for _ in range(8):
        if 'class="choice"' in page:
            break
        browser.post("/coach/send", data={**form, "text": "데이터 분석 공부를 하고 있어요"})
        page = browser.get("/coach").text
    assert 'class="choice"' in page and 'id="chat-text"' in page and 'id="send"' in page
    before = _messages(page)
    typed = browser.post("/coach/send", data={**form, "text": "둘 다 중요해요"})
    assert typed.status_code == 303
    assert _messages(browser.get("/coach").text) == before + 2
    too_long = browser.post("/coach/send", data={**form, "text": "가" * 5000})
    assert too_long.status_code == 422 and "4,000자" in too_long.text and "5,000자" in too_long.text
    streamed = browser.post("/coach/stream", data={**form, "text": "가" * 5000})
    assert streamed.status_code == 422 and "4,000자" in streamed.text
    assert _messages(browser.get("/coach").text) == before + 2
