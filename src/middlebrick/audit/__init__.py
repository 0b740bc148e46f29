"""The offline spec audit: rules that read an OpenAPI document and report its problems.

No traffic: every rule takes the loaded document (`ApiSpec`) and returns `spec` findings, each
located by file, JSON pointer and line. `middlebrick audit` runs them alone; inside a scan,
`checks/spec_audit.py` runs each one as a check.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from middlebrick import __version__
from middlebrick.audit import inputs, responses, security, servers  # noqa: F401  (registers)
from middlebrick.audit.document import AuditDocument
from middlebrick.audit.rule import RULES, Rule, findings
from middlebrick.errors import UsageError
from middlebrick.models import Finding, ScanResult, SpecInfo, Stats, rfc3339
from middlebrick.scoring import score
from middlebrick.spec.model import ApiSpec

__all__ = ["RULES", "AuditDocument", "Rule", "audit", "audit_result", "select_rules"]


def select_rules(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Rule]:
    """Rules named by id, id prefix or the `spec` category; unknown names are a usage error."""

    def matches(rule: Rule, name: str) -> bool:
        return name in {rule.id, "spec"} or rule.id.startswith(name + ".")

    def wanted(names: Iterable[str]) -> list[str]:
        listed = [n.strip() for n in names if n.strip()]
        unknown = [n for n in listed if not any(matches(r, n) for r in RULES)]
        if unknown:
            raise UsageError(f"unknown audit rule: {', '.join(unknown)}")
        return listed

    inc, exc = wanted(include), wanted(exclude)
    chosen = [r for r in RULES if not inc or any(matches(r, n) for n in inc)]
    return [r for r in chosen if not any(matches(r, n) for n in exc)]


def audit(
    spec: ApiSpec,
    *,
    rules: Iterable[Rule] | None = None,
    texts: Mapping[str, bytes] | None = None,
) -> list[Finding]:
    """Every finding of the given rules (default: all) on one document, most severe first."""
    doc = AuditDocument(spec, texts=texts)
    found = [f for r in (RULES if rules is None else rules) for f in findings(r, doc)]
    return sorted(found, key=lambda f: (f.severity, f.check, f.id))


def audit_result(
    spec: ApiSpec,
    *,
    rules: Iterable[Rule] | None = None,
    texts: Mapping[str, bytes] | None = None,
) -> ScanResult:
    """The audit as a `ScanResult`, so every reporter can render it (no requests were sent)."""
    chosen = list(RULES if rules is None else rules)
    started_at, started = datetime.now(UTC), time.monotonic()
    found = audit(spec, rules=chosen, texts=texts)
    finished_at = datetime.now(UTC)
    return ScanResult(
        tool_version=__version__,
        target=spec.source,
        started_at=rfc3339(started_at),
        finished_at=rfc3339(finished_at),
        duration_s=time.monotonic() - started,
        spec=SpecInfo(source=spec.source, version=spec.version, operations=len(spec.operations)),
        score=score(found, {"spec"}),
        stats=Stats(requests=0, endpoints=len(spec.operations), checks_run=len(chosen)),
        findings=tuple(found),
        notes=(f"offline audit of the OpenAPI {spec.version} document: no request was sent",),
    )

