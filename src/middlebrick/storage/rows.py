"""A JSON report turned into the rows the history stores.

Reports come from this version of middlebrick or from a file written by an older one, so
every field is read defensively: a missing or odd value becomes a neutral one, never a crash.
Text a target sent may hold what no database stores (NUL, lone surrogates): `storable` makes
it storable instead of letting it fail the whole scan's record.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from middlebrick.storage.schema import SEVERITIES

Row = dict[str, Any]


def stamp(moment: datetime | str | None = None) -> str:
    """An RFC 3339 UTC timestamp of one fixed shape (sorts as text): now, or `moment`'s."""
    if moment is None:
        moment = datetime.now(UTC)
    elif isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.strip().replace("Z", "+00:00"))
        except ValueError:
            moment = datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def report_rows(
    report: Mapping[str, Any], source: str, checks_run: Iterable[str] | None
) -> tuple[Row, list[Row], list[Row]]:
    """(the scan row, its finding rows, its category rows) for one report."""
    score = _mapping(report.get("score"))
    found = [f for f in report.get("findings") or [] if isinstance(f, Mapping)]
    counts = Counter(str(f.get("severity", "")) for f in found)
    started = stamp(_text(report.get("started_at")) or None)
    scan: Row = {
        "target": _text(report.get("target"))[:2048],
        "started_at": started,
        "finished_at": stamp(_text(report.get("finished_at")) or started),
        "duration_s": _number(report.get("duration_s")),
        "tool_version": _text(_mapping(report.get("tool")).get("version"))[:40],
        "score": int(_number(score.get("value"))),
        "grade": _text(score.get("grade"))[:2] or "?",
        **{s: counts.get(s, 0) for s in SEVERITIES},
        "report": storable(json.dumps(report, ensure_ascii=False, separators=(",", ":"))),
        "source": source[:32],
        "checks": json.dumps(sorted(set(checks_run))) if checks_run is not None else None,
    }
    finding_rows = [_finding_row(f) for f in found]
    categories = _mapping(score.get("categories"))
    by_name = {_text(k)[:64]: int(_number(v)) for k, v in categories.items()}  # one per key
    category_rows = [{"category": k, "score": v} for k, v in by_name.items()]
    return scan, finding_rows, category_rows


def _finding_row(finding: Mapping[str, Any]) -> Row:
    endpoint = _mapping(finding.get("endpoint"))
    return {
        "finding_id": _text(finding.get("id"))[:64],
        "check_id": _text(finding.get("check"))[:200],
        "category": _text(finding.get("category"))[:64],
        "severity": _text(finding.get("severity"))[:16],
        "title": _text(finding.get("title")),
        "method": _text(endpoint.get("method"))[:16] or None,
        "path": _text(endpoint.get("path")) or None,
    }


def storable(text: str) -> str:
    """`text` as every database can store it: NUL (which PostgreSQL refuses) becomes U+FFFD and
    a lone surrogate (decoded from a JSON `\\ud800`, not encodable as UTF-8) becomes `?`."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return storable(value if isinstance(value, str) else "" if value is None else str(value))


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


__all__ = ["report_rows", "stamp", "storable"]
