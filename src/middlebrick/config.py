"""What one scan was asked to do: validated once, before any request is sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from middlebrick.http.client import ClientOptions


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
