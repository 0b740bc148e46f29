"""flask.werkzeug-debugger and flask.traceback-disclosure against real and look-alike pages."""

from __future__ import annotations

import json
import re
import traceback

import httpx
import pytest
from flask import Flask, request
from werkzeug.debug import DebuggedApplication

from middlebrick.checks.flask import python_traceback, redacted
from middlebrick.http.client import ClientOptions
from middlebrick.http.exchange import Exchange
from middlebrick.models import Confidence, Severity
from middlebrick.spec.model import ApiSpec, Operation, Parameter, RequestBody

from .wsgi import wsgi_handler

DEBUGGER = "flask.werkzeug-debugger"
TRACEBACK = "flask.traceback-disclosure"
EXPLORE = (("GET", "/"), ("GET", "/items?limit=2"))
SPEC = ApiSpec(
    source="memory://openapi.json",
    version="3.0.3",
    document={},
    operations=(
        Operation(
            method="GET",
            path="/items",
            parameters=(Parameter(name="limit", location="query", schema={"type": "integer"}),),
        ),
        Operation(
            method="POST",
            path="/items",
            request_body=RequestBody(
                content_type="application/json",
                schema={"type": "object", "properties": {"name": {"type": "string"}}},
            ),
        ),
    ),
)


def flask_app(*, debug: bool) -> Flask:
    """Fails only on bad input: a non-integer limit, or a body that is not JSON."""
    app = Flask("unit_target")
    app.debug = debug

    @app.get("/")
    def index() -> dict[str, str]:
        return {"service": "items"}

    @app.get("/items")
    def list_items() -> dict[str, list[int]]:
        return {"items": list(range(int(request.args.get("limit", "3"))))}

    @app.post("/items")
    def create_item() -> tuple[dict[str, str], int]:
        return {"name": json.loads(request.get_data())["name"]}, 201

    return app


def debugged(**kwargs: object) -> DebuggedApplication:
    return DebuggedApplication(flask_app(debug=True), **kwargs)  # type: ignore[arg-type]


def by_kind(findings: list) -> dict[str, object]:
    return {f.title: f for f in findings}


def evidence_text(finding) -> str:
    return json.dumps([e.to_dict() for e in finding.evidence])


def test_console_and_traceback_found_with_pin(check_runner):
    app = debugged(evalex=True)
    findings = check_runner(
        DEBUGGER, wsgi_handler(app), base_url="http://localhost", explore=EXPLORE
    )
    titles = {f.title for f in findings}
    assert titles == {
        "Werkzeug debugger console reachable (PIN-protected)",
        "Werkzeug debugger traceback page exposed",
    }
    for finding in findings:
        assert finding.severity is Severity.CRITICAL
        assert finding.confidence is Confidence.CERTAIN
        assert app.secret not in evidence_text(finding)
        assert app.secret[:4] + "****" in evidence_text(finding)
    console = next(f for f in findings if "console" in f.title)
    assert console.endpoint is not None and console.endpoint.path == "/console"
    assert "locked by the debugger PIN" in (console.evidence[0].note or "")


def test_console_without_pin_is_remote_code_execution(check_runner):
    app = debugged(evalex=True, pin_security=False)
    findings = check_runner(DEBUGGER, wsgi_handler(app), base_url="http://localhost")
    console = next(f for f in findings if "console" in f.title.lower())
    assert console.title == "Werkzeug console open without PIN: remote code execution"
    assert "EVALEX_TRUSTED = true" in (console.evidence[0].note or "")


def test_untrusted_host_console_is_reached_by_claiming_localhost(check_runner):
    # Werkzeug >= 3.0.3 answers 400 to /console for Host names outside trusted_hosts.
    findings = check_runner(DEBUGGER, wsgi_handler(debugged(evalex=True)), explore=EXPLORE)
    console = next(f for f in findings if "console" in f.title.lower())
    assert "Host header set to localhost" in (console.evidence[0].note or "")
    assert console.evidence[0].request["headers"]["host"] == "localhost"


def test_traceback_page_from_spec_probes_without_evalex(check_runner):
    findings = check_runner(
        DEBUGGER, wsgi_handler(debugged(evalex=False)), spec=SPEC, base_url="http://localhost"
    )
    assert [f.title for f in findings] == ["Werkzeug debugger traceback page exposed"]
    assert "EVALEX = false" in (findings[0].evidence[0].note or "")
    assert findings[0].location is None and findings[0].endpoint is not None
    assert findings[0].endpoint.path == "/items"


def test_debugger_with_nothing_failing_is_still_reported_from_its_resources(check_runner):
    app = DebuggedApplication(Flask("quiet"), evalex=False)  # every path is a plain 404
    findings = check_runner(DEBUGGER, wsgi_handler(app))
    assert [(f.title, f.severity) for f in findings] == [
        ("Werkzeug debugger middleware active", Severity.HIGH)
    ]


def test_debug_off_is_clean(check_runner):
    app = flask_app(debug=False)
    assert check_runner(DEBUGGER, wsgi_handler(app), spec=SPEC, explore=EXPLORE) == []


def test_safe_mode_read_only_skips_body_probes(check_runner):
    sent: list[str] = []
    inner = wsgi_handler(flask_app(debug=False))

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        return inner(request)

    options = ClientOptions(read_only=True)
    assert check_runner(DEBUGGER, handler, spec=SPEC, options=options) == []
    assert "POST" not in sent


OLD_PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head>
<title>KeyError: 'name' // Werkzeug Debugger</title>
<script src="?__debugger__=yes&amp;cmd=resource&amp;f=jquery.js"></script>
<script type="text/javascript">
  var TRACEBACK = 140071,
      CONSOLE_MODE = false,
      EVALEX = true,
      EVALEX_TRUSTED = false,
      SECRET = "Xq7PzL2mN9vR4tY8wK1j";
</script></head><body><div class="debugger"><h1>KeyError</h1></div></body></html>"""


def test_old_werkzeug_page_in_exploration(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(500, html=OLD_PAGE)
        return httpx.Response(404, json={"error": "not found"})

    findings = check_runner(DEBUGGER, handler)
    assert [f.title for f in findings] == ["Werkzeug debugger traceback page exposed"]
    text = evidence_text(findings[0])
    assert "Xq7PzL2mN9vR4tY8wK1j" not in text and "Xq7P****" in text


DOCS = """<html><head><title>Debugging // Werkzeug Debugger guide</title></head><body>
<p>The debugger caught an exception? Never ship the Werkzeug Debugger: its page sets
<code>EVALEX = true</code> and <code>SECRET = "..."</code>, and /console is an Interactive
Console. Resources live at <code>?__debugger__=yes&amp;cmd=resource&amp;f=style.css</code>.</p>
</body></html>"""


@pytest.mark.parametrize("catch_all", [True, False])
def test_pages_that_talk_about_the_debugger_are_not_it(check_runner, catch_all):
    def handler(request: httpx.Request) -> httpx.Response:
        if catch_all or request.url.path in {"/", "/docs"}:
            return httpx.Response(200, html=DOCS)  # ignores the query string, like many apps
        return httpx.Response(404, text="Not Found")

    assert check_runner(DEBUGGER, handler, explore=[("GET", "/"), ("GET", "/docs")]) == []


def test_redacted_masks_only_the_secret():
    body = b'var EVALEX = true,\n SECRET = "abcdefghijklmnopqrst";'
    x = Exchange(
        method="GET",
        url="http://t/",
        request_headers=httpx.Headers(),
        request_body=b"",
        status=500,
        headers=httpx.Headers({"content-type": "text/html"}),
        body=body,
    )
    masked = redacted(x).body.decode()
    assert "abcdefghijklmnopqrst" not in masked and masked.startswith("var EVALEX = true")
    assert redacted(redacted(x)) == redacted(x)


# -- flask.traceback-disclosure ---------------------------------------------------------------


def json_trace_app() -> Flask:
    """Catches every error and returns the traceback in JSON, a common home-made handler."""
    app = flask_app(debug=False)

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> tuple[dict[str, str], int]:
        return {"error": str(exc), "trace": traceback.format_exc()}, 500

    return app


def test_traceback_in_json_error_found_by_provoking(check_runner):
    findings = check_runner(TRACEBACK, wsgi_handler(json_trace_app()), spec=SPEC)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity is Severity.HIGH and finding.confidence is Confidence.CERTAIN
    assert finding.endpoint is None  # one finding for the service
    assert "Traceback (most recent call last)" in finding.evidence[0].response["body"]


def test_traceback_without_spec_found_from_explored_query(check_runner):
    findings = check_runner(TRACEBACK, wsgi_handler(json_trace_app()), explore=EXPLORE)
    assert len(findings) == 1 and "GET /items" in (findings[0].evidence[0].note or "")


FRAMES = 'File "/srv/app/views.py", line 42, in get_item\n    return table.get_item(Key=key)'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f"Traceback (most recent call last):\n  {FRAMES}\nKeyError: 'id'", Confidence.CERTAIN),
        (json.dumps({"stack": [FRAMES]}), Confidence.FIRM),
        (
            "<pre>Traceback (most recent call last):\n File &quot;/app/x.py&quot;, "
            "line 3, in view\nValueError</pre>",
            Confidence.CERTAIN,
        ),
        ("Python prints 'Traceback (most recent call last):' when it fails.", None),
        ('{"file": "report.py", "line": 3}', None),
        ("", None),
    ],
)
def test_python_traceback_recognition(body, expected):
    x = Exchange(
        method="GET",
        url="http://t/",
        request_headers=httpx.Headers(),
        request_body=b"",
        status=500,
        headers=httpx.Headers(),
        body=body.encode(),
    )
    assert python_traceback(x) is expected


def test_plain_text_traceback_in_exploration(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            text = f"Traceback (most recent call last):\n  {FRAMES}\nKeyError: 'id'\n"
            return httpx.Response(500, text=text)
        return httpx.Response(404, json={})

    findings = check_runner(TRACEBACK, handler)
    assert len(findings) == 1 and findings[0].confidence is Confidence.CERTAIN


def test_debugger_pages_are_left_to_the_debugger_check(check_runner):
    handler = wsgi_handler(debugged(evalex=True))
    assert check_runner(TRACEBACK, handler, spec=SPEC, base_url="http://localhost") == []


def test_clean_errors_are_not_tracebacks(check_runner):
    assert check_runner(TRACEBACK, wsgi_handler(flask_app(debug=False)), spec=SPEC) == []


def test_secret_pattern_is_werkzeugs():
    # Werkzeug's template, as shipped: the SECRET variable the redaction relies on.
    from werkzeug.debug.tbtools import HEADER

    assert re.search(r'SECRET = "%\(secret\)s"', HEADER)
