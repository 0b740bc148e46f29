"""What one scan was asked to do: validated once, before any request is sent."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from middlebrick.http.client import ClientOptions

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP field name (RFC 9110)
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")  # printable ASCII: what httpx can send


@dataclass(frozen=True, kw_only=True, slots=True)
class ScanConfig:
    """The options of one scan, as the CLI or a library caller gives them."""

    target: str
    openapi: str | None = None
    headers_a: Mapping[str, str] = field(default_factory=dict)
    headers_b: Mapping[str, str] = field(default_factory=dict)
    client: ClientOptions = field(default_factory=ClientOptions)
    checks: tuple[str, ...] = ()  # ids or categories to run; () = all
    skip_checks: tuple[str, ...] = ()
    debug: bool = False  # re-raise a crashing check instead of recording it
    # Opt-in only: SSRF payloads aimed at cloud metadata addresses (never in tests).
    cloud_metadata_probes: bool = False
    # Requests in the bounded burst the rate-limit check sends (never a load test).
    rate_limit_burst: int = 20

    @property
    def has_user_b(self) -> bool:
        return bool(self.headers_b)

    @property
    def authenticated(self) -> bool:
        return bool(self.headers_a)


def header_problem(name: str, value: str) -> str | None:
    """Why "name: value" cannot be sent as an HTTP header, or None when it can."""
    if not _TOKEN.fullmatch(name):
        return "the name must be a token: letters, digits and !#$%&'*+-.^_`|~"
    if not _FIELD_VALUE.fullmatch(value):
        return "the value must be printable ASCII"
    return None
