"""One request and its response as the scanner saw them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from middlebrick.spec.model import Operation


@dataclass(frozen=True, kw_only=True, slots=True)
class Exchange:
    """A sent request and what came back (`status == 0` when nothing did: see `error`)."""

    method: str
    url: str
    request_headers: httpx.Headers
    request_body: bytes
    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool = False
    elapsed: float = 0.0
    error: str | None = None
    identity: str = "a"
    operation: Operation | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        charset = _charset(self.headers)
        try:
            text = self.body.decode(charset, errors="replace")
        except UnicodeError:  # a charset the target chose may refuse errors="replace" (idna)
            return self.body.decode("utf-8", errors="replace")
        # utf-7 and unicode-escape can decode to lone surrogates, which no report can encode.
        return text if charset == "utf-8" else text.encode("utf-8", "replace").decode("utf-8")

    @property
    def content_type(self) -> str:
        value: str = self.headers.get("content-type", "")
        return value.split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON (never raises)."""
        if not self.body or self.truncated:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError):  # [[[[... from a hostile target
            return None

    @property
    def path(self) -> str:
        path: str = httpx.URL(self.url).path
        return path


def _charset(headers: httpx.Headers) -> str:
    value: str = headers.get("content-type", "")
    for part in value.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            candidate = value.strip('"').lower()
            try:
                "".encode(candidate)
            except (LookupError, UnicodeError):  # unknown, or a codec like "undefined"
                break
            return candidate
    return "utf-8"
