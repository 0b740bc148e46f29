"""Oversized input: page sizes honoured far beyond any sane maximum, huge strings accepted.

A page size counts only when the answer really holds more items than the documented maximum
(or 100 when none is documented): a service that clamps silently is fine. A body counts when
a 256 KiB string in a free-text field (without `maxLength` first, else one whose limit is only
written down) gets a 2xx, or reaches DynamoDB's item-size check. Only requests safe mode allows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from middlebrick.checks.authn_flows import account_fields, flows
from middlebrick.checks.authn_support import body_properties, explored_ok, ok
from middlebrick.checks.base import CheckContext, check
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.names import to_snake

if TYPE_CHECKING:
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation, Parameter

HUGE_PAGE = 100_000
DEFAULT_CAP = 100
# 256 KiB: a thousand times any sane text field, yet small enough for one DynamoDB item (400 KB
# at most), so a service that stores it without checking visibly accepts it.
BIG_STRING = 256 * 1024
# Passed through to DynamoDB unchecked, a bigger value dies there; some services say so.
_DYNAMODB_TOO_BIG = re.compile(r"Item size (to update )?has exceeded the maximum allowed size")
MAX_PAGE_OPERATIONS = 3
MAX_BODY_OPERATIONS = 2
_PAGE = re.compile(
    r"^(limit|per_?page|page_?size|size|count|max_?results|max_?items|top|first|take|rows|"
    r"results_?per_?page|max|n)$"
)
_ID = re.compile(r"(^|_)(id|ids|uuid|guid|key|pk)$")
# Formats whose values a server parses (a huge one fails parsing rather than being stored).
_PARSED_FORMATS = frozenset({"date", "date-time", "time", "uuid", "email", "uri", "ipv4", "ipv6"})


def _page_param(ctx: CheckContext, op: Operation) -> tuple[Parameter, int] | None:
    for param in op.params_in("query"):
        schema = ctx.spec.resolve(param.schema) if ctx.spec else {}
        if not _PAGE.match(to_snake(param.name)) or schema.get("type") not in (None, "integer"):
            continue
        maximum = schema.get("maximum")
        cap = maximum if isinstance(maximum, int) and not isinstance(maximum, bool) else None
        return param, cap if cap is not None else DEFAULT_CAP
    return None


def _items(body: Any, depth: int = 0) -> int:
    """The length of the longest list in a body (top level, or inside wrapper objects)."""
    if isinstance(body, list):
        return len(body)
    if isinstance(body, Mapping) and depth < 2:
        return max((_items(v, depth + 1) for v in body.values()), default=0)
    return 0


async def _page_sizes(ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for ref in explored_ok(ctx):
        op = ref.operation
        found = _page_param(ctx, op) if op else None
        if op is None or found is None or len(findings) >= MAX_PAGE_OPERATIONS:
            continue
        param, cap = found
        url = httpx.URL(ref.url).copy_set_param(param.name, str(HUGE_PAGE))
        x = await ctx.request("GET", str(url), identity=ref.identity, operation=op)
        count = _items(x.json())
        if not ok(x) or count <= cap:
            continue
        findings.append(
            ctx.finding(
                exchange=x,
                operation=op,
                discriminator=f"page:{param.name}",
                title="Page size is not capped",
                severity=Severity.MEDIUM,
                note=f"{param.name}={HUGE_PAGE} answered {x.status} with {count} items, more "
                f"than the {'documented maximum' if cap != DEFAULT_CAP else 'sane cap'} of {cap}",
            )
        )
    return findings


def _free_text(name: str, schema: Mapping[str, Any]) -> int | None:
    """0 for a free-text string without maxLength, 1 for one whose limit is only documented
    (a server that enforces it answers 4xx), None for anything else (ids, formats, enums)."""
    if schema.get("type", "string") != "string" or _ID.search(to_snake(name)):
        return None
    if any(k in schema for k in ("enum", "const", "pattern", "readOnly")):
        return None
    if schema.get("format") in _PARSED_FORMATS:
        return None
    return 1 if "maxLength" in schema else 0


def _limit(schema: Mapping[str, Any]) -> str:
    limit = schema.get("maxLength")
    return "no maxLength" if limit is None else f"documented maxLength {limit}, not enforced"


def _candidates(ctx: CheckContext) -> list[tuple[Operation, str]]:
    """(operation, field) to inflate, unbounded fields first, one field per operation."""
    if ctx.spec is None:
        return []
    # A login or reset never stores what it is sent; an operation A may not use says nothing.
    skip = {f.op.key for kind in ("login", "reset") for f in flows(ctx, kind)}
    skip |= {
        x.operation.key
        for x in ctx.exchanges
        if x.operation and x.identity == "a" and x.status in (401, 403)
    }
    ranked: list[tuple[int, int, Operation, str]] = []
    for i, op in enumerate(ctx.operations):
        body = op.request_body
        if body is None or "json" not in body.content_type or op.key in skip:
            continue
        if op.method not in ("POST", "PUT", "PATCH"):
            continue
        fields = [
            (rank, name)
            for name, schema in body_properties(ctx.spec, op).items()
            if (rank := _free_text(name, schema)) is not None
        ]
        if fields:
            rank, name = min(fields, key=lambda f: f[0])
            ranked.append((rank, i, op, name))
    return [(op, name) for *_, op, name in sorted(ranked, key=lambda r: r[:2])]


async def _bodies(ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    sent = 0
    for op, field in _candidates(ctx):
        if sent >= MAX_BODY_OPERATIONS or ctx.spec is None:
            break
        props = body_properties(ctx.spec, op)
        values = {**account_fields(props), field: "A" * BIG_STRING}
        plan = ctx.plan(op, **values)
        if not ctx.client.allowed(plan.method, plan.path, plan.path_values.values()):
            continue
        sent += 1
        x: Exchange = await ctx.send(plan)
        if ok(x):
            outcome = f"was accepted with {x.status}"
        elif x.status >= 500 and _DYNAMODB_TOO_BIG.search(x.text[:4000]):
            outcome = "went unchecked all the way to DynamoDB, which refused the item"
        else:
            continue
        size = f"a {BIG_STRING // 1024} KiB string in `{field}` ({_limit(props[field])})"
        findings.append(
            ctx.finding(
                exchange=x, operation=op, discriminator=f"body:{field}", note=f"{size} {outcome}"
            )
        )
    return findings


@check(
    "abuse.oversized-input",
    category=Category.RESOURCE_CONSUMPTION,
    severity=Severity.LOW,
    confidence=Confidence.FIRM,
    cwe=770,
    remediation=(
        "Bound everything a client sizes: set Flask's `MAX_CONTENT_LENGTH` (e.g. 64 KiB) so big "
        "bodies get 413 before parsing, give every string a length limit in validation (and "
        "`maxLength` in the schema), and clamp page sizes (`limit = min(int(args.get('limit', "
        "20)), 100)`, passed to DynamoDB as `Limit=` with `ExclusiveStartKey` pagination) or "
        "reject values above the maximum with 400. DynamoDB bills reads and writes by size: an "
        "unbounded page or a 400 KB item costs real money per request."
    ),
)
async def oversized_input(ctx: CheckContext) -> list[Finding]:
    """Oversized input accepted

    The API honours page sizes far beyond its maximum or stores megabyte strings, so each
    request can make it read, hold and return (or write and bill) as much as a client asks.
    """
    return await _page_sizes(ctx) + await _bodies(ctx)
