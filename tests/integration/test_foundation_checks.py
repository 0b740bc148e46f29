"""The foundation checks against real Flask apps served over loopback HTTP (no engine involved)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from werkzeug.debug import DebuggedApplication

from middlebrick.checks import CHECKS, CheckContext
from middlebrick.config import ScanConfig
from middlebrick.http.client import ScanClient
from middlebrick.models import Confidence, Finding, Severity
from middlebrick.spec.ids import IdStore
from middlebrick.spec.load import parse_spec

from support.serving import serve_wsgi
from targets import foundation_cors, foundation_debug

pytestmark = pytest.mark.integration
EXPLORE = (("GET", "/"), ("GET", "/items?limit=1"))


def run_live(
    check_id: str,
    base_url: str,
    *,
    explore: Sequence[tuple[str, str]] = (("GET", "/"),),
    spec: Any = None,
) -> list[Finding]:
    """Like conftest's run_check, over a real socket: explore, then run one check."""

    async def go() -> list[Finding]:
        config = ScanConfig(target=base_url)
        async with ScanClient(base_url, config.client) as client:
            seen = [await client.request(method, path) for method, path in explore]
            ctx = CheckContext(
                check=CHECKS.get(check_id),
                config=config,
                client=client,
                spec=spec,
                ids=IdStore(),
                exchanges=seen,
            )
            return await ctx.check.function(ctx)

    return asyncio.run(go())


@pytest.fixture
def debug_on() -> Iterator[tuple[DebuggedApplication, str]]:
    app = foundation_debug.debug_wsgi(evalex=True)
    with serve_wsgi(app) as url:
        yield app, url


@pytest.fixture
def debug_off() -> Iterator[str]:
    with serve_wsgi(foundation_debug.create_app(debug=False)) as url:
        yield url


def test_debug_mode_exposes_console_and_traceback(debug_on):
    app, url = debug_on
    findings = run_live("flask.werkzeug-debugger", url, explore=EXPLORE)
    by_title = {f.title: f for f in findings}
    assert set(by_title) == {
        "Werkzeug debugger console reachable (PIN-protected)",
        "Werkzeug debugger traceback page exposed",
    }
    for finding in findings:
        assert (finding.severity, finding.confidence) == (Severity.CRITICAL, Confidence.CERTAIN)
        evidence = json.dumps([e.to_dict() for e in finding.evidence])
        assert app.secret not in evidence  # the debugger SECRET never reaches a report
    page = by_title["Werkzeug debugger traceback page exposed"]
    assert page.endpoint is not None and page.endpoint.path == "/items"
    assert "Werkzeug Debugger" in page.evidence[0].response["body"]


def test_debug_mode_traceback_through_spec_probes(debug_on):
    _, url = debug_on
    spec = parse_spec(json.dumps(foundation_debug.SPEC), source="foundation.json")
    findings = run_live("flask.werkzeug-debugger", url, spec=spec)
    assert "Werkzeug debugger traceback page exposed" in {f.title for f in findings}


def test_debug_off_has_no_debugger(debug_off):
    spec = parse_spec(json.dumps(foundation_debug.SPEC), source="foundation.json")
    assert run_live("flask.werkzeug-debugger", debug_off, explore=EXPLORE, spec=spec) == []
    assert run_live("flask.traceback-disclosure", debug_off, explore=EXPLORE, spec=spec) == []


def test_dev_server_banner_and_bare_headers(debug_off):
    [banner] = run_live("disclosure.server-version", debug_off)
    assert banner.severity is Severity.LOW and "Werkzeug/" in banner.title
    titles = {f.title for f in run_live("headers.missing-security-headers", debug_off)}
    assert "Missing X-Content-Type-Options: nosniff" in titles


def test_flask_cors_reflecting_origins_with_credentials():
    with serve_wsgi(foundation_cors.create_app(allow_list=False)) as url:
        findings = run_live("cors.permissive", url, explore=[("GET", "/"), ("GET", "/me")])
    assert [(f.title, f.severity) for f in findings] == [
        ("CORS reflects any origin and allows credentials", Severity.HIGH)
    ]


def test_flask_cors_fixed_allow_list_passes():
    with serve_wsgi(foundation_cors.create_app(allow_list=True)) as url:
        assert run_live("cors.permissive", url, explore=[("GET", "/"), ("GET", "/me")]) == []
