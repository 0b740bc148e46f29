"""Screenshots of the dashboard for the README: docs/screenshots/{overview,target,scan}.png.

    python scripts/screenshots.py [--out docs/screenshots]

Everything shown comes from real scans run here, on loopback: the lab's vulnerable and
hardened twins (Flask + DynamoDB), and a small Flask API whose configuration changes between
scans (a Werkzeug debugger left on, then CORS opened to every origin, then security headers
added) so the charts have a story to tell. Only the scans' dates are moved, spread over the past
week, as a team running scheduled scans would see them. The history is a throwaway SQLite file.

Needs Debian's chromium and Playwright for Python (never `playwright install`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.debug import DebuggedApplication
from werkzeug.serving import make_server

from middlebrick.config import ScanConfig
from middlebrick.engine import scan
from middlebrick.http.client import ClientOptions
from middlebrick.storage import History, stamp
from middlebrick.web import DashboardServer

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class Config:
    debugger: bool = False
    cors: bool = False
    headers: bool = False
    traceback: bool = False


def catalog_api(config: Config) -> Callable[..., Any]:
    """A small product-catalog API whose flaws are switched by `config` between scans."""
    app = Flask("catalog")
    products = [{"id": "p-1", "name": "kettle", "price": 30}, {"id": "p-2", "name": "mug",
                                                                "price": 8}]

    @app.get("/")
    def index() -> dict[str, str]:
        return {"service": "catalog", "version": "2.3"}

    @app.get("/products")
    def list_products() -> dict[str, Any]:
        limit = int(request.args.get("limit", "20"))  # a bad value raises: debugger or 500
        return {"products": products[:limit]}

    @app.after_request
    def finish(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if config.cors and origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
        if config.headers:
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Content-Security-Policy"] = "default-src 'none'"
        return response

    debugged = DebuggedApplication(app, evalex=True)

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        app.debug = config.debugger
        return (debugged if config.debugger else app)(environ, start_response)

    return dispatch


@contextmanager
def served(app: Callable[..., Any]) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def record_at(history: History, config: ScanConfig, when: datetime) -> int:
    """Scan for real, then file the report under `when` (the only thing moved)."""
    result = asyncio.run(scan(config))
    report = result.to_dict()
    report["started_at"] = stamp(when)
    report["finished_at"] = stamp(when + timedelta(seconds=result.duration_s))
    return history.record_report(report, source="schedule")


def build_history(history: History) -> dict[str, int]:
    """Fill `history` with the story; the ids of the scans worth a screenshot."""
    from middlebrick.lab import start_lab

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    shown: dict[str, int] = {}
    stories = {
        "catalog": [Config(debugger=True, cors=True), Config(debugger=True, cors=True),
                    Config(cors=True), Config(cors=True), Config(), Config(headers=True),
                    Config(headers=True), Config(headers=True, cors=True)],
        "pricing": [Config(), Config(), Config(), Config(headers=True), Config(headers=True)],
    }
    for name, story in stories.items():
        state = Config()
        with served(catalog_api(state)) as url:
            for n, step in enumerate(story):
                state.__dict__.update(step.__dict__)
                when = now - timedelta(days=len(story) - 1 - n, hours=3 + n % 3, minutes=7 * n)
                shown[name] = record_at(history, ScanConfig(target=url), when)
    with start_lab() as lab:
        # The vulnerable twin's first scans ran as one user; then the team added a second
        # test user to the schedule, and the cross-user (BOLA) checks had someone to test.
        for twin, runs in ((lab.hardened, ((6, True), (4, True), (2, True), (0, True))),
                           (lab.vulnerable, ((5, False), (3, False), (1, True), (0, True)))):
            for days, with_b in runs:
                config = _twin_config(twin, with_b)
                scan_id = record_at(history, config,
                                    now - timedelta(days=days, hours=1, minutes=days * 11))
                if twin is lab.vulnerable and with_b and "vulnerable" not in shown:
                    shown["vulnerable"] = scan_id
    return shown


def _twin_config(twin: Any, with_b: bool) -> ScanConfig:
    def header(user: str) -> dict[str, str]:
        name, _, value = twin.auth_header(user).partition(":")
        return {name.strip(): value.strip()}

    return ScanConfig(target=twin.url, openapi=twin.openapi_url, headers_a=header("alice"),
                      headers_b=header("bob") if with_b else {},
                      client=ClientOptions(deadline=120.0))


def shoot(base: str, shown: dict[str, int], history: History, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    catalog = history.get(shown["catalog"])
    assert catalog is not None
    pages = {
        "overview.png": ("/", None),
        "target.png": (f"/target?url={catalog.summary.target}", None),
        "scan.png": (f"/scans/{shown['vulnerable']}", 1900),
    }
    written = []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        for name, (path, height) in pages.items():
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            target = out / name
            if height is None:
                page.screenshot(path=str(target), full_page=True)
            else:
                page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": 1360,
                                                        "height": height}, full_page=True)
            written.append(target)
        browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="middlebrick-shots-") as tmp:
        history = History.open(str(Path(tmp) / "history.sqlite3"), key=Path(tmp) / "key")
        shown = build_history(history)
        with DashboardServer(history, port=0, schedules=False) as dashboard:
            written = shoot(dashboard.url, shown, history, args.out)
        history.close()
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
