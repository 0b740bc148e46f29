"""Static rules: functions from a parsed module to issues, registered with their metadata.

A rule yields `Issue`s (a line, the scope it is in, what is wrong there); `findings` turns them
into `Finding`s located by file and line. The finding id rests on the file, the enclosing
function and the flagged line's text, not its number, so it survives unrelated edits above it.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from middlebrick.code.context import ModuleContext
from middlebrick.code.scope import Scope
from middlebrick.models import Category, Confidence, Finding, Severity, SpecLocation, finding_id
from middlebrick.registry import Registry


@dataclass(frozen=True, kw_only=True, slots=True)
class Issue:
    """One problem at one line, as a rule reports it."""

    line: int
    scope: Scope
    message: str  # what is wrong here, concretely; the rule's description says why it matters
    severity: Severity | None = None
    confidence: Confidence | None = None


RuleFunction = Callable[[ModuleContext], Iterable[Issue]]


@dataclass(frozen=True, kw_only=True, slots=True)
class CodeRule:
    """A registered static rule and its metadata (the fields a check has)."""

    id: str
    title: str
    description: str
    category: Category
    severity: Severity
    confidence: Confidence
    remediation: str
    cwe: int
    function: RuleFunction

    @property
    def owasp(self) -> str | None:
        return self.category.owasp


CODE_RULES: Registry[CodeRule] = Registry("code rule")


def code_rule(
    id: str,
    *,
    category: Category,
    severity: Severity,
    cwe: int,
    remediation: str,
    confidence: Confidence = Confidence.FIRM,
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a static rule; its docstring's first line is its title, the rest describes it."""

    def decorate(function: RuleFunction) -> RuleFunction:
        title, _, rest = (function.__doc__ or "").strip().partition("\n")
        CODE_RULES.register(id, CodeRule(
            id=id, title=title.strip(), description=" ".join(rest.split()), category=category,
            severity=severity, confidence=confidence, remediation=" ".join(remediation.split()),
            cwe=cwe, function=function,
        ))  # fmt: skip
        return function

    return decorate


def issue(node: ast.AST, scope: Scope, message: str, *, severity: Severity | None = None,
          confidence: Confidence | None = None) -> Issue:
    """An issue at the line where `node` starts."""
    return Issue(line=getattr(node, "lineno", 1), scope=scope, message=message,
                 severity=severity, confidence=confidence)


def findings(rule: CodeRule, ctx: ModuleContext) -> list[Finding]:
    """Run one rule on one module: at most one finding per line."""
    by_line: dict[int, Issue] = {}
    for found in rule.function(ctx):
        by_line.setdefault(found.line, found)
    seen: Counter[tuple[str, str]] = Counter()
    out: list[Finding] = []
    for line, found in sorted(by_line.items()):
        text = " ".join(ctx.source(line).split())
        seen[(found.scope.name, text)] += 1
        key = finding_id(rule.id, None, f"{ctx.path}:{found.scope.name}",
                         f"{text}#{seen[(found.scope.name, text)]}")
        out.append(Finding(
            id=key, check=rule.id, category=rule.category,
            severity=found.severity or rule.severity,
            confidence=found.confidence or rule.confidence, title=rule.title,
            description=f"{ctx.path} line {line}, {found.scope.where()}: {found.message} "
                        f"{rule.description}",
            remediation=rule.remediation, endpoint=None, owasp=rule.owasp,
            cwe=f"CWE-{rule.cwe}", location=SpecLocation(file=ctx.path, pointer="", line=line),
        ))  # fmt: skip
    return out
