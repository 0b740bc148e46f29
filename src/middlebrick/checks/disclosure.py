"""Software names and versions the service announces in its response headers."""

from __future__ import annotations

import re

from middlebrick.checks.base import CheckContext, check
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

# Headers whose only job is naming the software behind the service.
_HEADERS = ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Generator")
# "Werkzeug/3.1.3", "gunicorn/20", "Apache/2.4.58 (Ubuntu)", "PHP 8.2", "v1.2"; not "AmazonS3".
_VERSION = re.compile(r"(?:^|[/\s(])v?\d+(?:\.\d+)*(?:$|[\s);.,-])", re.I)


def has_version(value: str) -> bool:
    """Does a product header carry a version number?"""
    return bool(_VERSION.search(value))


def _dev_server_note(value: str) -> str:
    if value.lower().startswith("werkzeug"):
        # The Werkzeug server is what `app.run()` / `flask run` start.
        return "; Werkzeug is Flask's development server, not meant for production traffic"
    return ""


@check(
    "disclosure.server-version",
    category=Category.MISCONFIGURATION,
    severity=Severity.LOW,
    confidence=Confidence.CERTAIN,
    cwe=200,
    remediation=(
        "Do not serve Flask with `app.run()` / `flask run` (Werkzeug announces itself and the "
        "Python version); run gunicorn or uWSGI behind a reverse proxy that hides product "
        "headers (nginx: `server_tokens off;`, `proxy_hide_header Server;`, "
        "`proxy_hide_header X-Powered-By;`). In the app, drop what it adds itself: "
        "`@app.after_request` with `response.headers.pop('X-Powered-By', None)` and "
        "`response.headers['Server'] = 'api'` (Werkzeug only adds Server when the app set none)."
    ),
)
async def server_version(ctx: CheckContext) -> list[Finding]:
    """Server software and version disclosed in headers

    Exact versions let an attacker pick known vulnerabilities for that release without probing.
    """
    seen = [x for x in ctx.exchanges if x.status]
    if not seen:
        seen = [x for x in [await ctx.request("GET", "/")] if x.status]
    findings: list[Finding] = []
    for header in _HEADERS:
        carrying = [x for x in seen if x.headers.get(header, "").strip()]
        if not carrying:
            continue
        versioned = [x for x in carrying if has_version(x.headers[header])]
        first: Exchange = (versioned or carrying)[0]
        value = first.headers[header].strip()
        findings.append(
            ctx.finding(
                evidence=[first],
                discriminator=header.lower(),
                title=f"{header} header discloses {value[:80]}",
                severity=Severity.LOW if versioned else Severity.INFO,
                confidence=Confidence.CERTAIN,
                note=(
                    f"{header}: {value} ({'with' if versioned else 'without'} a version)"
                    + _dev_server_note(value)
                ),
            )
        )
    return findings
