"""The dashboard shell in a real browser: Korean text, every service healthy, mobile layout."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def test_dashboard_shell_in_chromium(page, live_server) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("heading", level=1).inner_text().startswith("나에게 맞는")
    for service in ("auth", "users", "news", "trends", "ai"):
        item = page.locator(f'[data-service="{service}"]')
        assert item.get_attribute("class") == "service ok"
        assert item.locator(".state").inner_text() == "정상"
    assert page.locator(".badge.ok").inner_text() == "모두 정상"
    # The skip link is the first thing a keyboard user reaches.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "본문으로 건너뛰기"
    assert screenshot(page, "dashboard-shell").stat().st_size > 10_000


def test_korean_font_is_installed_for_rendering(browser) -> None:
    fonts = subprocess.run(["fc-list", ":lang=ko"], capture_output=True, text=True, check=False)
    assert fonts.stdout.strip(), "no Korean font: apt-get install fonts-nanum"


def test_dashboard_fits_a_phone(page, live_server) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
    screenshot(page, "dashboard-shell-phone")
