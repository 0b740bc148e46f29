"""Webhook alerts: when a target gets worse, POST a signed JSON alert, retried with backoff.

A regression is a score that dropped, or a critical/high finding the previous scan of the same
target did not have. The body is signed with HMAC-SHA256 over `"<timestamp>.<body>"`:

    X-Middlebrick-Timestamp: 1732867200
    X-Middlebrick-Signature: sha256=<hex digest>

so a receiver can verify it and refuse replays older than a few minutes. The body's
`delivery_id` (also sent as `X-Middlebrick-Delivery`, the same on every retry) is covered by the
signature, so a receiver that remembers the ids it accepted within that window also refuses a
captured alert sent again, and counts a retry once: `verify(..., seen=ids)` does all three.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Mapping, MutableSet
from dataclasses import dataclass
from typing import Any

import httpx

from middlebrick import __version__
from middlebrick.storage.records import Changes, ScanSummary
from middlebrick.storage.rows import stamp

EVENT = "scan.regression"
ALERT_SEVERITIES = frozenset({"critical", "high"})
SIGNATURE_HEADER = "X-Middlebrick-Signature"
TIMESTAMP_HEADER = "X-Middlebrick-Timestamp"
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    """How sending one alert went."""

    delivered: bool
    attempts: int
    status: int | None  # the last HTTP status, None when no answer came
    error: str | None


def regression(current: ScanSummary, changes: Changes,
               dashboard_url: str | None = None) -> dict[str, Any] | None:
    """The alert payload when `current` is worse than the previous scan; None otherwise."""
    previous = changes.previous
    if previous is None:
        return None
    serious = [f for f in changes.new if f.severity in ALERT_SEVERITIES]
    drop = previous.score - current.score
    if drop <= 0 and not serious:
        return None
    reasons = []
    if drop > 0:
        reasons.append(f"score dropped from {previous.score} ({previous.grade}) to "
                       f"{current.score} ({current.grade})")
    if serious:
        reasons.append(f"{len(serious)} new critical/high finding(s)")
    payload: dict[str, Any] = {
        "event": EVENT,
        "tool": {"name": "middlebrick", "version": __version__},
        "sent_at": stamp(),
        "target": current.target,
        "reasons": reasons,
        "score_drop": max(drop, 0),
        "scan": _scan(current, dashboard_url),
        "previous": _scan(previous, dashboard_url),
        "new_findings": [f.to_dict() for f in serious],
    }
    return payload


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, tolerance: float = 300.0,
           now: float | None = None, seen: MutableSet[str] | None = None) -> bool:
    """True when the signature matches and the timestamp is within `tolerance` seconds; given
    `seen` (the delivery ids accepted in the last `tolerance` seconds), also only the first
    time a delivery arrives, whose id is then added to `seen`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        timestamp = int(lowered.get(TIMESTAMP_HEADER.lower(), ""))
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected, lowered.get(SIGNATURE_HEADER.lower(), "")):
        return False
    if seen is None:
        return True
    try:
        delivery = json.loads(body).get("delivery_id")
    except (ValueError, AttributeError):
        return False
    if not isinstance(delivery, str) or delivery in seen:
        return False
    seen.add(delivery)
    return True


def deliver(url: str, payload: Mapping[str, Any], secret: str, *, attempts: int = 5,
            base_delay: float = 1.0, timeout: float = 10.0,
            sleep: Callable[[float], None] = time.sleep,
            transport: httpx.BaseTransport | None = None) -> Delivery:
    """POST the signed payload; retry transport errors and 408/429/5xx with exponential
    backoff (base_delay, 2x, 4x, ... at most `attempts` tries). The answer's body is never
    read. Never raises."""
    delivery_id = str(uuid.uuid4())  # the same on every retry, so receivers can de-duplicate
    body = json.dumps({**payload, "delivery_id": delivery_id}, separators=(",", ":"),
                      ensure_ascii=False).encode()
    status: int | None = None
    error: str | None = None
    with httpx.Client(timeout=timeout, follow_redirects=False, transport=transport) as client:
        for attempt in range(1, attempts + 1):
            timestamp = int(time.time())  # re-signed per attempt: a late retry stays fresh
            headers = {
                "Content-Type": "application/json",
                "User-Agent": f"middlebrick/{__version__} (webhook)",
                "X-Middlebrick-Event": str(payload.get("event", EVENT)),
                "X-Middlebrick-Delivery": delivery_id,
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(secret, timestamp, body),
            }
            try:
                request = client.build_request("POST", url, content=body, headers=headers)
                response = client.send(request, stream=True)
                response.close()  # the status is all we need: a large answer is never read
            except httpx.HTTPError as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return Delivery(delivered=True, attempts=attempt, status=status, error=None)
                error = f"HTTP {status}"
                if status not in RETRY_STATUSES:
                    return Delivery(delivered=False, attempts=attempt, status=status, error=error)
            if attempt < attempts:
                sleep(base_delay * 2 ** (attempt - 1))
    return Delivery(delivered=False, attempts=attempts, status=status, error=error)


def _scan(summary: ScanSummary, dashboard_url: str | None) -> dict[str, Any]:
    data = {k: v for k, v in summary.to_dict().items() if k != "duration_s"}
    if dashboard_url:
        data["url"] = f"{dashboard_url.rstrip('/')}/scans/{summary.id}"
    return data


__all__ = ["ALERT_SEVERITIES", "EVENT", "Delivery", "deliver", "regression", "sign", "verify"]
