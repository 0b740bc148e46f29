"""dynamodb.unbounded-scan: list operations that read and return a whole table per request.

A DynamoDB Scan without `Limit` reads the table to its end (1 MB per call, and handlers loop on
`LastEvaluatedKey` or use a paginator), so a listing that ignores its page size and offers no
cursor costs read capacity and memory in proportion to the table on every call. Signals, from
strong to weak: the page size is ignored (`limit=1` answers many items and no cursor), a huge
page size is honoured beyond any cap, DynamoDB's own `Count`/`ScannedCount` leak with no
`LastEvaluatedKey`, or many items arrive with no pagination affordance at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from middlebrick.checks.authz import owner_values, principals
from middlebrick.checks.base import CheckContext, check
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.generate import RequestPlan, plan_request
from middlebrick.spec.model import ApiSpec, Operation, Parameter

_PAGE_SIZE = re.compile(
    r"^(limit|(page|batch)_?size|per_?page|size|max_?(results|items|records|keys)?|"
    r"count|top|first|take|num_?(results|items)?|page_?limit)$",
    re.I,
)
_CURSOR_KEY = re.compile(
    r"^(next(_?(token|cursor|page(_?token)?|key|url|link|marker))?|cursor|next_?start_?key|"
    r"(exclusive_?)?start_?key|last_?evaluated_?key|continuation(_?token)?|page_?token|"
    r"marker|after|links?|@odata\.next_?link|has_?more|more)$",
    re.I,
)
_CURSOR_PARAM = re.compile(
    r"^(next|cursor|after|page|offset|marker|continuation(_?token)?|page_?token|next_?token|"
    r"(exclusive_?)?start_?key|last_?evaluated_?key|starting_?after|skip|from)$",
    re.I,
)
HUGE = 1_000_000
_MANY = 50  # items in one answer that no sensible default page size reaches
_CLAMP = 100  # what a server may silently cap a huge page size to
_RAW_ENOUGH = 10  # a raw Scan answer this big is no lookup table
_MAX_OPERATIONS = 12


@dataclass(frozen=True, slots=True)
class Listing:
    """The collection in a response: how many items, and how it offers the next page."""

    count: int
    items: frozenset[str]  # canonical JSON of each item, to compare two users' views
    cursor: bool  # a next-page affordance with a value (body key or Link header)
    raw_scan: bool  # boto3's response as is: Items with Count/ScannedCount


def _cursor_in(body: dict[str, Any], skip: object, depth: int = 0) -> bool:
    for key, value in body.items():
        if value is skip:
            continue
        if _CURSOR_KEY.match(key) and value not in (None, "", False, [], {}, 0):
            if not isinstance(value, dict) or key.lower() not in {"link", "links"}:
                return True
            if any(str(k).lower() == "next" and v for k, v in value.items()):
                return True
        if isinstance(value, dict) and depth < 2 and _cursor_in(value, skip, depth + 1):
            return True
    return False


def _largest_list(body: Any, depth: int = 0) -> list[Any] | None:
    if isinstance(body, list):
        return body
    if not isinstance(body, dict) or depth > 2:
        return None
    found = [x for v in body.values() if (x := _largest_list(v, depth + 1)) is not None]
    lists = [x for x in found if all(isinstance(i, dict) for i in x)]
    return max(lists, key=len, default=None)


def listing(x: Exchange) -> Listing | None:
    """The collection `x` answered with, or None when it is not a JSON list of objects."""
    if not 200 <= x.status < 300:
        return None
    body = x.json()
    items = _largest_list(body)
    if items is None or not all(isinstance(i, dict) for i in items):
        return None
    link = 'rel="next"' in x.headers.get("link", "").replace("'", '"')
    cursor = link or (isinstance(body, dict) and _cursor_in(body, items))
    raw = isinstance(body, dict) and "Items" in body and ("ScannedCount" in body or "Count" in body)
    canonical = frozenset(json.dumps(i, sort_keys=True, default=str) for i in items)
    return Listing(count=len(items), items=canonical, cursor=cursor, raw_scan=raw)


def _shared(a: Listing, b: Listing | None) -> bool | None:
    """True when users A and B see the same collection (a table, not each user's partition)."""
    if b is None or not a.items or not b.items:
        return None
    overlap = len(a.items & b.items) / max(len(a.items), len(b.items))
    return True if overlap >= 0.8 else False if overlap <= 0.2 else None


def _all_owned(x: Exchange, mine: frozenset[str]) -> bool:
    """Does every item of the listing have an owner-like field holding user A's id?"""
    items = _largest_list(x.json()) or []
    return bool(mine) and bool(items) and all(
        isinstance(i, dict) and set(owner_values(i, skip=None).values()) & mine for i in items
    )


def _page_param(spec: ApiSpec, op: Operation) -> Parameter | None:
    for p in op.params_in("query"):
        kind = spec.resolve(p.schema).get("type")
        if _PAGE_SIZE.match(p.name) and kind in (None, "integer", "number", "string"):
            return p
    return None


def _baseline(ctx: CheckContext, op: Operation, identity: str) -> tuple[Exchange, Listing] | None:
    for x in ctx.exchanges:
        if x.operation is op and x.identity == identity and (found := listing(x)):
            return x, found
    return None


def _plan(ctx: CheckContext, op: Operation, name: str, value: int) -> RequestPlan:
    # Only documented values besides the page size: a made-up cursor or filter earns a 400.
    assert ctx.spec is not None
    cursors = {p.name for p in op.parameters if _CURSOR_PARAM.match(p.name)}
    overrides = {name: value}
    return plan_request(
        ctx.spec, op, ctx.ids, overrides=overrides, include_optional=False, omit=cursors
    )


@dataclass(frozen=True, slots=True)
class _Verdict:
    confidence: Confidence
    note: str
    evidence: list[Exchange]


def _no_page_size(first: Exchange, seen: Listing, shared: bool | None) -> _Verdict | None:
    # Nothing to ask for a smaller page: only a big answer, or DynamoDB's own counts, tell.
    if seen.raw_scan and seen.count >= _RAW_ENOUGH:
        note = f"boto3's Scan response as is (Items, Count, ScannedCount) with {seen.count} items "
        note += (
            "and no LastEvaluatedKey: the whole table in one answer, with no page size or cursor"
        )
        return _Verdict(Confidence.FIRM, note, [first])
    if seen.count >= _MANY:
        note = f"{seen.count} items in one answer, with no page size or cursor in the API or the "
        note += "response"
        sure = shared is True and seen.count >= 2 * _MANY
        return _Verdict(Confidence.FIRM if sure else Confidence.TENTATIVE, note, [first])
    return None


async def _probe(ctx: CheckContext, op: Operation) -> _Verdict | None:
    base = _baseline(ctx, op, "a")
    if base is None or base[1].count < 2:
        return None  # one item or none: nothing to learn about page sizes
    first, seen = base
    other = _baseline(ctx, op, "b")
    shared = _shared(seen, other[1] if other else None)
    if shared is None and _all_owned(first, principals(ctx.exchanges).a):
        shared = False  # every item names user A as its owner: A's partition, not the table
    if shared is False and seen.count < _MANY:
        return None  # each user's own items (a Query on their partition), and few of them
    assert ctx.spec is not None
    param = _page_param(ctx.spec, op)
    if param is None:
        if shared is False:
            return None  # many, but each user's own (an export of one's data): not a table
        cursor_param = any(_CURSOR_PARAM.match(p.name) for p in op.params_in("query"))
        return None if seen.cursor or cursor_param else _no_page_size(first, seen, shared)
    schema = ctx.spec.resolve(param.schema)
    low = schema.get("minimum")
    small = max(1, int(low)) if isinstance(low, int | float) else 1
    x = await ctx.send(_plan(ctx, op, param.name, small))
    got = listing(x)
    # One more than asked is a common "is there a next page" read; many more is the whole set.
    if got is not None and got.count > small + 1 and not got.cursor:
        strong = shared is True or seen.raw_scan or got.count >= _MANY
        note = f"{param.name}={small} answered {got.count} items and no cursor: the page size "
        note += "is ignored and every request returns the whole collection"
        return _Verdict(Confidence.FIRM if strong else Confidence.TENTATIVE, note, [x])
    huge = await ctx.send(_plan(ctx, op, param.name, HUGE))
    got = listing(huge)
    cap = schema.get("maximum")
    cap = int(cap) if isinstance(cap, int | float) and not isinstance(cap, bool) else None
    ceiling = cap if cap is not None else max(_CLAMP, 0 if seen.cursor else seen.count)
    if got is not None and got.count > ceiling:
        note = f"{param.name}={HUGE} was accepted and answered {got.count} items"
        note += f" (the documented maximum is {cap})" if cap is not None else ""
        note += ": the client chooses how much of the table one request reads"
        return _Verdict(Confidence.FIRM, note, [huge])
    return None


def _candidates(ctx: CheckContext) -> list[Operation]:
    ops = [op for op in ctx.operations if op.method == "GET" and _baseline(ctx, op, "a")]
    return ops[:_MAX_OPERATIONS]


@check(
    "dynamodb.unbounded-scan",
    category=Category.RESOURCE_CONSUMPTION,
    severity=Severity.MEDIUM,
    confidence=Confidence.FIRM,
    cwe=770,
    remediation=(
        "Read one page per request: pass `Limit=` (default 20-50, capped server-side, e.g. "
        "`min(int(request.args.get('limit', 20)), 100)`, and answer 400 outside 1..100) to "
        "`scan()`/`query()`, return `LastEvaluatedKey` to the client as an opaque `next` cursor "
        "and pass it back as `ExclusiveStartKey`. Prefer `Query` with a key condition (or a GSI) "
        "over `Scan`, and never loop over `LastEvaluatedKey` or a paginator to collect a whole "
        "table into one response."
    ),
)
async def unbounded_scan(ctx: CheckContext) -> list[Finding]:
    """List operation returns a whole DynamoDB table (unbounded Scan)

    A listing that ignores its page size, accepts any page size, or has no pagination reads the
    whole table on every call (CWE-770, CWE-400): read capacity, latency, memory and response
    size all grow with the table, so a few requests can exhaust capacity or the service.
    """
    findings: list[Finding] = []
    for op in _candidates(ctx):
        verdict = await _probe(ctx, op)
        if verdict is not None:
            findings.append(
                ctx.finding(
                    evidence=verdict.evidence,
                    operation=op,
                    confidence=verdict.confidence,
                    note=verdict.note,
                )
            )
    return findings
