"""The data the scanner produces: findings, evidence, scores and the scan result.

Everything here is a frozen, keyword-only dataclass; nothing is mutated after a check returns.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Severity(enum.Enum):
    """How bad a finding is; ordered, most severe first when sorted."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank  # a more severe finding sorts first


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Confidence(enum.Enum):
    """How sure the check is that the finding is real."""

    CERTAIN = "certain"
    FIRM = "firm"
    TENTATIVE = "tentative"


class Category(enum.Enum):
    """The report contract's categories, each with its OWASP API Top 10 2023 id."""

    AUTHENTICATION = "authentication"
    BOLA = "bola"
    PROPERTY_AUTHORIZATION = "property-authorization"
    DATA_EXPOSURE = "data-exposure"
    RESOURCE_CONSUMPTION = "resource-consumption"
    BFLA = "bfla"
    BUSINESS_FLOW = "business-flow"
    SSRF = "ssrf"
    MISCONFIGURATION = "misconfiguration"
    INJECTION = "injection"
    ENCRYPTION = "encryption"
    INVENTORY = "inventory"
    UNSAFE_CONSUMPTION = "unsafe-consumption"
    SPEC = "spec"

    @property
    def owasp(self) -> str | None:
        return _OWASP[self]


_OWASP: dict[Category, str | None] = {
    Category.AUTHENTICATION: "API2:2023",
    Category.BOLA: "API1:2023",
    Category.PROPERTY_AUTHORIZATION: "API3:2023",
    Category.DATA_EXPOSURE: "API3:2023",
    Category.RESOURCE_CONSUMPTION: "API4:2023",
    Category.BFLA: "API5:2023",
    Category.BUSINESS_FLOW: "API6:2023",
    Category.SSRF: "API7:2023",
    Category.MISCONFIGURATION: "API8:2023",
    Category.INJECTION: "API8:2023",
    Category.ENCRYPTION: "API8:2023",
    Category.INVENTORY: "API9:2023",
    Category.UNSAFE_CONSUMPTION: "API10:2023",
    Category.SPEC: None,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Endpoint:
    """Where a finding was seen: the method, the path template and the concrete URL."""

    method: str
    path: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "url": self.url}


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence:
    """One request and its response, already masked and truncated for a report."""

    request: Mapping[str, Any]
    response: Mapping[str, Any]
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"request": dict(self.request), "response": dict(self.response)}
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, kw_only=True, slots=True)
class SpecLocation:
    """Where in the OpenAPI document a finding belongs."""

    file: str
    pointer: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "pointer": self.pointer, "line": self.line}


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """One problem found by one check at one place."""

    id: str
    check: str
    category: Category
    severity: Severity
    confidence: Confidence
    title: str
    description: str
    remediation: str
    endpoint: Endpoint | None
    evidence: tuple[Evidence, ...] = ()
    owasp: str | None = None
    cwe: str | None = None
    location: SpecLocation | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "check": self.check,
            "category": self.category.value,
            "severity": self.severity.value,
            "confidence": self.confidence.value,
            "title": self.title,
            "description": self.description,
            "remediation": self.remediation,
            "endpoint": self.endpoint.to_dict() if self.endpoint else None,
            "evidence": [e.to_dict() for e in self.evidence],
            "owasp": self.owasp,
            "cwe": self.cwe,
        }
        if self.location is not None:
            data["location"] = self.location.to_dict()
        return data


def rfc3339(moment: datetime) -> str:
    """A UTC timestamp as reports write it: `2026-11-29T07:49:40.123Z`."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def finding_id(check: str, method: str | None, path: str | None, discriminator: str = "") -> str:
    """A stable id: the same issue at the same place gets the same id across scans."""
    key = "\x1f".join((check, method or "", path or "", discriminator))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckError:
    """A check that crashed; the scan went on without it."""

    check: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "error": self.error}


@dataclass(frozen=True, kw_only=True, slots=True)
class Score:
    """The service's score (0-100), grade (A-F) and per-category scores."""

    value: int
    grade: str
    categories: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "grade": self.grade, "categories": dict(self.categories)}


@dataclass(frozen=True, kw_only=True, slots=True)
class Coverage:
    """How much one operation was really exercised."""

    method: str
    path: str
    requests: int
    statuses: Mapping[str, int]

    @property
    def exercised(self) -> bool:
        # An operation that only ever said "no" (auth, missing, wrong method), or never answered
        # at all ("error": no HTTP response), was not tested.
        return any(s not in {"401", "403", "404", "405", "error"} for s in self.statuses)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "requests": self.requests,
            "statuses": dict(self.statuses),
            "exercised": self.exercised,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class SpecInfo:
    """Which OpenAPI document the scan used."""

    source: str
    version: str
    operations: int

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "version": self.version, "operations": self.operations}


@dataclass(frozen=True, kw_only=True, slots=True)
class Stats:
    requests: int
    endpoints: int
    checks_run: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "endpoints": self.endpoints,
            "checks_run": self.checks_run,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class ScanResult:
    """Everything one scan produced; the input of every reporter."""

    tool_version: str
    target: str
    started_at: str
    finished_at: str
    duration_s: float
    spec: SpecInfo | None
    score: Score
    stats: Stats
    findings: tuple[Finding, ...]
    coverage: tuple[Coverage, ...] = ()
    errors: tuple[CheckError, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": {"name": "middlebrick", "version": self.tool_version},
            "target": self.target,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": round(self.duration_s, 3),
            "spec": self.spec.to_dict() if self.spec else None,
            "score": self.score.to_dict(),
            "stats": self.stats.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "coverage": [c.to_dict() for c in self.coverage],
            "errors": [e.to_dict() for e in self.errors],
            "notes": list(self.notes),
        }
