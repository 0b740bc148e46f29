"""What the exposure checks share: detections per exchange, masking them in evidence, and
telling the caller's own values (its token, what it just sent) from someone else's."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from middlebrick.detectors import Detection, detect_body, redact
from middlebrick.http.exchange import Exchange


def detections(exchange: Exchange) -> list[Detection]:
    """Secrets and personal data in a response body (none for errors and empty bodies)."""
    if not exchange.status or not exchange.body:
        return []
    return detect_body(exchange.body, exchange.content_type)


def redacted(exchange: Exchange, found: Iterable[Detection]) -> Exchange:
    """The exchange with every detected value masked in its body (evidence.py masks the rest)."""
    found = list(found)
    if not found:
        return exchange
    body = redact(exchange.text, found).encode("utf-8")
    return dataclasses.replace(exchange, body=body)


def own_values(exchange: Exchange) -> set[str]:
    """Values the caller itself sent: credentials in its headers and its request body text."""
    values: set[str] = set()
    for name, value in exchange.request_headers.items():
        if name.lower() in {"authorization", "cookie", "x-api-key", "proxy-authorization"}:
            values.update(part for part in value.replace(";", " ").replace("=", " ").split())
    return values


def sent_by_caller(exchange: Exchange, value: str) -> bool:
    """Did the caller send this value itself (so the response only echoes it back)?"""
    if value in own_values(exchange):
        return True
    return bool(exchange.request_body) and value.encode() in exchange.request_body


def endpoint_key(exchange: Exchange) -> tuple[str, str]:
    """Method and path template (the concrete path when no operation is known)."""
    op = exchange.operation
    return (op.method, op.path) if op is not None else (exchange.method, exchange.path)


def join_masked(found: Iterable[Detection], limit: int = 3) -> str:
    """`AKIA****[masked 20 chars] at $.env.KEY, ...` for a finding's text."""
    items = list(found)
    text = ", ".join(f"{d.masked} at {d.where}" for d in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")
