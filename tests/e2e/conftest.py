"""A real browser: Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium; skipped locally without one, a failure where CI requires it.

    Module-scoped on purpose: Playwright's sync API keeps an asyncio loop running in this thread
    while it is open, which would break later tests that call ``asyncio.run``.
    """
    executable = _chromium()
    if executable is None:
        if os.environ.get("TRENDPATH_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (apt-get install chromium fonts-nanum)")
        pytest.skip("chromium not installed (apt-get install chromium fonts-nanum)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh page in Korean locale; closed after the test."""
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def axe_violations(page: object) -> list[str]:
    """WCAG 2.1 A/AA problems axe-core finds on the page (vendored, injected for tests only)."""
    if not page.evaluate("() => Boolean(window.axe)"):  # type: ignore[attr-defined]
        page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    found = page.evaluate(  # type: ignore[attr-defined]
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => v.id + ': ' + v.help + ' @ ' +
                v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        }""",
        AXE_TAGS,
    )
    return list(found)


def look(page: object, name: str) -> None:
    """Desktop and phone screenshots under test-artifacts/, no sideways scrolling on the phone,
    and no accessibility violations in either layout."""
    assert axe_violations(page) == [], name
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")  # type: ignore[attr-defined]
    assert overflow is False, f"{name}: scrolls sideways on a phone"
    assert axe_violations(page) == [], f"{name} (phone)"
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]
