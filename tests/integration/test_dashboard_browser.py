"""The dashboard in a real headless Chromium: lists, charts, a scan from the UI, hostile evidence
that stays inert, and forms that refuse to be posted without their CSRF token.

Needs Debian's `chromium` and Playwright for Python (never `playwright install`: it downloads
a browser of its own). Skipped, with the reason, only when one of them is missing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from werkzeug.debug import DebuggedApplication

from middlebrick.config import ScanConfig
from middlebrick.engine import scan
from middlebrick.storage import History
from middlebrick.web import DashboardServer

from support.serving import serve_wsgi

pytestmark = pytest.mark.integration
logging.getLogger("werkzeug").setLevel(logging.ERROR)

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

PAYLOAD = ("<script>window.__pwned = 'script'; document.title = 'pwned'</script>"
           "<img src=/pwned.png onerror=\"window.__pwned = 'img'; document.title = 'pwned'\">")


def shop_api(state: dict[str, bool]) -> Callable[..., Any]:
    """A shop API; with `state["debug"]` it is redeployed with the Werkzeug debugger on."""
    app = Flask("shop")

    @app.get("/")
    def root() -> dict[str, str]:
        return {"shop": "open"}

    @app.get("/carts/<cart_id>")
    def cart(cart_id: str) -> dict[str, Any]:
        return {"cart": cart_id, "items": int(request.args.get("items", "0"))}

    debugged = DebuggedApplication(app, evalex=True)

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        app.debug = state["debug"]
        return (debugged if state["debug"] else app)(environ, start_response)

    return dispatch


def hostile_site() -> Flask:
    """A target whose every page is markup meant to run in whoever displays it."""
    app = Flask("hostile")

    @app.get("/")
    def root() -> tuple[str, int, dict[str, str]]:
        return f"<html><body><h1>hi</h1>{PAYLOAD}</body></html>", 200, {
            "Content-Type": "text/html"}

    return app


def plain_api() -> Flask:
    app = Flask("plain")

    @app.get("/")
    def root() -> dict[str, str]:
        return {"status": "ok"}

    return app


@dataclass
class Site:
    base: str
    history: History
    server: DashboardServer
    shop: str
    hostile: str
    hostile_scan: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("dashboard")
    history = History.open(str(folder / "h.sqlite3"), key=folder / "key")
    state = {"debug": False}
    with serve_wsgi(shop_api(state)) as shop, serve_wsgi(hostile_site()) as hostile:
        history.record(asyncio.run(scan(ScanConfig(target=shop))))
        state["debug"] = True
        history.record(asyncio.run(scan(ScanConfig(target=shop))))
        hostile_scan = history.record(asyncio.run(scan(ScanConfig(target=hostile))))
    with DashboardServer(history, port=0, schedules=False) as server:
        yield Site(base=server.url, history=history, server=server, shop=shop, hostile=hostile,
                   hostile_scan=hostile_scan)
    history.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Seen:
    console: list[str]
    errors: list[str]
    dialogs: list[str]
    requests: list[str]


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Seen]]:
    context = browser.new_context()
    opened = context.new_page()
    seen = Seen([], [], [], [])
    opened.on("console", lambda m: seen.console.append(f"{m.type}: {m.text}"))
    opened.on("pageerror", lambda e: seen.errors.append(str(e)))
    opened.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
    opened.on("request", lambda r: seen.requests.append(r.url))
    yield opened, seen
    context.close()


def test_the_overview_lists_every_scanned_target_worst_first(site: Site, page):
    tab, seen = page
    tab.goto(site.base + "/")
    cards = tab.locator("li.target-card")
    targets = [cards.nth(i).get_attribute("data-target") for i in range(cards.count())]
    assert site.shop in targets and site.hostile in targets
    assert targets.index(site.shop) == 0  # the debugger made it the worst
    assert cards.first.locator(".grade").inner_text() in {"D", "F"}
    assert cards.first.locator("svg.spark polyline").count() == 1  # two scans: a trend line
    assert not [m for m in seen.console if "Content Security Policy" in m]
    assert seen.errors == []


def test_the_chart_has_one_point_per_scan_linking_to_it(site: Site, page):
    tab, seen = page
    tab.goto(site.base + "/")
    tab.locator(f'li.target-card[data-target="{site.shop}"] a').click()
    tab.wait_for_url(re.compile(r"/target\?url="))
    points = tab.locator("#score-chart circle.point")
    expected = [s.id for s in reversed(site.history.scans(site.shop))]
    assert points.count() == len(expected) == 2
    assert [int(points.nth(i).get_attribute("data-scan-id")) for i in range(2)] == expected
    box = tab.locator("#score-chart").bounding_box()
    assert box is not None and box["width"] > 500  # the stylesheet applied
    points.nth(1).click()
    tab.wait_for_url(re.compile(rf"/scans/{expected[1]}$"))
    assert "flask.werkzeug-debugger" in tab.locator("#new-findings").inner_text()
    assert not [m for m in seen.console if "Content Security Policy" in m]


def test_a_scan_started_from_the_dashboard_completes_and_appears(site: Site, page):
    tab, seen = page
    with serve_wsgi(plain_api()) as target:
        tab.goto(site.base + "/scan")
        tab.fill("input[name=url]", target)
        tab.check("input[name=read_only]")
        tab.click("#scan-form button[type=submit]")
        tab.wait_for_url(re.compile(r"/scans/\d+$"), timeout=60_000)  # the page followed it
    assert target in tab.locator("h1").inner_text()
    recorded = site.history.scans(target)
    assert len(recorded) == 1 and recorded[0].source == "dashboard"
    assert tab.url.endswith(f"/scans/{recorded[0].id}")
    tab.goto(site.base + "/")
    assert tab.locator(f'li.target-card[data-target="{target}"]').count() == 1
    assert seen.errors == []


def test_hostile_evidence_is_shown_as_text_and_never_runs(site: Site, page):
    tab, seen = page
    tab.goto(f"{site.base}/scans/{site.hostile_scan}")
    tab.click("button[data-toggle-all]")  # open every finding: all the evidence is on screen
    assert tab.locator("details.finding:not([open])").count() == 0
    shown = tab.locator("pre.response").all_inner_texts()
    assert any(PAYLOAD in text for text in shown)
    tab.wait_for_timeout(300)
    assert tab.evaluate("typeof window.__pwned") == "undefined"
    assert tab.title().startswith("Scan #") and "pwned" not in tab.title()
    assert tab.locator("main img, main script").count() == 0
    assert seen.dialogs == []
    assert not [u for u in seen.requests if "pwned" in u]


def test_a_form_posted_without_its_csrf_token_is_refused(site: Site, page):
    tab, _ = page
    before = site.history.count()
    tab.goto(site.base + "/scan")
    tab.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    tab.fill("input[name=url]", "http://127.0.0.1:9")
    with tab.expect_response(lambda r: r.request.method == "POST") as posted:
        tab.click("#scan-form button[type=submit]")
    assert posted.value.status == 400
    assert "CSRF" in tab.locator("main").inner_text()
    assert site.server.runner.active() == [] and site.history.count() == before


def test_a_form_on_another_site_cannot_start_a_scan(site: Site, page):
    tab, _ = page
    attacker = Flask("attacker")
    form = (f'<form id=f method=post action="{site.base}/scan">'
            '<input name=url value="http://127.0.0.1:9"></form>'
            "<script>document.getElementById('f').submit()</script>")
    attacker.get("/")(lambda: form)
    tab.goto(site.base + "/scan")  # the victim has a dashboard session
    before = site.history.count()
    with serve_wsgi(attacker) as evil:
        with tab.expect_response(lambda r: r.url.startswith(site.base)) as posted:
            tab.goto(evil + "/")
        assert posted.value.status in {400, 403}
    assert site.server.runner.active() == [] and site.history.count() == before


def test_the_policy_itself_stops_inline_script_should_escaping_ever_fail(site: Site, page):
    from middlebrick.web import create_app

    tab, seen = page
    app = create_app(site.history)
    # A page that forgot to escape: raw markup under the dashboard's own response headers.
    app.add_url_rule("/unescaped", "unescaped", lambda: f"<html><body>{PAYLOAD}"
                     "<a id=js href=\"javascript:window.__pwned='href'\">x</a></body></html>")
    with serve_wsgi(app) as base:
        tab.goto(base + "/unescaped")
        tab.click("#js")
        tab.wait_for_timeout(300)
        assert tab.evaluate("typeof window.__pwned") == "undefined"
        assert "pwned" not in tab.title()
    assert any("Content Security Policy" in line for line in seen.console), seen.console
