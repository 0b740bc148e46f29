"""authz.bfla: privileged functions an ordinary user (or nobody at all) can call.

An operation is privileged when the API says so: an admin-like path segment, tag, operationId
or summary, or a security scope only administrators hold. It is reported when an ordinary
identity (A or B, unless its own profile says it is an administrator) or an anonymous request
gets a successful answer with data. Writes are judged from what exploration already sent (safe
mode decided that); a collection-wide DELETE is reported when it emptied B's listing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from middlebrick.checks.authz import Principals, has_data, ids_under, principals
from middlebrick.checks.base import CheckContext, check
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.names import is_param, to_snake

if TYPE_CHECKING:
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation

_SEGMENT = re.compile(
    r"^(admin|admins|administrator|administration|internal|manage|management|staff|superuser|"
    r"sudo|backoffice|back-office|moderation|sysadmin|superadmin|_admin|-admin)$",
    re.IGNORECASE,
)
_ACTION = re.compile(
    r"^(roles?|permissions?|privileges?|promote|demote|grant|revoke|ban|unban|suspend|"
    r"impersonate|elevate|verify)$",
    re.IGNORECASE,
)
_WORD = re.compile(
    r"\b(admin|admins|administrator|administrators|administrative|administration|superusers?|staff|"
    r"backoffice|moderators?|internal)\b",
    re.IGNORECASE,
)
_SCOPE = re.compile(r"admin|manage|superuser|staff|internal|sudo|root", re.IGNORECASE)
_MAX_OPS = 10


def privilege_markers(op: Operation) -> list[str]:
    """Why the API itself marks this operation as privileged (empty: it does not)."""
    markers: list[str] = []
    segments = [s for s in op.path.split("/") if s and not is_param(s)]
    markers += [f"path segment /{s}" for s in segments if _SEGMENT.match(s)]
    if op.method != "GET":
        markers += [f"path segment /{s}" for s in segments if _ACTION.match(s)]
    markers += [f"tag {t!r}" for t in op.tags if _WORD.search(to_snake(t).replace("_", " "))]
    if op.operation_id and _WORD.search(to_snake(op.operation_id).replace("_", " ")):
        markers.append(f"operationId {op.operation_id}")
    if op.summary and _WORD.search(op.summary):
        markers.append(f"summary {op.summary!r}")
    scopes = {s for req in op.security for values in req.values() for s in values}
    markers += [f"scope {s!r}" for s in sorted(scopes) if _SCOPE.search(s)]
    return markers


@check(
    "authz.bfla",
    category=Category.BFLA,
    severity=Severity.HIGH,
    cwe=285,
    remediation=(
        "Check the caller's role on every privileged route, not just that a user is signed in: "
        "a `require_role('admin')` decorator that reads the role from the verified identity "
        "(`g.user['role']`, loaded server-side, never from the request), applied to the whole "
        "admin blueprint with `@admin_bp.before_request`, answering 403. Deny by default and "
        "test each admin route as an ordinary user."
    ),
)
async def bfla(ctx: CheckContext) -> list[Finding]:
    """Privileged function reachable without the privilege

    An operation the API marks as administrative answers an ordinary user (or an anonymous
    caller) with data: the route checks that someone is signed in, or nothing, but not the role.
    """
    if ctx.spec is None:
        return []
    who = principals(ctx.exchanges)
    findings: list[Finding] = []
    marked = [(op, m) for op in ctx.operations if (m := privilege_markers(op))]
    for op, markers in marked[:_MAX_OPS]:
        if op.method == "GET":
            found = await _read(ctx, who, op, markers)
        else:
            found = _write(ctx, who, op, markers)
        if found is not None:
            findings.append(found)
    findings += await _collection_wipes(ctx)
    return findings


async def _read(
    ctx: CheckContext, who: Principals, op: Operation, markers: list[str]
) -> Finding | None:
    reached: dict[str, Exchange] = {}
    ordinary = [i for i in ("a", "b") if _ordinary(ctx, who, i)]
    as_a = _explored(ctx, op, "a")
    for identity in [*ordinary, None]:
        x = _explored(ctx, op, identity)
        if x is None:
            if as_a is None and "{" in op.path:
                continue  # only objects exploration found: no made-up ids
            url = as_a.url if as_a is not None else ctx.plan(op).path
            x = await ctx.request("GET", url, identity=identity, operation=op)
        if 200 <= x.status < 300 and has_data(x.json()):
            reached[identity or "anonymous"] = x
    strong = len(markers) > 1 or op.secured or any(m.startswith("scope") for m in markers)
    if "anonymous" in reached and not strong:
        return None  # public by design: nothing but a name says otherwise
    if not reached:
        return None
    return _report(ctx, op, markers, reached, strong)


def _write(ctx: CheckContext, who: Principals, op: Operation, markers: list[str]) -> Finding | None:
    if not _ordinary(ctx, who, "a"):
        return None
    x = _explored(ctx, op, "a")
    if x is None or not 200 <= x.status < 300:
        return None
    strong = len(markers) > 1 or any(m.startswith("scope") for m in markers)
    return _report(ctx, op, markers, {"a": x}, strong)


def _report(
    ctx: CheckContext, op: Operation, markers: list[str], reached: dict[str, Exchange], strong: bool
) -> Finding:
    names = {"a": "user A", "b": "user B", "anonymous": "an anonymous caller"}
    callers = ", ".join(names[k] for k in reached)
    first = next(iter(reached.values()))
    return ctx.finding(
        exchange=first,
        evidence=list(reached.values())[1:],
        operation=op,
        discriminator="reach",
        confidence=Confidence.FIRM if strong else Confidence.TENTATIVE,
        severity=Severity.CRITICAL if "anonymous" in reached else None,
        title=f"Privileged operation {op.method} {op.path} open to ordinary users",
        description=(
            f"{op.method} {op.path} is marked as privileged ({'; '.join(markers)}), yet "
            f"{callers} got a successful answer with data. The route checks at most that a "
            "user is signed in, not that the user holds the role, so every account can use "
            "administrative functions."
        ),
        note=f"{callers}: {first.status} with data",
    )


async def _collection_wipes(ctx: CheckContext) -> list[Finding]:
    """A DELETE on a whole collection (sent by exploration only with --allow-destructive) that
    removed objects B had listed before."""
    if not ctx.config.has_user_b:
        return []
    findings: list[Finding] = []
    for op in ctx.operations:
        if op.method != "DELETE" or "{" in op.path:
            continue
        wipe = _explored(ctx, op, "a")
        listing = ctx.spec.operation("GET", op.path) if ctx.spec else None
        before = _explored(ctx, listing, "b") if listing is not None else None
        if wipe is None or listing is None or before is None:
            continue
        if not (200 <= wipe.status < 300 and 200 <= before.status < 300):
            continue
        had = ids_under(before.json())
        now = await ctx.send(ctx.plan(listing), identity="b")
        gone = had - ids_under(now.json()) if 200 <= now.status < 300 else set()
        if not had or not gone:
            continue
        findings.append(
            ctx.finding(
                exchange=wipe,
                evidence=[before, now],
                operation=op,
                discriminator="collection-delete",
                confidence=Confidence.CERTAIN,
                title=f"Ordinary user can delete the whole {op.path} collection",
                description=(
                    f"User A's DELETE {op.path} succeeded and user B's objects disappeared from "
                    f"B's listing: a collection-wide delete, a privileged function, is open to "
                    "every user and reaches other users' data."
                ),
                note=f"DELETE answered {wipe.status}; {len(gone)} of B's values vanished",
            )
        )
    return findings


def _ordinary(ctx: CheckContext, who: Principals, identity: str) -> bool:
    if identity == "a":
        return ctx.config.authenticated and not who.a_privileged
    return ctx.config.has_user_b and not who.b_privileged


def _explored(ctx: CheckContext, op: Operation, identity: str | None) -> Exchange | None:
    """Exploration's last request of `op` as `identity` (the retry with every field, if any)."""
    who = identity or "anonymous"
    found = [x for x in ctx.exchanges if x.operation is not None and x.operation.key == op.key]
    return next((x for x in reversed(found) if x.identity == who), None)
