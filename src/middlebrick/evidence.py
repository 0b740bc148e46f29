"""Evidence for reports: masked headers, masked and truncated bodies.

A report is shared widely (CI logs, PR comments, dashboards), so secrets a target sent or that
the user supplied are masked here, the one place every piece of evidence goes through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from middlebrick.models import Evidence

if TYPE_CHECKING:
    import httpx

    from middlebrick.http.exchange import Exchange

BODY_EXCERPT_BYTES = 2048
_SENSITIVE_HEADER = re.compile(
    r"authorization|cookie|token|secret|key|session|password|credential|signature",
    re.IGNORECASE,
)
_SECRET_NAME = (
    r"[^\"'\s:=]*(?:secret|passw(?:or)?d|token|api[-_]?key|access[-_]?key|credential|"
    r"private[-_]?key|session[-_]?key|signature|card[-_]?num(?:ber)?|ssn|cvv|cvc)[^\"'\s:=]*"
)
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_BODY_PATTERNS: tuple[re.Pattern[str], ...] = (
    # "secret_name": "value" (JSON), secret_name=value (env / form), secret_name: value (YAML)
    re.compile(rf"(?P<pre>[\"']{_SECRET_NAME}[\"']\s*:\s*[\"'])(?P<val>[^\"']{{4,}})", re.I),
    re.compile(rf"(?P<pre>\b{_SECRET_NAME}\s*[=:]\s*[\"']?)(?P<val>[^\s\"'&,;<>]{{4,}})", re.I),
    re.compile(r"(?P<pre>)(?P<val>\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b)"),
    re.compile(r"(?P<pre>)(?P<val>\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]*)"),
    re.compile(r"(?P<pre>)(?P<val>\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53})"),
    re.compile(
        r"(?P<pre>-----BEGIN [A-Z ]*PRIVATE KEY-----)(?P<val>[\s\S]+?)(?=-----END|$)",
    ),
    re.compile(r"(?P<pre>\bBearer\s+)(?P<val>[\w\-.~+/]{8,}=*)", re.I),
    # Short query names for keys and signatures (?key=AIza..., &sig=...): only token-like values,
    # so a probe's payload (quotes, spaces: percent-encoded) stays readable in the evidence.
    re.compile(r"(?P<pre>[?&](?:key|sig|sign|auth|jwt|access|code)=)(?P<val>[\w\-.~+/=]{16,})",
               re.I),
)


def mask_secret(value: str) -> str:
    """Keep enough of a secret to recognise it, never enough to use it."""
    if len(value) <= 8:
        return "****"
    return f"{value[:4]}****[masked {len(value)} chars]"


def luhn_valid(digits: str) -> bool:
    """Does this digit string pass the Luhn checksum (as every payment card number does)?"""
    total = 0
    for n, char in enumerate(reversed(digits)):
        d = int(char)
        if n % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if len(set(digits)) > 1 and luhn_valid(digits):
        return f"****{digits[-4:]}"
    return match.group(0)


def mask_text(text: str) -> str:
    """Mask every secret-looking value in a body or header value."""
    for pattern in _BODY_PATTERNS:
        text = pattern.sub(lambda m: m.group("pre") + mask_secret(m.group("val")), text)
    return _CARD.sub(_mask_card, text)


def mask_header(name: str, value: str) -> str:
    if name.lower() == "set-cookie":
        cookie, sep, attributes = value.partition(";")
        cname, eq, cvalue = cookie.partition("=")
        return f"{cname}{eq}{mask_secret(cvalue) if cvalue else ''}{sep}{attributes}"
    if _SENSITIVE_HEADER.search(name):
        scheme, space, credential = value.partition(" ")
        if space and scheme.lower() in {"bearer", "basic", "token", "digest"}:
            return f"{scheme} {mask_secret(credential)}"
        return mask_secret(value)
    return mask_text(value)


def masked_headers(headers: httpx.Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.multi_items():
        masked = mask_header(name, value)
        out[name] = f"{out[name]}, {masked}" if name in out else masked
    return out


def excerpt(body: bytes, *, limit: int = BODY_EXCERPT_BYTES) -> str:
    """A masked body excerpt of at most `limit` bytes of UTF-8."""
    text = mask_text(body[: limit * 4].decode("utf-8", errors="replace"))
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", errors="ignore") + "..."


def evidence_from(exchange: Exchange, *, note: str | None = None) -> Evidence:
    """Turn an exchange into report evidence."""
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": mask_text(exchange.url),
        "headers": masked_headers(exchange.request_headers),
    }
    if exchange.request_body:
        request["body"] = excerpt(exchange.request_body)
    response: dict[str, Any] = {
        "status": exchange.status,
        "headers": masked_headers(exchange.headers),
        "body": excerpt(exchange.body),
    }
    if exchange.error:
        response["error"] = exchange.error
    if exchange.elapsed:
        response["elapsed_ms"] = round(exchange.elapsed * 1000, 1)
    return Evidence(request=request, response=response, note=note)


def evidence_all(exchanges: Iterable[Exchange]) -> tuple[Evidence, ...]:
    return tuple(evidence_from(x) for x in exchanges)
