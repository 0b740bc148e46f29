"""What every reporter shares: the result as reports see it, plus small views of it.

`ScanResult` says what the scan found. Reports also want the checks that ran (so a JUnit file
can show the passes and SARIF can describe every rule) and, with `--baseline`, which findings
are new. `AnnotatedResult` carries both; a plain `ScanResult` still renders everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from middlebrick.baseline import Baseline
from middlebrick.models import Category, Confidence, Finding, ScanResult, Severity


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckInfo:
    """A check that ran, as reports describe it."""

    id: str
    title: str
    category: Category
    severity: Severity
    confidence: Confidence
    description: str
    remediation: str
    cwe: str | None = None
    owasp: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class AnnotatedResult(ScanResult):
    """A scan result with the catalog of checks that ran and an optional baseline comparison."""

    catalog: tuple[CheckInfo, ...] = ()
    baseline: Baseline | None = None

    def to_dict(self) -> dict[str, Any]:
        data = ScanResult.to_dict(self)
        if self.baseline is not None:
            for finding in data["findings"]:
                finding["baseline"] = self.baseline.status_of(finding["id"])
            data["baseline"] = self.baseline.to_dict()
        return data


def annotate(
    result: ScanResult,
    *,
    catalog: Iterable[CheckInfo] = (),
    baseline: Baseline | None = None,
) -> AnnotatedResult:
    """The same result, with the checks that ran and the baseline comparison attached."""
    values = {f.name: getattr(result, f.name) for f in fields(ScanResult)}
    return AnnotatedResult(**values, catalog=tuple(catalog), baseline=baseline)


def baseline_of(result: ScanResult) -> Baseline | None:
    return result.baseline if isinstance(result, AnnotatedResult) else None


def checks_of(result: ScanResult) -> tuple[CheckInfo, ...]:
    """The checks that ran, or, for a plain result, those that found something."""
    known = {c.id: c for c in result.catalog} if isinstance(result, AnnotatedResult) else {}
    for f in result.findings:
        if f.check not in known:
            known[f.check] = CheckInfo(
                id=f.check,
                title=f.title,
                category=f.category,
                severity=f.severity,
                confidence=f.confidence,
                description=f.description,
                remediation=f.remediation,
                cwe=f.cwe,
                owasp=f.owasp,
            )
    return tuple(sorted(known.values(), key=lambda c: c.id))


def where(finding: Finding) -> str:
    """`METHOD /path/template`; `file:line` for a finding in source code (`middlebrick code`);
    `file#/pointer` for one in a document; `service` for one about the whole service."""
    if finding.endpoint is not None:
        return f"{finding.endpoint.method} {finding.endpoint.path}"
    loc = finding.location
    if loc is None:
        return "service"
    if not loc.pointer:
        return f"{loc.file}:{loc.line}" if loc.line else loc.file
    return f"{loc.file}#{loc.pointer}"


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Findings per severity, every severity present, most severe first."""
    counts = Counter(f.severity for f in findings)
    return {s: counts.get(s, 0) for s in Severity}


def by_severity(findings: Iterable[Finding]) -> list[tuple[Severity, list[Finding]]]:
    """Findings grouped by severity, most severe first; empty groups left out."""
    groups: dict[Severity, list[Finding]] = {s: [] for s in Severity}
    for f in findings:
        groups[f.severity].append(f)
    return [(s, fs) for s, fs in groups.items() if fs]


def at_or_above(findings: Iterable[Finding], threshold: Severity) -> list[Finding]:
    return [f for f in findings if f.severity.rank >= threshold.rank]


__all__ = [
    "AnnotatedResult",
    "CheckInfo",
    "annotate",
    "at_or_above",
    "baseline_of",
    "by_severity",
    "checks_of",
    "severity_counts",
    "where",
]
