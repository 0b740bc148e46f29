"""What the dashboard does on request: run a scan, follow its progress, manage schedules.

Every POST here passed the CSRF check in security.py before it arrives. Scans started here use
the command line's safe defaults (never destructive; read-only on request).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from middlebrick.web.app import dashboard
from middlebrick.web.forms import scan_request, schedule_request
from middlebrick.web.jobs import ScanQueueFull
from middlebrick.web.scheduler import scan_config

actions = Blueprint("actions", __name__)


@actions.get("/scan")
def scan_form() -> str:
    return render_template("scan_form.html", errors=[], form={"url": request.args.get("url", "")})


@actions.post("/scan")
def start_scan() -> BaseResponse | tuple[str, int]:
    errors: list[str] = []
    wanted = scan_request(request.form, errors)
    if errors:
        return render_template("scan_form.html", errors=errors, form=_echo()), 400
    config = scan_config(wanted.target, openapi=wanted.openapi, headers=wanted.headers,
                         headers_b=wanted.headers_b, read_only=wanted.read_only)
    try:
        job = dashboard().runner.submit(config, source="dashboard")
    except ScanQueueFull as exc:
        return render_template("scan_form.html", errors=[str(exc)], form=_echo()), 429
    return redirect(url_for("actions.job", job_id=job), code=303)


@actions.get("/jobs/<job_id>")
def job(job_id: str) -> str:
    status = dashboard().runner.status(job_id)
    if status is None:
        abort(404, "No such scan job (jobs are kept in memory until the dashboard stops).")
    return render_template("job.html", job=status)


@actions.get("/jobs/<job_id>.json")
def job_status(job_id: str) -> dict[str, Any]:
    status = dashboard().runner.status(job_id)
    if status is None:
        abort(404, "No such scan job.")
    if status["scan_id"] is not None:
        status["scan_url"] = url_for("pages.scan", scan_id=status["scan_id"])
    return status


@actions.get("/schedules")
def schedules() -> str:
    store = dashboard().history.schedules
    return render_template("schedules.html", schedules=store.all(), alerts=store.alerts(),
                           errors=[], form={"interval": "60"}, generated=None)


@actions.post("/schedules")
def add_schedule() -> BaseResponse | tuple[str, int]:
    errors: list[str] = []
    wanted = schedule_request(request.form, errors)
    store = dashboard().history.schedules
    if errors:
        return render_template("schedules.html", schedules=store.all(), alerts=store.alerts(),
                               errors=errors, form=_echo(), generated=None), 400
    secret = wanted.webhook_secret
    generated = None
    if wanted.webhook_url and not secret:
        secret = generated = secrets.token_urlsafe(24)
    store.add(wanted.scan.target, interval_minutes=wanted.interval_minutes,
              openapi=wanted.scan.openapi, headers=wanted.scan.headers,
              read_only=wanted.scan.read_only, webhook_url=wanted.webhook_url,
              webhook_secret=secret)
    if generated is None:
        return redirect(url_for("actions.schedules"), code=303)
    # A generated secret is shown once, on this page; it is never put in a cookie or a URL.
    return render_template("schedules.html", schedules=store.all(), alerts=store.alerts(),
                           errors=[], form={"interval": "60"},
                           generated={"url": wanted.webhook_url, "secret": generated}), 201


@actions.post("/schedules/<int:schedule_id>/delete")
def delete_schedule(schedule_id: int) -> BaseResponse:
    if not dashboard().history.schedules.delete(schedule_id):
        abort(404, "No such schedule.")
    return redirect(url_for("actions.schedules"), code=303)


@actions.post("/schedules/<int:schedule_id>/run")
def run_schedule(schedule_id: int) -> BaseResponse:
    found = dashboard().history.schedules.get(schedule_id)
    if found is None:
        abort(404, "No such schedule.")
    try:
        started = dashboard().scheduler.run(found)
    except ScanQueueFull as exc:
        abort(429, str(exc))
    if started is None:
        abort(409, "This schedule's scan is still running, or was just started elsewhere.")
    return redirect(url_for("actions.job", job_id=started), code=303)


def _echo() -> dict[str, str]:
    """The submitted form minus its secrets, to fill the form again after an error."""
    return {k: v for k, v in request.form.items()
            if k not in {"csrf_token", "headers", "headers_b", "webhook_secret"}}


__all__ = ["actions"]
