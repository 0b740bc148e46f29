"""Baselines: which findings of a scan are new, which were already in a previous report, and
which previous ones are gone (fixed).

Pure: the previous JSON report comes in as data (`read_baseline` only reads and parses the
file). Findings are matched by their stable id. A previous finding whose check did not run
this time is "unchecked", never "fixed": skipping a check must not claim a fix.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from middlebrick.errors import UsageError
from middlebrick.models import Finding

NEW = "new"
EXISTING = "existing"


@dataclass(frozen=True, kw_only=True, slots=True)
class PriorFinding:
    """What a report says about a finding of the previous scan."""

    id: str
    check: str
    severity: str
    title: str
    method: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        endpoint = (
            {"method": self.method, "path": self.path} if self.method and self.path else None
        )
        return {
            "id": self.id,
            "check": self.check,
            "severity": self.severity,
            "title": self.title,
            "endpoint": endpoint,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Baseline:
    """A scan compared with a previous report."""

    source: str
    status: Mapping[str, str] = field(default_factory=dict)  # finding id -> NEW | EXISTING
    fixed: tuple[PriorFinding, ...] = ()
    unchecked: tuple[PriorFinding, ...] = ()

    @property
    def new(self) -> int:
        return sum(1 for s in self.status.values() if s == NEW)

    @property
    def existing(self) -> int:
        return sum(1 for s in self.status.values() if s == EXISTING)

    def status_of(self, finding_id: str) -> str:
        return self.status.get(finding_id, NEW)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "new": self.new,
            "existing": self.existing,
            "fixed": [f.to_dict() for f in self.fixed],
            "unchecked": [f.to_dict() for f in self.unchecked],
        }


def read_baseline(path: str) -> dict[str, Any]:
    """Read a previous JSON report; a missing or malformed file is a usage error."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--baseline {path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise UsageError(f"--baseline {path}: not a middlebrick JSON report (not UTF-8)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"--baseline {path}: not a middlebrick JSON report (invalid JSON at line {exc.lineno})"
        ) from None
    prior_findings(data, source=path)  # validate now, before any request is sent
    report: dict[str, Any] = data
    return report


def prior_findings(report: Any, *, source: str) -> tuple[PriorFinding, ...]:
    """The findings of a previous JSON report; anything else is a usage error naming `source`."""

    def bad(reason: str) -> UsageError:
        return UsageError(f"--baseline {source}: not a middlebrick JSON report ({reason})")

    if not isinstance(report, dict) or not isinstance(report.get("findings"), list):
        raise bad("no findings list")
    found: list[PriorFinding] = []
    for n, item in enumerate(report["findings"]):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("id", "check")
        ):
            raise bad(f"finding {n} has no string id and check")
        endpoint = item.get("endpoint")
        if not isinstance(endpoint, dict):
            endpoint = {}
        found.append(
            PriorFinding(
                id=item["id"],
                check=item["check"],
                severity=str(item.get("severity", "")),
                title=str(item.get("title", "")),
                method=_str_or_none(endpoint.get("method")),
                path=_str_or_none(endpoint.get("path")),
            )
        )
    return tuple(found)


def compare(
    previous: Mapping[str, Any],
    findings: Iterable[Finding],
    *,
    source: str,
    checks_run: Collection[str] | None = None,
) -> Baseline:
    """Mark each finding new or existing and list the previous findings that are gone.

    `checks_run` (ids) tells a fixed finding from one whose check was not run this time.
    """
    prior = {f.id: f for f in prior_findings(previous, source=source)}
    current = list(findings)
    status = {f.id: EXISTING if f.id in prior else NEW for f in current}
    gone = [p for p in prior.values() if p.id not in status]
    ran = set(checks_run) if checks_run is not None else None
    return Baseline(
        source=source,
        status=status,
        fixed=tuple(p for p in gone if ran is None or p.check in ran),
        unchecked=tuple(p for p in gone if ran is not None and p.check not in ran),
    )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = [
    "EXISTING",
    "NEW",
    "Baseline",
    "PriorFinding",
    "compare",
    "prior_findings",
    "read_baseline",
]
