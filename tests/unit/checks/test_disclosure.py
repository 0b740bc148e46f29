"""disclosure.server-version: product headers, with (low) or without (info) a version."""

from __future__ import annotations

import httpx
import pytest
from flask import Flask

from middlebrick.checks.disclosure import has_version
from middlebrick.models import Severity

from .wsgi import wsgi_handler

CHECK = "disclosure.server-version"


def answering(headers: dict[str, str]):
    return lambda request: httpx.Response(200, json={}, headers=headers)


def test_werkzeug_dev_server_banner_is_low_and_named(check_runner):
    server = "Werkzeug/3.1.3 Python/3.11.7"
    findings = check_runner(CHECK, answering({"Server": server}))
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.severity, finding.endpoint) == (Severity.LOW, None)
    assert finding.title == f"Server header discloses {server}"
    assert "development server" in (finding.evidence[0].note or "")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Server": "nginx"}, [("server", Severity.INFO)]),
        ({"Server": "gunicorn"}, [("server", Severity.INFO)]),
        ({"Server": "gunicorn/20.1.0"}, [("server", Severity.LOW)]),
        (
            {"Server": "nginx", "X-Powered-By": "PHP/8.2.1"},
            [("server", Severity.INFO), ("x-powered-by", Severity.LOW)],
        ),
        ({"X-Powered-By": "Express"}, [("x-powered-by", Severity.INFO)]),
        ({"X-AspNet-Version": "4.0.30319"}, [("x-aspnet-version", Severity.LOW)]),
        ({}, []),
    ],
)
def test_severity_follows_the_version(check_runner, headers, expected):
    findings = check_runner(CHECK, answering(headers))
    got = sorted((f.title.split(" header")[0].lower(), f.severity) for f in findings)
    assert got == expected


def test_one_finding_per_header_prefers_the_versioned_answer(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        server = "nginx/1.25.3" if request.url.path == "/b" else "nginx"
        return httpx.Response(200, json={}, headers={"Server": server})

    explore = [("GET", "/"), ("GET", "/a"), ("GET", "/b")]
    findings = check_runner(CHECK, handler, explore=explore)
    assert [(f.severity, f.title) for f in findings] == [
        (Severity.LOW, "Server header discloses nginx/1.25.3")
    ]


def test_flask_can_replace_the_banner(check_runner):
    app = Flask("quiet_banner")

    @app.get("/")
    def index() -> dict[str, str]:
        return {}

    @app.after_request
    def banner(response):  # type: ignore[no-untyped-def]
        response.headers["Server"] = "api"
        return response

    findings = check_runner(CHECK, wsgi_handler(app))
    assert [f.severity for f in findings] == [Severity.INFO]


@pytest.mark.parametrize(
    ("value", "versioned"),
    [
        ("Apache/2.4.58 (Ubuntu)", True),
        ("Microsoft-IIS/10.0", True),
        ("PHP/8.1.2-1ubuntu2.14", True),
        ("Jetty(9.4.z-SNAPSHOT)", True),
        ("WSGIServer/0.2 CPython/3.11.4", True),
        ("AmazonS3", False),
        ("cloudflare", False),
        ("ECS (dcb/7F84)", False),
        ("istio-envoy", False),
    ],
)
def test_has_version(value, versioned):
    assert has_version(value) is versioned
