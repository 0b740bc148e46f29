"""cors.permissive: hostile, look-alike and null origins, preflights, wildcards."""

from __future__ import annotations

import httpx
import pytest
from flask import Flask
from flask_cors import CORS

from middlebrick.checks.cors import HOSTILE_ORIGIN
from middlebrick.http.client import ClientOptions
from middlebrick.models import Severity

from .wsgi import wsgi_handler

CHECK = "cors.permissive"
ENDPOINTS = [("GET", "/"), ("GET", "/items"), ("GET", "/items/1"), ("GET", "/me")]


def reflecting(*, credentials: bool, preflight_only: bool = False):
    """A hand-written after_request that echoes Origin, the classic mistake."""

    def handler(request: httpx.Request) -> httpx.Response:
        origin = request.headers.get("origin")
        headers = {}
        if origin and (request.method == "OPTIONS" or not preflight_only):
            headers["Access-Control-Allow-Origin"] = origin
            if credentials:
                headers["Access-Control-Allow-Credentials"] = "true"
        return httpx.Response(200, json={"ok": True}, headers=headers)

    return handler


def summary(findings) -> list[tuple[str, Severity]]:
    return sorted((f.title, f.severity) for f in findings)


def test_reflected_origin_with_credentials_is_one_high_finding(check_runner):
    findings = check_runner(CHECK, reflecting(credentials=True), explore=ENDPOINTS)
    assert summary(findings) == [("CORS reflects any origin and allows credentials", Severity.HIGH)]
    finding = findings[0]
    assert finding.endpoint is None and len(finding.evidence) == 1
    assert finding.evidence[0].request["headers"]["origin"] == HOSTILE_ORIGIN
    assert finding.evidence[0].response["headers"]["access-control-allow-origin"] == HOSTILE_ORIGIN


def test_reflected_origin_without_credentials_is_medium(check_runner):
    findings = check_runner(CHECK, reflecting(credentials=False), explore=ENDPOINTS)
    assert summary(findings) == [("CORS reflects any origin", Severity.MEDIUM)]


def test_preflight_alone_reflecting_is_found(check_runner):
    findings = check_runner(CHECK, reflecting(credentials=True, preflight_only=True))
    assert summary(findings) == [("CORS reflects any origin and allows credentials", Severity.HIGH)]
    assert findings[0].evidence[0].request["method"] == "OPTIONS"


def flask_cors_app(**options: object) -> Flask:
    app = Flask("cors_unit")

    @app.get("/")
    def index() -> dict[str, str]:
        return {"service": "items"}

    @app.get("/items")
    def items() -> dict[str, list[str]]:
        return {"items": []}

    CORS(app, **options)
    return app


def test_flask_cors_fixed_allow_list_is_fine(check_runner):
    app = flask_cors_app(origins=["https://app.example.com"], supports_credentials=True)
    assert check_runner(CHECK, wsgi_handler(app), explore=[("GET", "/"), ("GET", "/items")]) == []


def test_flask_cors_supports_credentials_reflects(check_runner):
    app = flask_cors_app(supports_credentials=True)
    findings = check_runner(CHECK, wsgi_handler(app), explore=[("GET", "/"), ("GET", "/items")])
    assert summary(findings) == [("CORS reflects any origin and allows credentials", Severity.HIGH)]


def test_flask_cors_default_reflects_without_credentials(check_runner):
    # CORS(app) echoes the Origin (send_wildcard=False) rather than sending "*".
    findings = check_runner(CHECK, wsgi_handler(flask_cors_app()))
    assert summary(findings) == [("CORS reflects any origin", Severity.MEDIUM)]


def test_wildcard_on_public_api_is_info(check_runner):
    findings = check_runner(CHECK, wsgi_handler(flask_cors_app(send_wildcard=True)))
    assert summary(findings) == [("CORS allows every origin (*)", Severity.INFO)]


def test_wildcard_on_authenticated_answers_is_low(check_runner):
    options = ClientOptions(identities={"a": {"Authorization": "Bearer abcdefghijkl"}})
    app = flask_cors_app(send_wildcard=True)
    findings = check_runner(CHECK, wsgi_handler(app), options=options)
    assert summary(findings) == [
        ("CORS allows every origin (*) on authenticated responses", Severity.LOW)
    ]


def test_unanchored_pattern_accepts_look_alike_origin(check_runner):
    # r"https://api\.test" without an end anchor: re.match accepts api.test.evil.example too.
    app = flask_cors_app(origins=[r"https://api\.test.*"], supports_credentials=True)
    findings = check_runner(CHECK, wsgi_handler(app))
    assert summary(findings) == [
        ("CORS allow-list accepts look-alike origins, with credentials", Severity.HIGH)
    ]
    assert findings[0].evidence[0].request["headers"]["origin"] == "https://api.test.evil.example"


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        (True, [("CORS trusts the null origin with credentials", Severity.MEDIUM)]),
        (False, [("CORS trusts the null origin", Severity.LOW)]),
    ],
)
def test_null_origin_in_allow_list(check_runner, credentials, expected):
    app = flask_cors_app(
        origins=["https://app.example.com", "null"], supports_credentials=credentials
    )
    assert summary(check_runner(CHECK, wsgi_handler(app))) == expected


def test_no_cors_headers_at_all(check_runner):
    assert check_runner(CHECK, lambda r: httpx.Response(200, json={}), explore=ENDPOINTS) == []


def test_only_safe_methods_are_sent(check_runner):
    methods: set[str] = set()

    def handler(request: httpx.Request) -> httpx.Response:
        methods.add(request.method)
        return httpx.Response(200, json={})

    check_runner(CHECK, handler, explore=ENDPOINTS, options=ClientOptions(read_only=True))
    assert methods <= {"GET", "OPTIONS"}
