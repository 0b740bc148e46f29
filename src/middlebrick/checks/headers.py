"""Security response headers, judged once for the whole service (HSTS belongs to transport)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from middlebrick.checks.base import CheckContext, check
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


def sent_credentials(ctx: CheckContext, exchange: Exchange) -> bool:
    """Did this request carry credentials (an auth header, a cookie or a configured header)?"""
    names = set(_CREDENTIAL_HEADERS)
    identities = ctx.client.options.identities.values()
    for headers in (ctx.config.headers_a, ctx.config.headers_b, *identities):
        names.update(name.lower() for name in headers)
    return any(name.lower() in names for name in exchange.request_headers.keys())


def _value(x: Exchange, name: str) -> str:
    return str(x.headers.get(name, "")).strip().lower()


def _nosniff(x: Exchange) -> bool:
    return _value(x, "x-content-type-options") == "nosniff"


def _no_framing(x: Exchange) -> bool:
    framing = _value(x, "x-frame-options")
    return framing in {"deny", "sameorigin"} or "frame-ancestors" in _value(
        x, "content-security-policy"
    )


def _has_csp(x: Exchange) -> bool:
    # Report-Only policies enforce nothing, so only the real header counts.
    return bool(_value(x, "content-security-policy"))


def _no_store(x: Exchange) -> bool:
    return "no-store" in {d.strip() for d in _value(x, "cache-control").split(",")}


@dataclass(frozen=True, slots=True)
class _Rule:
    header: str  # the finding's discriminator
    title: str
    why: str
    applies: Callable[[CheckContext, Exchange], bool]  # which responses need the header
    passes: Callable[[Exchange], bool]


def _has_body(ctx: CheckContext, x: Exchange) -> bool:
    return bool(x.body or x.content_type)


_RULES: Sequence[_Rule] = (
    _Rule(
        "X-Content-Type-Options",
        "Missing X-Content-Type-Options: nosniff",
        "Without `nosniff` a browser may sniff a JSON or text response as HTML or script",
        _has_body,
        _nosniff,
    ),
    _Rule(
        "X-Frame-Options",
        "Missing anti-framing header (X-Frame-Options or CSP frame-ancestors)",
        "Nothing forbids framing the responses, which enables clickjacking",
        _has_body,
        _no_framing,
    ),
    _Rule(
        "Content-Security-Policy",
        "Missing Content-Security-Policy on HTML responses",
        "HTML is served without a Content-Security-Policy to contain injected script",
        lambda ctx, x: "html" in x.content_type and x.status < 400,
        _has_csp,
    ),
    _Rule(
        "Cache-Control",
        "Missing Cache-Control: no-store on authenticated responses",
        "Responses to authenticated requests may be kept by browsers and shared caches",
        lambda ctx, x: 200 <= x.status < 300 and bool(x.body) and sent_credentials(ctx, x),
        _no_store,
    ),
)


@check(
    "headers.missing-security-headers",
    category=Category.MISCONFIGURATION,
    severity=Severity.LOW,
    confidence=Confidence.CERTAIN,
    cwe=693,
    remediation=(
        "Set the headers on every response in Flask: `@app.after_request` with "
        "`response.headers.setdefault('X-Content-Type-Options', 'nosniff')`, "
        "`response.headers.setdefault('X-Frame-Options', 'DENY')`, "
        "`response.headers.setdefault('Content-Security-Policy', \"default-src 'none'; "
        "frame-ancestors 'none'\")` and, for authenticated responses, "
        "`response.headers['Cache-Control'] = 'no-store'`; or use flask-talisman "
        "(`Talisman(app, content_security_policy=..., frame_options='DENY')`)."
    ),
)
async def missing_security_headers(ctx: CheckContext) -> list[Finding]:
    """Security headers missing from responses

    One finding per missing header for the whole service, with the first response lacking it.
    """
    seen = [x for x in ctx.exchanges if x.status]
    if not seen:
        seen = [x for x in [await ctx.request("GET", "/")] if x.status]
    findings: list[Finding] = []
    for rule in _RULES:
        relevant = [x for x in seen if rule.applies(ctx, x)]
        lacking = [x for x in relevant if not rule.passes(x)]
        if not lacking:
            continue
        findings.append(
            ctx.finding(
                evidence=lacking[:1],
                discriminator=rule.header,
                title=rule.title,
                description=f"{rule.why}; seen on {len(lacking)} of {len(relevant)} responses.",
                note=f"{lacking[0].method} {lacking[0].path} answered without {rule.header}",
            )
        )
    return findings
