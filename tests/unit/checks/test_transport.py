"""transport.*: plain HTTP, HSTS and cookie attributes (TLS handshakes: integration tests)."""

from __future__ import annotations

import httpx
import pytest
from flask import Flask, jsonify, session

from middlebrick.config import ScanConfig
from middlebrick.http.client import ClientOptions
from middlebrick.models import Severity

from .wsgi import wsgi_handler

PLAIN = "transport.plain-http"
HSTS = "transport.missing-hsts"
COOKIE = "transport.insecure-cookie"


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def test_plain_http_on_a_network_host_is_medium_and_high_with_credentials(check_runner):
    [finding] = check_runner(PLAIN, ok, base_url="http://api.example.com")
    assert finding.severity is Severity.MEDIUM and finding.endpoint is None
    headers = {"Authorization": "Bearer t-123456789"}
    config = ScanConfig(target="http://api.example.com", headers_a=headers)
    [finding] = check_runner(
        PLAIN, ok, base_url="http://api.example.com", config=config,
        options=ClientOptions(identities={"a": headers}),
    )  # fmt: skip
    assert finding.severity is Severity.HIGH


@pytest.mark.parametrize("base", ["http://127.0.0.1:8080", "http://localhost:5000", "http://[::1]"])
def test_plain_http_on_loopback_is_info(check_runner, base):
    [finding] = check_runner(PLAIN, ok, base_url=base)
    assert finding.severity is Severity.INFO and "loopback" in finding.evidence[0].note


def test_redirect_to_https_passes(check_runner):
    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": f"https://api.example.com{request.url.path}"})

    assert check_runner(PLAIN, redirect, base_url="http://api.example.com") == []


def test_https_targets_are_not_plain_http(check_runner):
    assert check_runner(PLAIN, ok, base_url="https://api.example.com") == []


@pytest.mark.parametrize(
    ("header", "title"),
    [(None, "Strict-Transport-Security header missing"),
     ("max-age=300", "Strict-Transport-Security max-age shorter than six months")],
)  # fmt: skip
def test_missing_or_short_hsts(check_runner, header, title):
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Strict-Transport-Security": header} if header else {}
        return httpx.Response(200, json={}, headers=headers)

    [finding] = check_runner(HSTS, handler, base_url="https://api.example.com")
    assert finding.title == title and finding.severity is Severity.LOW


def test_lasting_hsts_passes_and_ip_targets_are_info(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        hsts = {"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload"}
        return httpx.Response(200, json={}, headers=hsts)

    assert check_runner(HSTS, handler, base_url="https://api.example.com") == []
    [finding] = check_runner(HSTS, ok, base_url="https://10.0.0.5")
    assert finding.severity is Severity.INFO
    assert check_runner(HSTS, ok, base_url="http://api.example.com") == []


def cookie_app(**session_flags: object) -> Flask:
    app = Flask("cookies")
    app.config.update(SECRET_KEY="unit-test-key", **session_flags)

    @app.get("/")
    def index():
        response = jsonify(ok=True)
        response.set_cookie("sid", "abc123", httponly=False)
        response.set_cookie("theme", "dark")
        response.set_cookie("csrf_token", "t0k3n", secure=True, samesite="Strict")
        response.set_cookie("old_session", "", expires=0)
        return response

    return app


def test_session_cookie_flags_on_https(check_runner):
    findings = check_runner(COOKIE, wsgi_handler(cookie_app()), base_url="https://api.example.com")
    by_name = {f.title.split("'")[1]: f for f in findings}
    assert set(by_name) == {"sid", "theme"}
    assert by_name["sid"].severity is Severity.MEDIUM
    assert by_name["sid"].title == "Cookie 'sid' set without Secure, HttpOnly, SameSite"
    assert by_name["theme"].severity is Severity.INFO
    assert "abc123" not in str(by_name["sid"].evidence[0].to_dict())


def test_flask_session_cookie_defaults_on_plain_http_lack_only_samesite(check_runner):
    app = Flask("flask-session")
    app.config["SECRET_KEY"] = "unit-test-key"

    @app.get("/")
    def index():
        session["cart"] = []
        return jsonify(ok=True)

    [finding] = check_runner(COOKIE, wsgi_handler(app), base_url="http://api.example.com")
    assert finding.title == "Cookie 'session' set without SameSite"
    assert finding.severity is Severity.LOW


def test_hardened_session_cookie_passes(check_runner):
    app = Flask("hardened-session")
    app.config.update(SECRET_KEY="unit-test-key", SESSION_COOKIE_SECURE=True,
                      SESSION_COOKIE_SAMESITE="Lax")  # fmt: skip

    @app.get("/")
    def index():
        session["cart"] = []
        return jsonify(ok=True)

    assert check_runner(COOKIE, wsgi_handler(app), base_url="https://api.example.com") == []


def test_tls_checks_stay_silent_for_plain_http_targets(check_runner):
    for check_id in ("transport.weak-tls", "transport.bad-certificate", HSTS):
        assert check_runner(check_id, ok, base_url="http://api.example.com") == []
