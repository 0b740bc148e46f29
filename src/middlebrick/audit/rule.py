"""Audit rules: functions from a document to issues, registered with their metadata.

A rule yields `Issue`s (the node at fault and what to say about it); `findings` turns them
into `Finding`s of the `spec` category, each located by file, JSON pointer and line. One issue
per node: a schema shared by ten operations is reported once, where it is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from middlebrick.audit.document import AuditDocument, Node, OpView
from middlebrick.models import Category, Confidence, Finding, Severity, finding_id
from middlebrick.registry import Registry

RuleFunction = Callable[[AuditDocument], Iterable["Issue"]]
SCAN_NOTE = (
    " (A scan reports document hygiene as info: it grades the running service, which may"
    " enforce what the document leaves out; `middlebrick audit` grades the document itself.)"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Issue:
    """One problem at one node of the document."""

    node: Node
    description: str
    op: OpView | None = None
    title: str | None = None
    severity: Severity | None = None
    discriminator: str | None = None  # default: the node's pointer


@dataclass(frozen=True, kw_only=True, slots=True)
class Rule:
    """A registered audit rule and its metadata (the same fields a check has)."""

    id: str
    title: str
    description: str
    severity: Severity
    remediation: str
    cwe: int | None
    owasp: str | None
    function: RuleFunction
    confidence: Confidence = Confidence.CERTAIN
    # Document quality rather than exposure: a scan reports these as info.
    hygiene: bool = False


RULES: Registry[Rule] = Registry("audit rule")


def rule(
    id: str,
    *,
    severity: Severity,
    remediation: str,
    cwe: int | None = None,
    owasp: str | None = None,
    confidence: Confidence = Confidence.CERTAIN,
    hygiene: bool = False,
) -> Callable[[RuleFunction], RuleFunction]:
    """Register an audit rule; its docstring's first line is its title, the rest describes it."""

    def decorate(function: RuleFunction) -> RuleFunction:
        title, _, rest = (function.__doc__ or "").strip().partition("\n")
        RULES.register(id, Rule(
            id=id, title=title.strip(), description=" ".join(rest.split()), severity=severity,
            remediation=remediation, cwe=cwe, owasp=owasp, function=function,
            confidence=confidence, hygiene=hygiene,
        ))  # fmt: skip
        return function

    return decorate


def findings(rule: Rule, doc: AuditDocument, *, in_scan: bool = False) -> list[Finding]:
    """Run one rule; in a scan, hygiene findings are lowered to info (see SCAN_NOTE)."""
    out: dict[str, Finding] = {}
    for issue in rule.function(doc):
        endpoint = doc.endpoint(issue.op) if issue.op is not None else None
        severity = issue.severity or rule.severity
        description = issue.description
        if in_scan and rule.hygiene and severity is not Severity.INFO:
            severity, description = Severity.INFO, description + SCAN_NOTE
        key = finding_id(
            rule.id,
            endpoint.method if endpoint else None,
            endpoint.path if endpoint else None,
            issue.discriminator if issue.discriminator is not None else issue.node.pointer,
        )
        out.setdefault(key, Finding(
            id=key, check=rule.id, category=Category.SPEC, severity=severity,
            confidence=rule.confidence, title=issue.title or rule.title,
            description=description, remediation=rule.remediation, endpoint=endpoint,
            owasp=rule.owasp, cwe=f"CWE-{rule.cwe}" if rule.cwe else None,
            location=doc.location(issue.node, issue.op),
        ))  # fmt: skip
    return list(out.values())
