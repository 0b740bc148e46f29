"""Weighing the document's security claims against the running service, for the spec checks.

A document that leaves authentication out (no scheme, no `security` on an operation) says the
API is open; the service may still refuse anonymous callers. A scan grades the service, so a
claim the service disproves (an anonymous GET of the same path refused with 401/403) is only a
gap in the document: reported as info. Where the service agrees, or nothing tells, the
finding stands.
"""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING

from middlebrick.checks.base import CheckContext
from middlebrick.checks.headers import sent_credentials
from middlebrick.models import Finding, Severity
from middlebrick.spec.names import normalize

if TYPE_CHECKING:
    from middlebrick.http.client import ScanClient
    from middlebrick.http.exchange import Exchange

# The rules whose findings say "anyone may call this" (see middlebrick.audit.security).
ACCESS_RULES = frozenset(
    {"spec.no-security-schemes", "spec.unsecured-operation", "spec.unsecured-object-id"}
)
MAX_ASKED = 8  # anonymous requests per scan, shared by the three rules
_REFUSED = frozenset({401, 403})
_NOTE = (
    " The running service refused an anonymous request to {where} ({status}): it enforces "
    "authentication the document does not describe, so this is a gap in the document (info)."
)
_Answers = dict[str, "asyncio.Task[int | None]"]
_ASKED: weakref.WeakKeyDictionary[ScanClient, _Answers] = weakref.WeakKeyDictionary()


async def weigh_enforcement(ctx: CheckContext, found: list[Finding]) -> list[Finding]:
    """The findings, each lowered to info when the service refuses anonymous callers there."""
    out: list[Finding] = []
    for finding in found:
        if finding.severity is Severity.INFO or finding.check not in ACCESS_RULES:
            out.append(finding)
            continue
        path = finding.endpoint.path if finding.endpoint else None
        refused = await _refused(ctx, path)
        if refused is None:
            out.append(finding)
            continue
        where, status = refused
        out.append(
            dataclasses.replace(
                finding,
                severity=Severity.INFO,
                description=finding.description + _NOTE.format(where=where, status=status),
            )
        )
    return out


async def _refused(ctx: CheckContext, template: str | None) -> tuple[str, int] | None:
    """An anonymous GET refused on `template` (on any of a few documented paths when None)."""
    for x in _references(ctx, template):
        status = await _anonymous_status(ctx, x)
        if status in _REFUSED:
            return f"GET {x.operation.path if x.operation else x.path}", status
    return None


def _references(ctx: CheckContext, template: str | None) -> Iterable[Exchange]:
    """Explored GETs of the path (every path when None), those A was served first."""
    wanted = normalize(template) if template is not None else None
    base = ctx.spec.base_path if ctx.spec is not None else ""
    picked: dict[str, Exchange] = {}
    for x in sorted(ctx.exchanges, key=lambda x: not 200 <= x.status < 300):
        op = x.operation
        if op is None or x.method != "GET" or not x.status or op.key in picked:
            continue
        if wanted is None or wanted in (normalize(op.path), normalize(base + op.path)):
            picked[op.key] = x
    return list(picked.values())[: 1 if template is not None else 3]


async def _anonymous_status(ctx: CheckContext, x: Exchange) -> int | None:
    if not sent_credentials(ctx, x):
        return x.status  # the scan had no credentials: exploration already asked anonymously
    asked = _ASKED.setdefault(ctx.client, {})
    if x.url not in asked:
        if len(asked) >= MAX_ASKED:
            return None
        asked[x.url] = asyncio.ensure_future(_ask(ctx, x))
    return await asyncio.shield(asked[x.url])


async def _ask(ctx: CheckContext, x: Exchange) -> int | None:
    answer = await ctx.request("GET", x.url, identity=None, operation=x.operation)
    return answer.status or None
