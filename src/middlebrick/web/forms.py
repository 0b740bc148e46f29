"""What the dashboard's forms accept: http(s) URLs only, well-formed headers, sane intervals.

The OpenAPI field takes a URL, never a path: a dashboard user must not make the server read
its own files. Sizes are bounded (URLs as long as the history stores them, headers as large as
servers commonly accept) and header values must be printable ASCII, which is all an HTTP client
can send as text. Errors come back as messages for the form, never as exceptions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from middlebrick.errors import UsageError

MAX_INTERVAL = 60 * 24 * 30  # minutes: monthly at most
MAX_URL = 2048  # the history's target column
MAX_HEADERS = 50
MAX_HEADER_NAME = 256
MAX_HEADER_VALUE = 8192  # what nginx and most servers accept in one header line
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110 token)
_VALUE = re.compile(r"^[\t\x20-\x7e]*$")  # printable ASCII and tabs
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True, kw_only=True, slots=True)
class ScanRequest:
    """A scan asked for from the dashboard."""

    target: str
    openapi: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    headers_b: Mapping[str, str] = field(default_factory=dict)
    read_only: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class ScheduleRequest:
    scan: ScanRequest
    interval_minutes: int
    webhook_url: str | None = None
    webhook_secret: str | None = None


def http_url(value: str, what: str, errors: list[str], *, target: bool = True) -> str:
    """The URL, when it is an absolute http:// or https:// URL with a host (a scan target is
    normalised the way `middlebrick scan` does it; any other URL is kept as written)."""
    from middlebrick.engine import validate_target

    value = value.strip()
    if len(value) > MAX_URL:
        errors.append(f"{what}: at most {MAX_URL} characters")
        return value[:MAX_URL]
    if _CONTROL.search(value) or " " in value:
        errors.append(f"{what}: spaces and control characters are not allowed")
        return value
    try:
        normalised = validate_target(value)
    except UsageError as exc:
        errors.append(f"{what}: {exc}")
        return value
    return normalised if target else value


def header_lines(text: str, what: str, errors: list[str]) -> dict[str, str]:
    """`Name: value` per line; blank lines are ignored."""
    headers: dict[str, str] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if (not sep or len(name) > MAX_HEADER_NAME or len(value) > MAX_HEADER_VALUE
                or not _TOKEN.match(name) or not _VALUE.match(value)):
            errors.append(f'{what}, line {n}: expected "Name: value" (printable ASCII, a value '
                          f"of at most {MAX_HEADER_VALUE} characters)")
            continue
        headers[name] = value
    if len(headers) > MAX_HEADERS:
        errors.append(f"{what}: at most {MAX_HEADERS} headers")
    return headers


def scan_request(form: Mapping[str, str], errors: list[str]) -> ScanRequest:
    target = http_url(form.get("url", ""), "URL", errors)
    openapi_raw = form.get("openapi", "").strip()
    openapi = http_url(openapi_raw, "OpenAPI URL", errors, target=False) if openapi_raw else None
    return ScanRequest(
        target=target,
        openapi=openapi,
        headers=header_lines(form.get("headers", ""), "Headers", errors),
        headers_b=header_lines(form.get("headers_b", ""), "User B headers", errors),
        read_only=form.get("read_only") in {"on", "1", "true"},
    )


def schedule_request(form: Mapping[str, str], errors: list[str]) -> ScheduleRequest:
    scan = scan_request(form, errors)
    try:
        interval = int(form.get("interval", "").strip())
    except ValueError:
        interval = 0
    if not 1 <= interval <= MAX_INTERVAL:
        errors.append(f"Interval: a whole number of minutes from 1 to {MAX_INTERVAL}")
    webhook_raw = form.get("webhook_url", "").strip()
    webhook = http_url(webhook_raw, "Webhook URL", errors, target=False) if webhook_raw else None
    secret = form.get("webhook_secret", "").strip() or None
    if secret and not webhook:
        errors.append("Webhook secret: give a webhook URL too")
    return ScheduleRequest(scan=scan, interval_minutes=interval, webhook_url=webhook,
                           webhook_secret=secret)


__all__ = ["ScanRequest", "ScheduleRequest", "header_lines", "http_url", "scan_request",
           "schedule_request"]
