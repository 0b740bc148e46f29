"""The spec audit inside a scan: each audit rule is a check, run on the scan's document.

The rules are the ones `middlebrick audit` runs (`middlebrick.audit`); here they see the
document the scan loaded or discovered. Document-hygiene findings (missing bounds, missing
error responses...) are reported as info in a scan, which grades the running service; so are
"anyone may call this" claims the service disproves by refusing an anonymous GET (a few
requests, see `spec_support`). Nothing else is sent.
"""

from __future__ import annotations

import asyncio
import threading

from middlebrick.audit import RULES, AuditDocument, Rule
from middlebrick.audit.rule import findings
from middlebrick.checks.base import CheckContext, CheckFunction, check
from middlebrick.checks.spec_support import ACCESS_RULES, weigh_enforcement
from middlebrick.models import Category, Finding
from middlebrick.spec.model import ApiSpec

# Every rule of one scan walks the same document: build it (and its line index) once.
_DOCUMENTS: dict[int, tuple[ApiSpec, AuditDocument]] = {}
_LOCK = threading.Lock()
_KEEP = 4


def _document(spec: ApiSpec, base_url: str) -> AuditDocument:
    with _LOCK:
        cached = _DOCUMENTS.get(id(spec))
        if cached is not None and cached[0] is spec and cached[1].base_url == base_url:
            return cached[1]
        doc = AuditDocument(spec, base_url=base_url)
        if len(_DOCUMENTS) >= _KEEP:
            _DOCUMENTS.pop(next(iter(_DOCUMENTS)))
        _DOCUMENTS[id(spec)] = (spec, doc)
        return doc


def _run(rule: Rule, spec: ApiSpec, base_url: str) -> list[Finding]:
    doc = _document(spec, base_url)
    with _LOCK:  # the document caches its operations and lines; one rule at a time walks it
        return findings(rule, doc, in_scan=True)


def _as_check(rule: Rule) -> CheckFunction:
    async def run(ctx: CheckContext) -> list[Finding]:
        if ctx.spec is None:
            return []
        found = await asyncio.to_thread(_run, rule, ctx.spec, ctx.target)
        if rule.id in ACCESS_RULES and found:
            found = await weigh_enforcement(ctx, found)
        return found

    run.__name__ = run.__qualname__ = rule.id.replace(".", "_").replace("-", "_")
    run.__doc__ = f"{rule.title}\n\n{rule.description}"
    return run


for _rule in RULES:
    check(
        _rule.id,
        category=Category.SPEC,
        severity=_rule.severity,
        remediation=_rule.remediation,
        cwe=_rule.cwe,
        owasp=_rule.owasp,
        confidence=_rule.confidence,
    )(_as_check(_rule))
