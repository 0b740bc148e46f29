"""Cross-origin resource sharing: which foreign origins may read the API's responses.

Hostile origins here are only header values; every request still goes to the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from middlebrick.checks.base import CheckContext, check
from middlebrick.checks.headers import sent_credentials
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

if TYPE_CHECKING:
    from middlebrick.spec.model import Operation

HOSTILE_ORIGIN = "https://evil.example"
_MAX_ENDPOINTS = 3


@dataclass(frozen=True, slots=True)
class _Kind:
    title: str
    severity: Severity
    why: str


_KINDS: dict[str, _Kind] = {
    "reflected-credentials": _Kind(
        "CORS reflects any origin and allows credentials",
        Severity.HIGH,
        "Any website can make a visitor's browser call the API with their cookies or HTTP auth "
        "and read the answers",
    ),
    "prefix-credentials": _Kind(
        "CORS allow-list accepts look-alike origins, with credentials",
        Severity.HIGH,
        "An origin that merely starts with the API's host name (an unanchored pattern) is "
        "trusted with credentials, so an attacker-owned domain can read authenticated answers",
    ),
    "reflected": _Kind(
        "CORS reflects any origin",
        Severity.MEDIUM,
        "Any website can read the API's answers from a visitor's browser, including from "
        "networks only the visitor can reach",
    ),
    "prefix": _Kind(
        "CORS allow-list accepts look-alike origins",
        Severity.MEDIUM,
        "An origin that merely starts with the API's host name (an unanchored pattern) is "
        "trusted, so an attacker-owned domain can read the API's answers",
    ),
    "null-credentials": _Kind(
        "CORS trusts the null origin with credentials",
        Severity.MEDIUM,
        "Sandboxed iframes and local files send `Origin: null`, so any site can use them to read "
        "authenticated answers",
    ),
    "null": _Kind(
        "CORS trusts the null origin",
        Severity.LOW,
        "Sandboxed iframes and local files send `Origin: null`, so any site can read the answers",
    ),
    "wildcard": _Kind(
        "CORS allows every origin (*) on authenticated responses",
        Severity.LOW,
        "`Access-Control-Allow-Origin: *` lets any site read answers that need no cookie, "
        "including ones only reachable from the visitor's network",
    ),
    "wildcard-public": _Kind(
        "CORS allows every origin (*)",
        Severity.INFO,
        "`Access-Control-Allow-Origin: *` on anonymous responses: fine for public data",
    ),
}


def _kind(x: Exchange, origin: str, label: str, credentialed: bool) -> str | None:
    """Which kind of permissive answer this is, for a request sent with `origin`."""
    allowed = x.headers.get("access-control-allow-origin", "").strip()
    creds = x.headers.get("access-control-allow-credentials", "").strip().lower() == "true"
    if allowed == "*":
        # Browsers never send credentials to "*", so only the anonymous reach is at stake.
        return "wildcard" if credentialed and 200 <= x.status < 300 else "wildcard-public"
    if allowed and allowed.lower() == origin.lower():
        return f"{label}-credentials" if creds else label
    return None


def _endpoints(ctx: CheckContext) -> list[Exchange]:
    """A few explored GET requests that answered, one per path, to repeat with an Origin."""
    picked: dict[str, Exchange] = {}
    for x in ctx.exchanges:
        if x.method == "GET" and 200 <= x.status < 400 and x.path not in picked and x.path != "/":
            picked[x.path] = x
    return list(picked.values())[:_MAX_ENDPOINTS]


@check(
    "cors.permissive",
    category=Category.MISCONFIGURATION,
    severity=Severity.HIGH,
    confidence=Confidence.CERTAIN,
    cwe=942,
    remediation=(
        "Allow only the origins that need the API, by exact match: "
        "`CORS(app, origins=['https://app.example.com'])` with flask-cors (full-string "
        "patterns such as `r'^https://([a-z]+\\.)?example\\.com$'` if a pattern is needed), set "
        "`supports_credentials=True` only when those trusted origins need cookies, never trust "
        "the `null` origin, and never echo the request's Origin header back yourself in "
        "`@app.after_request`."
    ),
)
async def permissive_cors(ctx: CheckContext) -> list[Finding]:
    """Permissive CORS policy

    The Access-Control-Allow-Origin answer lets foreign websites read the API's responses.
    """
    host = urlsplit(ctx.target).hostname or "localhost"
    explored = _endpoints(ctx)
    sample = explored[0].url if explored else "/"
    seen: list[tuple[str, Exchange]] = []

    async def probe(
        url: str,
        origin: str,
        label: str,
        *,
        method: str = "GET",
        identity: str | None = "a",
        headers: Mapping[str, str] | None = None,
        operation: Operation | None = None,
    ) -> None:
        x = await ctx.request(
            method,
            url,
            headers={"Origin": origin, **(headers or {})},
            identity=identity,
            operation=operation,
        )
        kind = _kind(x, origin, label, sent_credentials(ctx, x))
        if kind:
            seen.append((kind, x))

    await probe("/", HOSTILE_ORIGIN, "reflected")
    for x in explored:
        await probe(x.url, HOSTILE_ORIGIN, "reflected", operation=x.operation)
    # Browsers send preflights without credentials; a preflight alone can grant access.
    preflight = {
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    await probe(
        sample, HOSTILE_ORIGIN, "reflected", method="OPTIONS", identity=None, headers=preflight
    )
    if not any(kind.startswith("reflected") for kind, _ in seen):
        # Only worth asking when arbitrary origins are refused: otherwise it is the same hole.
        await probe(sample, f"https://{host}.evil.example", "prefix")
        await probe(sample, "null", "null")
    findings: list[Finding] = []
    families: set[str] = set()
    for name, kind in _KINDS.items():  # most severe variant first within each family
        family = name.split("-")[0]
        hits = [x for k, x in seen if k == name]
        if not hits or family in families:
            continue
        families.add(family)
        allowed = hits[0].headers.get("access-control-allow-origin")
        findings.append(
            ctx.finding(
                evidence=hits[:1],
                discriminator=family,
                title=kind.title,
                severity=kind.severity,
                description=f"{kind.why}. Seen on {len(hits)} probe(s).",
                note=f"{hits[0].method} {hits[0].path}: Access-Control-Allow-Origin: {allowed}",
            )
        )
    return findings
