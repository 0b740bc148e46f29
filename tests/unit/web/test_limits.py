"""The dashboard's bounds: how many scans may wait, and how large a form may be."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from flask import Flask

from middlebrick.storage import History
from middlebrick.web import create_app
from middlebrick.web.jobs import JobRunner

from .forms import csrf
from support.serving import serve_wsgi

logging.getLogger("werkzeug").setLevel(logging.ERROR)


def stalling_api(release: threading.Event) -> Flask:
    """A target that holds every request until the test lets it go (a slow production API)."""
    app = Flask("stalling")

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def anything(path: str):
        release.wait(20)
        return {"path": path}

    return app


@pytest.fixture
def stalled() -> Iterator[str]:
    release = threading.Event()
    with serve_wsgi(stalling_api(release)) as url:
        try:
            yield url
        finally:
            release.set()


def scan_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("middlebrick-scan-"))


def test_scans_beyond_the_queue_are_refused_not_piled_up(history: History, stalled: str):
    runner = JobRunner(history, max_parallel=1, max_waiting=2)
    client = create_app(history, runner=runner).test_client()
    token = csrf(client)
    before = scan_threads()
    accepted = [client.post("/scan", data={"url": stalled, "csrf_token": token})
                for _ in range(3)]
    assert [r.status_code for r in accepted] == [303, 303, 303]
    for _ in range(5):
        refused = client.post("/scan", data={"url": stalled, "csrf_token": token})
        assert refused.status_code == 429
        assert "Too many scans" in refused.get_data(as_text=True)
    assert len(runner.active()) == 3
    assert scan_threads() - before <= 3  # a refused scan starts no thread


def test_a_schedule_is_not_started_twice_while_its_scan_runs(history: History, stalled: str):
    runner = JobRunner(history, max_parallel=1, max_waiting=5)
    app = create_app(history, runner=runner)
    scheduler = app.extensions["middlebrick"].scheduler
    client = app.test_client()
    schedule_id = history.schedules.add(stalled, interval_minutes=1)
    token = csrf(client, "/schedules")
    first = client.post(f"/schedules/{schedule_id}/run", data={"csrf_token": token})
    assert first.status_code == 303
    again = client.post(f"/schedules/{schedule_id}/run", data={"csrf_token": token})
    assert again.status_code == 409
    assert scheduler.run_due() == []  # due again a minute later, but its scan is still running
    assert len(runner.active()) == 1


def test_the_scheduler_leaves_schedules_due_when_the_queue_is_full(history: History,
                                                                    stalled: str):
    runner = JobRunner(history, max_parallel=1, max_waiting=0)
    app = create_app(history, runner=runner)
    scheduler = app.extensions["middlebrick"].scheduler
    client = app.test_client()
    started = client.post("/scan", data={"url": stalled, "csrf_token": csrf(client)})
    assert started.status_code == 303
    history.schedules.add(stalled, interval_minutes=5)
    history.schedules.add(stalled + "/other", interval_minutes=5)
    assert scheduler.run_due() == []
    assert len(history.schedules.due()) == 2  # still due: they run once there is room
    assert len(runner.active()) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("headers", "X-Big: " + "a" * 9000, "Headers, line 1"),
    ("headers", "\n".join(f"X-H{n}: v" for n in range(60)), "Headers: at most"),
    ("headers_b", "X-Big: " + "b" * 9000, "User B headers, line 1"),
    ("headers", "X-Name: caf\u00e9 \u2603", "Headers, line 1"),
    ("url", "http://127.0.0.1:9/" + "p" * 2100, "URL: at most"),
    ("openapi", "http://127.0.0.1:9/" + "o" * 2100, "OpenAPI URL: at most"),
])
def test_oversized_or_unsendable_input_is_refused(client, field, value, message):
    form = {"url": "http://127.0.0.1:9", "csrf_token": csrf(client), field: value}
    response = client.post("/scan", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.application.extensions["middlebrick"].runner.active() == []


def test_a_huge_request_body_is_refused_before_it_is_read(client):
    token = csrf(client)
    response = client.post("/scan", data={"url": "http://127.0.0.1:9", "csrf_token": token,
                                          "headers": "X-A: b\n" * 40_000})
    assert response.status_code == 413
