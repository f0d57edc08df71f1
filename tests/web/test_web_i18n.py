"""Korean first, English on ``?lang=en``: every message id the templates use is in the catalog,
headings and buttons switch, English trend names and skill labels are used; skills are shown by
their taxonomy labels, never by slug."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from markupsafe import escape

from support import LiveServer
from trendpath.kit.db import Database
from trendpath.kit.runtime import Runtime
from trendpath.kit.taxonomy import load_taxonomy
from trendpath.trends.catalog import catalog_by_slug
from trendpath.trends.demo_data import sync_catalog
from trendpath.web import i18n
from trendpath.web.admin_views import AB_OUTCOMES, FEED_STATUSES
from trendpath.web.messages import MESSAGES
from trendpath.web.pages import NAV_ADMIN, NAV_SIGNED_IN
from trendpath.web.routes_trends import SORTS, STATUSES

from .conftest import Visitor

TEMPLATES = Path(i18n.__file__).parent / "templates"


def test_every_message_id_the_templates_use_is_in_the_catalog() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_.0-9]+)'", template.read_text(encoding="utf-8")))
    dynamic = {key for _, key in (*NAV_SIGNED_IN, NAV_ADMIN)}
    dynamic |= {f"feed.status.{s}" for s in FEED_STATUSES}
    dynamic |= {f"ab.outcome.{o}" for o in AB_OUTCOMES}
    for service in ("auth", "users", "news", "trends", "ai"):
        dynamic |= {f"svc.{service}", f"svc.{service}.blurb"}
    dynamic |= {"svc.ok", "svc.starting", "svc.unreachable"}
    dynamic |= {f"status.{s}" for s in STATUSES} | {f"trends.sort_{s}" for s in SORTS}
    dynamic |= {f"trends.forecast_{w}" for w in ("up", "down", "uncertain", "flat")}
    dynamic |= {f"roadmap.step_{s}" for s in ("have", "done", "skipped", "in_progress", "todo")}
    dynamic |= {f"error.{k}_title" for k in ("404", "405", "500")}
    dynamic |= {f"ab.test.{k}" for k in ("z", "fisher", "none")}
    # completed in the template itself (each completion is listed in ``dynamic`` above)
    prefixes = {"feed.status.", "svc.", "status.", "trends.sort_", "trends.forecast_"}
    prefixes |= {"roadmap.step_", "error.", "ab.test."}
    missing = {k for k in used | dynamic if k not in MESSAGES and k not in prefixes}
    assert not missing, missing
    assert all(ko.strip() and en.strip() for ko, en in MESSAGES.values())


def test_text_fills_placeholders_and_tr_knows_the_code_s_sentences() -> None:
    assert i18n.text("ko", "onb.step_of", n=2) == "2/3단계"
    assert i18n.text("en", "onb.step_of", n=2) == "Step 2 of 3"
    unavailable = MESSAGES["msg.unavailable"][0]
    assert i18n.translated("en", unavailable).startswith("This cannot be loaded")
    assert i18n.translated("ko", unavailable) == unavailable
    assert i18n.translated("en", "모르는 문장") == "모르는 문장"
    with pytest.raises(KeyError):
        i18n.text("ko", "no.such.message")


def test_signed_out_pages_switch_language(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        korean = client.get("/")
        assert '<html lang="ko">' in korean.text and "서비스 상태" in korean.text
        english = client.get("/?lang=en")
        assert '<html lang="en">' in english.text
        for words in ("Get started", "Service status", "Skip to content", "Healthy", "한국어"):
            assert words in english.text, words
        assert "시작하기" not in english.text and "서비스 상태" not in english.text
        remembered = client.get("/")  # the choice is kept in the tp_lang cookie
        assert '<html lang="en">' in remembered.text
        back = client.get("/?lang=ko")
        assert "시작하기" in back.text and client.cookies.get("tp_lang") == "ko"


@pytest.fixture
def catalog(db: Database, runtime: Runtime) -> None:
    """The trend catalog in the trends service (tables emptied after the test)."""
    with db.session_scope() as session:
        sync_catalog(session, runtime)


def test_trend_detail_shows_skills_by_label_in_either_language(
    visitors: Callable[..., Visitor], catalog: None
) -> None:
    user = visitors()
    trend = catalog_by_slug()["generative-ai"]
    skills = load_taxonomy().skills
    korean = user.client.get("/trends/generative-ai")
    assert korean.status_code == 200
    for core in trend.core_skills:
        label = skills[core.skill]
        link = f'<a href="/trends?skill={core.skill}">{label.ko}</a> <small>(수준 {core.level})'
        assert f'data-skill="{core.skill}">{link}' in korean.text
        assert f">{core.skill} (" not in korean.text  # never the bare slug
    assert f'<h1>{trend.name_ko} <small lang="en">{trend.name_en}</small></h1>' in korean.text
    english = user.client.get("/trends/generative-ai?lang=en")
    assert f'<h1>{trend.name_en} <small lang="ko">{trend.name_ko}</small></h1>' in english.text
    assert str(escape(trend.description_en)) in english.text
    first = trend.core_skills[0]
    assert f"{skills[first.skill].en}</a> <small>(level {first.level})" in english.text
    for words in ("Core skills", "Related news", "Contribution by indicator", "All trends"):
        assert words in english.text, words
    listing = user.client.get("/trends?q=generative&lang=en")
    assert "<h1>Explore trends</h1>" in listing.text and f">{trend.name_en}</a>" in listing.text


def test_signed_in_pages_have_english_headings_and_buttons(
    visitors: Callable[..., Visitor], catalog: None
) -> None:
    admin = visitors(admin=True)
    expected = {
        "/onboarding": ("Tell us about yourself", "Save and talk with the AI coach"),
        "/coach": ("Talk with the AI coach", "Start the talk"),
        "/results": ("Three trends that fit you", "Create my profile"),
        "/roadmap": ("Learning roadmap", "See my trends"),
        "/account": ("Settings", "Delete account"),
        "/admin": ("Administration", "Data freshness"),
        "/admin/feeds": ("News feeds", "No feeds yet."),
        "/admin/freshness": ("Data freshness", "Latest Velocity week"),
        "/admin/models": ("Forecast models", "Registered model versions"),
        "/admin/abtest": ("A/B test", "Experiment"),
    }
    for path, (heading, label) in expected.items():
        page = admin.client.get(path + "?lang=en")
        assert page.status_code == 200, (path, page.text[:300])
        assert f"<h1>{heading}</h1>" in page.text, path
        assert label in page.text, (path, label)
        assert ">Admin</a>" in page.text  # the admin link, in English
    korean = admin.client.get("/onboarding?lang=ko")
    assert "<h1>나를 알려 주세요</h1>" in korean.text and "1/3단계" in korean.text
    python = load_taxonomy().skills["python"]
    assert f'<label for="skill-python">{python.ko}</label>' in korean.text
    english = admin.client.get("/onboarding?lang=en")
    assert f'<label for="skill-python">{python.en}</label>' in english.text
