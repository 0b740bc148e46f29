"""Flask/Werkzeug debug mode: the interactive debugger, its console, and leaked tracebacks.

Detection rests on what Werkzeug itself emits (`werkzeug/debug/tbtools.py`, `shared/`), never on
an application's routes: the debugger's HTML header and JS flags, its bundled static resources
(served for `?__debugger__=yes&cmd=resource` on any path), and its console at `/console`.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from middlebrick.checks.base import CheckContext, check
from middlebrick.checks.flask_inputs import provoke_errors, provoked
from middlebrick.evidence import mask_secret
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

__all__ = ["DebuggerPage", "debugger_page", "provoke_errors", "python_traceback", "redacted"]
_TITLE = re.compile(r"<title>[^<]*//\s*Werkzeug Debugger\s*</title>", re.I)
_EVALEX = re.compile(r"\bEVALEX\s*=\s*(true|false)\b")
_TRUSTED = re.compile(r"\bEVALEX_TRUSTED\s*=\s*(true|false)\b")
_CONSOLE = re.compile(r"\bCONSOLE_MODE\s*=\s*(true|false)\b")
# An already masked value contains "*", so masking twice changes nothing.
_SECRET = re.compile(rb'(\bSECRET\s*=\s*")([^"\\*]{4,})(")')
_TB_HEADER = re.compile(r"Traceback \(most recent call last\):")
_TB_FRAME = re.compile(r'File "[^"\n]{1,500}\.py", line \d+, in [\w<>.]+')
_RESOURCES = (
    ("debugger.js", "javascript", ("__debugger__", "EVALEX")),
    ("style.css", "css", ("div.debugger", "traceback")),
)


@dataclass(frozen=True, slots=True)
class DebuggerPage:
    """What a Werkzeug debugger page says about itself."""

    console: bool  # the standalone console, not a traceback
    evalex: bool  # code execution offered for this Host
    trusted: bool  # EVALEX_TRUSTED: no PIN needed (PIN disabled, or already unlocked)


def debugger_page(exchange: Exchange) -> DebuggerPage | None:
    """Parse a Werkzeug debugger page (traceback or console); None for anything else."""
    if not exchange.status or "html" not in exchange.content_type:
        return None
    text = exchange.text
    if not _TITLE.search(text) or not (_EVALEX.search(text) or "__debugger__" in text):
        return None

    def flag(pattern: re.Pattern[str]) -> bool:
        match = pattern.search(text)
        return bool(match and match.group(1) == "true")

    console = flag(_CONSOLE) or "<h1>Interactive Console</h1>" in text
    return DebuggerPage(console=console, evalex=flag(_EVALEX), trusted=flag(_TRUSTED))


def redacted(exchange: Exchange) -> Exchange:
    """The exchange with the debugger's `SECRET = "..."` masked (evidence.py does not catch it)."""

    def mask(match: re.Match[bytes]) -> bytes:
        return match.group(1) + mask_secret(match.group(2).decode()).encode() + match.group(3)

    body = _SECRET.sub(mask, exchange.body)
    return exchange if body == exchange.body else dataclasses.replace(exchange, body=body)


def python_traceback(exchange: Exchange) -> Confidence | None:
    """CERTAIN for a full traceback, FIRM for bare frame lines, None when there is none."""
    if not exchange.body:
        return None
    # Tracebacks arrive raw, JSON-escaped ("File \"x.py\"") or HTML-escaped (&#34; / &quot;).
    text = html.unescape(exchange.text).replace('\\"', '"').replace("\\n", "\n")
    if not _TB_FRAME.search(text):
        return None
    return Confidence.CERTAIN if _TB_HEADER.search(text) else Confidence.FIRM


async def _debugger_resource(ctx: CheckContext) -> Exchange | None:
    # DebuggedApplication serves its bundled files on any path, with or without evalex.
    for name, kind, markers in _RESOURCES:
        params = {"__debugger__": "yes", "cmd": "resource", "f": name}
        x = await ctx.request("GET", "/", params=params, identity=None)
        text = x.text if x.status == 200 and kind in x.content_type else ""
        if text and all(marker in text for marker in markers):
            return x
    return None


async def _console(ctx: CheckContext, known: bool) -> tuple[Exchange, DebuggerPage, bool] | None:
    parts = urlsplit(ctx.target)
    urls = [f"{parts.scheme}://{parts.netloc}/console"]
    if parts.path.strip("/"):
        urls.append("/console")  # the app may be mounted below the target's path
    for url in urls:
        x = await ctx.request("GET", url, identity=None)
        page = debugger_page(x)
        if page is None and known and x.status == 400:
            # Werkzeug >= 3.0.3 refuses Host names outside trusted_hosts, but the check trusts
            # the client-supplied Host header, so any client can claim to be localhost.
            x = await ctx.request("GET", url, identity=None, headers={"Host": "localhost"})
            page = debugger_page(x)
            if page is not None and page.console:
                return x, page, True
        if page is not None and page.console:
            return x, page, False
    return None


def _pin_note(page: DebuggerPage) -> str:
    if not page.evalex:
        return "EVALEX = false: no in-browser code execution (evalex off, or Host not trusted)"
    if page.trusted:
        return "EVALEX_TRUSTED = true: no PIN is asked, anyone can run Python on the server"
    return "EVALEX = true; the console is locked by the debugger PIN (EVALEX_TRUSTED = false)"


@check(
    "flask.werkzeug-debugger",
    category=Category.MISCONFIGURATION,
    severity=Severity.CRITICAL,
    confidence=Confidence.CERTAIN,
    cwe=489,
    remediation=(
        "Never run Flask in debug mode in production: no `app.run(debug=True)`, `flask run "
        "--debug`, `FLASK_DEBUG=1` or `werkzeug.debug.DebuggedApplication` wrapper. Serve the app "
        "with a production WSGI server (`gunicorn 'app:create_app()'`), keep `app.run(debug="
        "False)` for local use only, and register `@app.errorhandler(Exception)` returning a "
        "generic JSON 500 so no error renders a traceback. If the console was reachable, treat "
        "the host as compromised: rotate SECRET_KEY and every credential the process could read."
    ),
)
async def werkzeug_debugger(ctx: CheckContext) -> list[Finding]:
    """Werkzeug interactive debugger exposed (Flask debug mode)

    The Werkzeug debugger shows source code and, with evalex, an in-browser Python console
    (CWE-94): whoever reaches it, or learns its PIN, runs code as the application.
    """
    pages = [(x, p) for x in ctx.exchanges if (p := debugger_page(x)) and not p.console]
    resource = None if pages else await _debugger_resource(ctx)
    console = await _console(ctx, known=bool(pages or resource))
    why = ""
    if not pages:
        found = [(x, p, w) for x, w in await provoked(ctx) if (p := debugger_page(x))]
        pages = [(x, p) for x, p, _ in found]
        why = f" (provoked with {found[0][2]})" if found else ""
    findings: list[Finding] = []
    if console is not None:
        x, page, spoofed = console
        how = " (with the Host header set to localhost, as any client can)" if spoofed else ""
        findings.append(
            ctx.finding(
                exchange=redacted(x),
                discriminator="console",
                title=(
                    "Werkzeug console open without PIN: remote code execution"
                    if page.trusted
                    else "Werkzeug debugger console reachable (PIN-protected)"
                ),
                note=f"interactive console served{how}; {_pin_note(page)}",
            )
        )
    if pages:
        x, page = pages[0]
        findings.append(
            ctx.finding(
                exchange=redacted(x),
                discriminator="traceback",
                title="Werkzeug debugger traceback page exposed",
                note=f"an error{why} renders the debugger with source and its SECRET; "
                + _pin_note(page),
            )
        )
    if not findings and resource is not None:
        findings.append(
            ctx.finding(
                exchange=resource,
                discriminator="resource",
                title="Werkzeug debugger middleware active",
                severity=Severity.HIGH,
                note="the debugger serves its own script; any unhandled error shows its page",
            )
        )
    return findings


@check(
    "flask.traceback-disclosure",
    category=Category.MISCONFIGURATION,
    severity=Severity.HIGH,
    confidence=Confidence.CERTAIN,
    cwe=209,
    remediation=(
        "Do not put `traceback.format_exc()` or `str(exc)` in responses. Register "
        "`@app.errorhandler(Exception)` that logs the exception (`app.logger.exception(...)`) and "
        'returns `{"error": "internal error"}, 500`, keep `PROPAGATE_EXCEPTIONS` and debug off in '
        "production, and validate input so bad requests get a 400 instead of an exception."
    ),
)
async def traceback_disclosure(ctx: CheckContext) -> list[Finding]:
    """Python traceback disclosed in responses

    Tracebacks reveal source paths, code lines, library versions and sometimes data, which
    maps the application for an attacker and points at the input that broke it.
    """
    seen = list(ctx.exchanges) + await provoke_errors(ctx)
    # Werkzeug debugger pages are reported, at higher severity, by flask.werkzeug-debugger.
    hits = [(x, c) for x in seen if not debugger_page(x) and (c := python_traceback(x))]
    if not hits:
        return []
    full = any(c is Confidence.CERTAIN for _, c in hits)
    paths = sorted({f"{x.method} {x.operation.path if x.operation else x.path}" for x, _ in hits})
    return [
        ctx.finding(
            evidence=[x for x, _ in hits[:3]],
            confidence=Confidence.CERTAIN if full else Confidence.FIRM,
            note=f"Python traceback in {len(paths)} response(s): {', '.join(paths[:5])}",
        )
    ]
