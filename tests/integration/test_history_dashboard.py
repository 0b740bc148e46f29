"""History and dashboard end to end: real scans of loopback apps, schedules, signed alerts.

The regression story: a small Flask API is rescanned on a schedule; between two runs someone
deploys it with the Werkzeug debugger on, and the webhook receiver (a tiny HTTP server on
127.0.0.1) gets one correctly signed alert, after one retry.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask, request
from werkzeug.debug import DebuggedApplication

from middlebrick import alerts
from middlebrick.config import ScanConfig
from middlebrick.engine import scan
from middlebrick.storage import History
from middlebrick.web import create_app
from middlebrick.web.jobs import JobRunner
from middlebrick.web.scheduler import Scheduler

from support.cli import invoke
from support.serving import serve_wsgi

pytestmark = pytest.mark.integration
logging.getLogger("werkzeug").setLevel(logging.ERROR)
SECRET = "receiver-shared-secret"


def inventory_api(state: dict[str, bool]) -> Callable[..., Any]:
    """A warehouse API; `state["debug"]` redeploys it with the Werkzeug debugger on."""
    app = Flask("warehouse")

    @app.get("/")
    def root() -> dict[str, str]:
        return {"name": "warehouse"}

    @app.get("/bins/<int:bin_id>")
    def bin_detail(bin_id: int) -> dict[str, Any]:
        shelf = int(request.args.get("shelf", "1"))  # "?shelf=x" raises: a 500 or the debugger
        return {"bin": bin_id, "shelf": shelf}

    debugged = DebuggedApplication(app, evalex=True)

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        app.debug = state["debug"]
        return (debugged if state["debug"] else app)(environ, start_response)

    return dispatch


@dataclass
class Receiver:
    url: str
    seen: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    got_one: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            got = box[0]
            got.seen.append(({k: v for k, v in self.headers.items()}, body))
            status = got.statuses.pop(0) if got.statuses else 200
            self.send_response(status)
            self.end_headers()
            if status == 200:
                got.got_one.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.append(Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks/middlebrick"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box[0]
    server.shutdown()
    server.server_close()


def test_a_regression_on_a_schedule_sends_one_signed_alert(tmp_path: Path, receiver: Receiver,
                                                            capsys):
    history = History.open(str(tmp_path / "h.sqlite3"), key=tmp_path / "key")
    runner = JobRunner(history)
    scheduler = Scheduler(history, runner, dashboard_url="http://127.0.0.1:8765",
                          deliver=lambda url, payload, secret: alerts.deliver(
                              url, payload, secret, base_delay=0.05))
    state = {"debug": False}
    with serve_wsgi(inventory_api(state)) as url:
        schedule_id = history.schedules.add(url, interval_minutes=60, webhook_url=receiver.url,
                                            webhook_secret=SECRET)

        def run() -> dict[str, Any]:
            found = history.schedules.get(schedule_id)
            assert found is not None
            job = scheduler.run(found)
            assert job is not None
            status = runner.wait(job, timeout=60)
            assert status is not None and status["state"] == "done", status
            return status

        started = scheduler.run_due()  # the new schedule is due at once
        assert len(started) == 1 and runner.wait(started[0], timeout=60)["state"] == "done"
        assert scheduler.run_due() == []  # claimed: not due again for an hour
        run()  # the same service again: nothing to say
        state["debug"] = True
        receiver.statuses = [503]  # the receiver hiccups once
        worse = run()
        state["debug"] = False
        run()  # fixed again: an improvement is not an alert

    assert receiver.got_one.is_set()
    assert len(receiver.seen) == 2  # one failed attempt, one delivery, nothing else
    (first_headers, first_body), (headers, body) = receiver.seen
    assert first_body == body
    assert first_headers["X-Middlebrick-Delivery"] == headers["X-Middlebrick-Delivery"]
    assert alerts.verify(SECRET, headers, body)
    assert not alerts.verify("another-secret", headers, body)
    assert headers["X-Middlebrick-Signature"] == alerts.sign(
        SECRET, int(headers["X-Middlebrick-Timestamp"]), body)
    payload = json.loads(body)
    assert payload["event"] == "scan.regression" and payload["target"] == url
    assert payload["scan"]["id"] == worse["scan_id"]
    assert payload["scan"]["url"] == f"http://127.0.0.1:8765/scans/{worse['scan_id']}"
    assert payload["score_drop"] > 0 and payload["schedule"]["id"] == schedule_id
    assert "flask.werkzeug-debugger" in {f["check"] for f in payload["new_findings"]}
    logged = history.schedules.alerts()
    assert [(a.scan_id, a.delivered, a.attempts) for a in logged] == [(worse["scan_id"], True, 2)]

    shown = invoke(capsys, "history", url, "--db", str(tmp_path / "h.sqlite3"), "--format",
                   "json")
    scans = json.loads(shown.out)["scans"]
    assert [s["source"] for s in scans] == ["schedule"] * 4
    by_id = {s["id"]: s for s in scans}
    assert by_id[worse["scan_id"]]["new"] >= 1 and by_id[worse["scan_id"]]["counts"]["critical"]
    assert scans[0]["fixed"] >= 1  # the last scan fixed what the debugger broke
    history.close()


def test_real_scans_of_the_lab_fill_the_overview_and_scan_pages(lab, tmp_path: Path):
    history = History.open(str(tmp_path / "lab.sqlite3"))

    def config(twin: Any) -> ScanConfig:
        header = twin.auth_header("alice").partition(":")
        other = twin.auth_header("bob").partition(":")
        return ScanConfig(target=twin.url, openapi=twin.openapi_url,
                          headers_a={header[0]: header[2].strip()},
                          headers_b={other[0]: other[2].strip()})

    async def both() -> list[Any]:
        return list(await asyncio.gather(scan(config(lab.vulnerable)),
                                         scan(config(lab.hardened))))

    vulnerable, hardened = asyncio.run(both())
    ids = {name: history.record(r) for name, r in (("v", vulnerable), ("h", hardened))}
    client = create_app(history).test_client()
    overview = client.get("/").get_data(as_text=True)
    order = re.findall(r'data-target="([^"]+)"', overview)
    assert order == [lab.vulnerable.url, lab.hardened.url]
    page = client.get(f"/scans/{ids['v']}").get_data(as_text=True)
    assert page.count('<details class="finding ') == len(vulnerable.findings) > 5
    assert f'id="score">{vulnerable.score.value}<' in page
    assert hardened.score.grade == "A" and vulnerable.score.grade in {"D", "F"}
    assert re.search(r"<script(?! src=\"/static/dashboard.js\")", page) is None
    history.close()


def test_the_dashboard_command_serves_until_interrupted(tmp_path: Path):
    db = tmp_path / "cmd.sqlite3"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "middlebrick", "dashboard", "--port", "0", "--db", str(db),
         "--no-schedules", "--token", "cmd-token-0123456789"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=cmd-token-0123456789", first)
        assert match, first
        base = match.group(1)
        assert httpx.get(base + "/").status_code == 401
        opened = httpx.get(base + "/", headers={"X-Middlebrick-Token": "cmd-token-0123456789"})
        assert opened.status_code == 200 and "No scans yet" in opened.text
        assert opened.headers["X-Frame-Options"] == "DENY"
    finally:
        proc.send_signal(signal.SIGTERM)  # what a service manager sends
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "dashboard stopped" in out
    assert db.exists()
