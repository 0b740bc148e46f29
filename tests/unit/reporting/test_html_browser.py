"""The HTML report opened in headless Chromium: it renders, and hostile evidence stays inert.

Needs Debian's `chromium` and Playwright for Python (never `playwright install`: it downloads
a browser of its own). Skipped, with the reason, only when one of them is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from middlebrick.reporting import REPORTERS

from .samples import HOSTILE_BODY, SCRIPT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)"
)
if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def opened(browser: Any, hostile: Any, tmp_path: Path) -> Iterator[tuple[Any, dict[str, list]]]:
    report = tmp_path / "report.html"
    with report.open("w", encoding="utf-8") as out:
        REPORTERS.get("html")(hostile, out)
    seen: dict[str, list] = {"requests": [], "dialogs": [], "console": [], "errors": []}
    page = browser.new_page()
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("console", lambda m: seen["console"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    yield page, seen
    page.close()


def test_the_report_renders(opened):
    page, seen = opened
    assert page.title().startswith("middlebrick report")
    assert page.inner_text("#grade") == "F"
    assert "55" in page.inner_text("#score")
    assert page.locator("details.finding").count() == 3
    assert page.locator("#coverage tr").count() == 4  # header + three operations
    box = page.locator("#grade").bounding_box()
    assert box is not None and box["width"] > 40  # the inline CSS applied
    assert seen["errors"] == []


def test_hostile_evidence_does_not_run(opened):
    page, seen = opened
    page.locator("details.finding").first.evaluate("d => d.open = true")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 0
    assert page.locator("img").count() == 0
    shown = page.locator("pre.response").first.inner_text()
    assert SCRIPT in shown and HOSTILE_BODY in shown  # shown as text
    assert seen["dialogs"] == []


def test_nothing_is_loaded_from_anywhere(opened):
    _, seen = opened
    assert len(seen["requests"]) == 1 and seen["requests"][0].startswith("file://")
