"""What the history hands back: small frozen views of stored scans and findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class ScanSummary:
    """One stored scan, without its report."""

    id: int
    target: str
    started_at: str
    finished_at: str
    duration_s: float
    score: int
    grade: str
    counts: Mapping[str, int]  # severity -> findings
    source: str

    @property
    def open_critical_high(self) -> int:
        return self.counts.get("critical", 0) + self.counts.get("high", 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "target": self.target,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": self.duration_s,
            "score": self.score,
            "grade": self.grade,
            "counts": dict(self.counts),
            "source": self.source,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class FindingRow:
    """A finding as the history indexes it."""

    finding_id: str
    check: str
    category: str
    severity: str
    title: str
    method: str | None
    path: str | None

    @property
    def where(self) -> str:
        return f"{self.method} {self.path}" if self.method and self.path else "service"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.finding_id,
            "check": self.check,
            "category": self.category,
            "severity": self.severity,
            "title": self.title,
            "endpoint": f"{self.method} {self.path}" if self.method and self.path else None,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Changes:
    """A scan compared with the previous scan of the same target."""

    previous: ScanSummary | None
    new: tuple[FindingRow, ...] = ()
    fixed: tuple[FindingRow, ...] = ()
    # Previous findings whose check did not run this time: not claimed as fixed.
    unchecked: tuple[FindingRow, ...] = ()

    @property
    def new_ids(self) -> frozenset[str]:
        return frozenset(f.finding_id for f in self.new)


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredScan:
    """One stored scan with its full JSON report and per-category scores."""

    summary: ScanSummary
    report: Mapping[str, Any]
    categories: Mapping[str, int]
    checks: tuple[str, ...] | None


@dataclass(frozen=True, kw_only=True, slots=True)
class ScanPoint:
    """One scan as a point of a target's history chart."""

    id: int
    started_at: str
    score: int
    grade: str
    categories: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class TargetSummary:
    """A target with its latest scan and its recent scores (oldest first)."""

    target: str
    latest: ScanSummary
    scans: int
    recent_scores: tuple[int, ...]


__all__ = [
    "Changes",
    "FindingRow",
    "ScanPoint",
    "ScanSummary",
    "StoredScan",
    "TargetSummary",
]
