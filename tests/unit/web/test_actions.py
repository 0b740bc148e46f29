"""Scans and schedules started from the dashboard: validated input, safe defaults, history."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from middlebrick.storage import History

from .forms import csrf
from support.serving import serve_wsgi

logging.getLogger("werkzeug").setLevel(logging.ERROR)


def notes_api() -> Flask:
    """A small API in a style of its own: a blueprint-less app answering plain text and JSON."""
    app = Flask("notes")
    seen: list[str] = []

    @app.route("/", methods=["GET", "HEAD"])
    def root():
        return "notes service\n", 200, {"Content-Type": "text/plain"}

    @app.route("/notes", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def notes():
        from flask import request

        seen.append(request.method)
        return {"notes": []}

    app.config["seen"] = seen
    return app


@pytest.mark.parametrize(("field", "value", "message"), [
    ("url", "ftp://127.0.0.1/x", "http:// or https://"),
    ("url", "file:///etc/passwd", "http:// or https://"),
    ("url", "javascript:alert(1)", "http:// or https://"),
    ("url", "http://127.0.0.1/a b", "spaces"),
    ("openapi", "/etc/passwd", "OpenAPI URL"),
    ("openapi", "file:///etc/passwd", "OpenAPI URL"),
    ("headers", "no colon here", "Headers, line 1"),
    ("headers", "Bad Name: x", "Headers, line 1"),
])
def test_bad_scan_input_is_refused_with_a_reason(client, history: History, field, value, message):
    form = {"url": "http://127.0.0.1:9", "csrf_token": csrf(client), field: value}
    response = client.post("/scan", data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="form-errors"' in html and message in html
    assert client.application.extensions["middlebrick"].runner.active() == []


def test_a_scan_started_here_runs_in_the_background_and_lands_in_history(client,
                                                                        history: History):
    api = notes_api()
    with serve_wsgi(api) as url:
        response = client.post("/scan", data={
            "url": url + "/", "csrf_token": csrf(client), "headers": "X-Api-Key: k-123\n\n",
            "read_only": "on"})
        assert response.status_code == 303
        job_url = response.headers["Location"]
        assert client.get(job_url).status_code == 200
        runner = client.application.extensions["middlebrick"].runner
        final = runner.wait(job_url.rsplit("/", 1)[1], timeout=60)
    assert final is not None and final["state"] == "done", final
    status = client.get(job_url + ".json").get_json()
    assert status["scan_url"] == f"/scans/{final['scan_id']}"
    stored = history.scans(url)
    assert [s.id for s in stored] == [final["scan_id"]] and stored[0].source == "dashboard"
    assert set(api.config["seen"]) <= {"GET", "HEAD", "OPTIONS"}  # read-only was honoured
    assert url in client.get("/").get_data(as_text=True)


def test_an_unreachable_target_fails_the_job_with_the_reason(client):
    with serve_wsgi(notes_api()) as url:
        pass  # the server is gone: nothing listens there any more
    response = client.post("/scan", data={"url": url, "csrf_token": csrf(client)})
    runner = client.application.extensions["middlebrick"].runner
    final = runner.wait(response.headers["Location"].rsplit("/", 1)[1], timeout=60)
    assert final is not None and final["state"] == "failed"
    assert "cannot reach" in final["error"]


def test_schedules_are_added_with_a_generated_secret_shown_once(client, history: History):
    token = csrf(client, "/schedules")
    response = client.post("/schedules", data={
        "url": "http://127.0.0.1:9", "interval": "30", "csrf_token": token,
        "webhook_url": "http://127.0.0.1:9/hooks/middlebrick/", "headers": "Authorization: B x"})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    schedule = history.schedules.all()[0]
    secret = history.schedules.secrets(schedule.id).webhook_secret
    assert secret and secret in html
    assert schedule.webhook_url == "http://127.0.0.1:9/hooks/middlebrick/"  # kept as written
    assert secret not in client.get("/schedules").get_data(as_text=True)
    assert "Set-Cookie" not in response.headers or secret not in response.headers["Set-Cookie"]


def test_bad_schedules_are_refused(client, history: History):
    token = csrf(client, "/schedules")
    for form in ({"url": "http://127.0.0.1:9", "interval": "0"},
                 {"url": "http://127.0.0.1:9", "interval": "ten"},
                 {"url": "http://127.0.0.1:9", "interval": "5", "webhook_url": "gopher://x"},
                 {"url": "http://127.0.0.1:9", "interval": "5", "webhook_secret": "s"}):
        assert client.post("/schedules", data={**form, "csrf_token": token}).status_code == 400
    assert history.schedules.all() == []


def test_a_schedule_can_be_run_now_and_deleted(client, history: History):
    with serve_wsgi(notes_api()) as url:
        schedule_id = history.schedules.add(url, interval_minutes=60)
        token = csrf(client, "/schedules")
        response = client.post(f"/schedules/{schedule_id}/run", data={"csrf_token": token})
        assert response.status_code == 303
        runner = client.application.extensions["middlebrick"].runner
        final = runner.wait(response.headers["Location"].rsplit("/", 1)[1], timeout=60)
    assert final is not None and final["state"] == "done"
    after = history.schedules.get(schedule_id)
    assert after is not None and after.last_scan_id == final["scan_id"]
    assert history.scans(url)[0].source == "schedule"
    assert client.post(f"/schedules/{schedule_id}/delete",
                       data={"csrf_token": token}).status_code == 303
    assert client.post(f"/schedules/{schedule_id}/delete",
                       data={"csrf_token": token}).status_code == 404
