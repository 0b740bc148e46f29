"""headers.missing-security-headers: one finding per missing header, for the whole service."""

from __future__ import annotations

import httpx
import pytest
from flask import Flask, Response

from middlebrick.http.client import ClientOptions
from middlebrick.models import Severity

from .wsgi import wsgi_handler

CHECK = "headers.missing-security-headers"
ENDPOINTS = [("GET", "/"), ("GET", "/items"), ("GET", "/items/1"), ("GET", "/users")]
HARDENED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


def discriminators(findings) -> set[str]:
    return {f.title for f in findings}


def test_bare_json_api_lacks_nosniff_and_framing_once_each(check_runner):
    findings = check_runner(
        CHECK, lambda r: httpx.Response(200, json={"ok": True}), explore=ENDPOINTS
    )
    assert discriminators(findings) == {
        "Missing X-Content-Type-Options: nosniff",
        "Missing anti-framing header (X-Frame-Options or CSP frame-ancestors)",
    }
    for finding in findings:
        assert finding.severity is Severity.LOW
        assert finding.endpoint is None and len(finding.evidence) == 1
        assert "seen on 4 of 4 responses" in finding.description


def test_flask_after_request_hardening_passes(check_runner):
    app = Flask("hardened")

    @app.get("/")
    def index() -> str:
        return "<h1>items</h1>"

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.update(HARDENED)
        return response

    options = ClientOptions(identities={"a": {"Authorization": "Bearer t0ken-value"}})
    assert check_runner(CHECK, wsgi_handler(app), options=options, explore=ENDPOINTS) == []


def test_csp_frame_ancestors_counts_as_anti_framing_but_html_needs_csp(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200, html="<p>hi</p>", headers={"X-Frame-Options": "DENY"})
        headers = {"Content-Security-Policy": "frame-ancestors 'self'"}
        return httpx.Response(
            200, json={}, headers={**headers, "X-Content-Type-Options": "nosniff"}
        )

    findings = check_runner(CHECK, handler, explore=ENDPOINTS)
    assert discriminators(findings) == {
        "Missing X-Content-Type-Options: nosniff",
        "Missing Content-Security-Policy on HTML responses",
    }
    nosniff = next(f for f in findings if "nosniff" in f.title)
    assert "seen on 1 of 4 responses" in nosniff.description


def test_html_error_pages_do_not_need_csp(check_runner):
    headers = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN"}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(404, html="<h1>Not Found</h1>", headers=headers)
        return httpx.Response(200, json={}, headers=headers)

    assert check_runner(CHECK, handler, explore=ENDPOINTS) == []


@pytest.mark.parametrize(
    ("cache_control", "flagged"),
    [
        (None, True),
        ("private, max-age=0", True),
        ("no-cache", True),
        ("no-store", False),
        ("private, No-Store", False),
    ],
)
def test_authenticated_data_needs_no_store(check_runner, cache_control, flagged):
    headers = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
    if cache_control:
        headers["Cache-Control"] = cache_control
    options = ClientOptions(identities={"a": {"X-Api-Key": "k3y-for-tests"}})
    findings = check_runner(
        CHECK, lambda r: httpx.Response(200, json={"me": 1}, headers=headers), options=options
    )
    assert bool(findings) is flagged
    if flagged:
        assert findings[0].title == "Missing Cache-Control: no-store on authenticated responses"
        assert findings[0].evidence[0].request["headers"]["x-api-key"].startswith("k3y-")


def test_anonymous_responses_may_be_cached(check_runner):
    headers = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
    assert check_runner(CHECK, lambda r: httpx.Response(200, json={}, headers=headers)) == []


def test_transport_errors_are_ignored(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert check_runner(CHECK, handler) == []
