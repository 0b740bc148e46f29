"""Stored reports shaped for the pages: plain values only, the templates escape every one.

A stored report is JSON written by some version of middlebrick and filled with text a target
sent, so every field is read defensively and nothing here produces markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from middlebrick.reporting.html import http_message
from middlebrick.storage import Changes, FindingRow, StoredScan

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
OPEN_SEVERITIES = frozenset({"critical"})  # unfolded on the scan page; the rest one line each


def ago(rfc3339: str | None, now: datetime | None = None) -> str:
    """`5 min ago`, `3 h ago`, `2 days ago` (or `in 5 min`) for a stored timestamp."""
    if not rfc3339:
        return "never"
    try:
        moment = datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    except ValueError:
        return rfc3339
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    for size, unit in ((86400, "day"), (3600, "h"), (60, "min")):
        if seconds >= size:
            n = seconds // size
            amount = f"{n} {unit}{'s' if unit == 'day' and n > 1 else ''}"
            return f"in {amount}" if future else f"{amount} ago"
    return "now" if future else "just now"


def bar_class(value: int) -> str:
    return "good" if value >= 90 else "fair" if value >= 70 else "poor"


def scan_page(stored: StoredScan, changes: Changes) -> dict[str, Any]:
    """Everything the scan page shows."""
    report = stored.report
    findings = [f for f in _list(report.get("findings")) if isinstance(f, Mapping)]
    new_ids = changes.new_ids if changes.previous is not None else frozenset()
    shown = [_finding(f, f.get("id") in new_ids) for f in findings]
    counts = Counter(f["severity"] for f in shown)
    categories = stored.categories
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in sorted(shown, key=lambda f: (_rank(f["severity"]), not f["new"], f["title"])):
        groups.setdefault(f["category"], []).append(f)
    ordered = sorted(groups.items(), key=lambda kv: (_rank(kv[1][0]["severity"]),
                                                    categories.get(kv[0], 100), kv[0]))
    spec = report.get("spec") if isinstance(report.get("spec"), Mapping) else None
    return {
        "counts": [(s, counts.get(s, 0)) for s in SEVERITY_ORDER],
        "categories": [{"name": n, "value": v, "css": bar_class(v)}
                       for n, v in sorted(categories.items(), key=lambda kv: (kv[1], kv[0]))],
        "groups": [{"category": c, "score": categories.get(c), "findings": fs,
                    "worst": fs[0]["severity"]} for c, fs in ordered],
        "total": len(shown),
        "stats": _mapping(report.get("stats")),
        "spec": spec,
        "tool": _mapping(report.get("tool")).get("version", ""),
        "notes": [str(n) for n in _list(report.get("notes"))],
        "errors": [_mapping(e) for e in _list(report.get("errors"))],
        "new": [_row(f) for f in changes.new] if changes.previous else [],
        "fixed": [_row(f) for f in changes.fixed],
        "unchecked": [_row(f) for f in changes.unchecked],
    }


def _finding(f: Mapping[str, Any], new: bool) -> dict[str, Any]:
    endpoint = _mapping(f.get("endpoint"))
    method, path = endpoint.get("method"), endpoint.get("path")
    severity = str(f.get("severity", "info"))
    return {
        "id": str(f.get("id", "")),
        "check": str(f.get("check", "")),
        "category": str(f.get("category", "")),
        "severity": severity if severity in SEVERITY_ORDER else "info",
        "confidence": str(f.get("confidence", "")),
        "title": str(f.get("title", "")),
        "where": f"{method} {path}" if method and path else "service",
        "url": endpoint.get("url"),
        "description": str(f.get("description", "")),
        "remediation": str(f.get("remediation", "")),
        "cwe": f.get("cwe"),
        "owasp": f.get("owasp"),
        "new": new,
        "open": severity in OPEN_SEVERITIES,
        "evidence": [_evidence(_mapping(e)) for e in _list(f.get("evidence"))],
    }


def _evidence(e: Mapping[str, Any]) -> dict[str, Any]:
    request, response = _mapping(e.get("request")), _mapping(e.get("response"))
    status = response.get("status")
    status_line = f"HTTP {status}" if status else f"(no response: {response.get('error', '')})"
    return {
        "note": e.get("note"),
        "request": http_message(f"{request.get('method', '')} {request.get('url', '')}",
                                request.get("headers"), request.get("body")),
        "response": http_message(status_line, response.get("headers"), response.get("body")),
    }


def _row(f: FindingRow) -> dict[str, Any]:
    return {"severity": f.severity, "title": f.title, "where": f.where, "check": f.check}


def _rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


__all__ = ["ago", "bar_class", "scan_page"]
