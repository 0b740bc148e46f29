"""Malformed input that makes a Flask + DynamoDB handler raise instead of answering 400.

What fails in practice: `int()`/`float()` on query and path values, `json.loads` or
`request.json[...]` on a malformed or wrongly shaped body, required keys missing, botocore's own
parameter validation (`Limit` below 1), DynamoDB's limits (a key over 2048 bytes, an empty key
string) and boto3's serializer (Python floats, numbers beyond 38 digits). Each operation gets a
few such requests, most likely first; the whole set is bounded and sent once per scan, however
many checks ask for it, so every check that looks at errors sees the same answers.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from middlebrick.checks.base import CheckContext
from middlebrick.http.exchange import Exchange

if TYPE_CHECKING:
    from middlebrick.http.client import ScanClient
    from middlebrick.spec.generate import RequestPlan
    from middlebrick.spec.model import Operation

# Fails int(), float(), json.loads() and most key validators; quotes break string-built queries.
ODD = "mb'\"{["
PROBE_LIMIT = 40  # requests for the whole scan
PER_OPERATION = 8
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_NUMERIC = frozenset({"integer", "number"})
_HUGE_INT = int("9" * 40)  # beyond DynamoDB's 38 significant digits
_LONG_KEY = "k" * 2100  # beyond DynamoDB's 2048-byte partition key
_JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True, slots=True)
class Probe:
    """One malformed request; `why` says, for a report, what was wrong with it."""

    method: str
    url: str
    why: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    plan: RequestPlan | None = None  # sent with ctx.send, keeping the plan's valid parts


def _raw(content: bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"json": None, "data": None, "content": content, "headers": headers or _JSON}


def _reshaped(value: Any, *, numbers: Any, strings: Any, other: Any) -> Any:
    """The body with every property of each kind replaced (one level deep, like most handlers)."""
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, bool) or isinstance(item, dict | list):
            out[key] = other
        elif isinstance(item, int | float):
            out[key] = numbers
        elif isinstance(item, str):
            out[key] = strings
        else:
            out[key] = other
    return out


def _body_probes(ctx: CheckContext, op: Operation) -> Iterator[Probe]:
    plan = ctx.plan(op)
    valid = plan.json if isinstance(plan.json, dict) else {}
    yield Probe(op.method, plan.path, "malformed JSON body", _raw(b'{"mb": '), plan)
    wrong = _reshaped(valid, numbers=ODD, strings={"mb": [1]}, other=ODD)
    if wrong:
        why = "objects for strings, text for numbers"
        yield Probe(op.method, plan.path, why, {"json": wrong}, plan)
    yield Probe(op.method, plan.path, "required fields missing", _raw(b"{}"), plan)
    nulls = _reshaped(valid, numbers=None, strings=None, other=None)
    if nulls:
        yield Probe(op.method, plan.path, "null for every field", {"json": nulls}, plan)
    dynamo = _reshaped(valid, numbers=0.5, strings="", other=None)
    if dynamo:  # floats trip boto3's serializer, empty key strings DynamoDB's validation
        yield Probe(op.method, plan.path, "floats and empty strings", {"json": dynamo}, plan)
    yield Probe(op.method, plan.path, "an array for an object", _raw(b"[]"), plan)
    huge = _reshaped(valid, numbers=_HUGE_INT, strings=ODD, other=[])
    if huge:
        yield Probe(op.method, plan.path, "a 40-digit number", {"json": huge}, plan)
    if valid:
        body = urlencode({k: str(v) for k, v in valid.items()}).encode()
        kwargs = _raw(body, {"Content-Type": "text/plain"})
        yield Probe(op.method, plan.path, "a body that is not JSON", kwargs, plan)
    yield Probe(op.method, plan.path, "null body", _raw(b"null"), plan)


def _param_probes(ctx: CheckContext, op: Operation) -> Iterator[Probe]:
    query = op.params_in("query")
    path = op.params_in("path")
    if query:
        plan = ctx.plan(op, **{p.name: ODD for p in query})
        yield Probe(op.method, plan.path, "every query value of the wrong type", plan=plan)
    if path:
        plan = ctx.plan(op, **{p.name: ODD for p in path})
        yield Probe(op.method, plan.path, "a path value of the wrong type", plan=plan)
    for p in query:  # one at a time: a validated parameter must not hide a crashing one
        if ctx.spec is not None and ctx.spec.resolve(p.schema).get("type") in _NUMERIC:
            plan = ctx.plan(op, **{p.name: -1})
            yield Probe(op.method, plan.path, f"{p.name}=-1 (botocore's Limit >= 1)", plan=plan)
            plan = ctx.plan(op, **{p.name: _HUGE_INT})
            yield Probe(op.method, plan.path, f"{p.name} of 40 digits", plan=plan)
            if len(query) > 1:
                plan = ctx.plan(op, **{p.name: ODD})
                yield Probe(op.method, plan.path, f"{p.name} of the wrong type", plan=plan)
    if path:
        plan = ctx.plan(op, **{p.name: _LONG_KEY for p in path})
        yield Probe(op.method, plan.path, "a key over 2048 bytes", plan=plan)


def spec_probes(ctx: CheckContext) -> list[list[Probe]]:
    """Per operation, its malformed requests, most likely to raise first."""
    out: list[list[Probe]] = []
    for op in ctx.operations:
        probes: list[Probe] = []
        body = op.request_body is not None and "json" in op.request_body.content_type
        if op.method in _BODY_METHODS and body:
            probes += list(_body_probes(ctx, op))
        if op.method == "GET":
            probes += list(_param_probes(ctx, op))
        if probes:
            out.append(probes[:PER_OPERATION])
    return out


def explored_probes(ctx: CheckContext) -> list[list[Probe]]:
    """Without a spec: wrong values in the paths and query strings exploration saw."""
    out: list[list[Probe]] = []
    seen: set[str] = set()
    for x in ctx.exchanges:
        parts = urlsplit(x.url)
        if x.method != "GET" or not 200 <= x.status < 400 or parts.path in seen:
            continue
        seen.add(parts.path)
        root = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        probes: list[Probe] = []
        if parts.query:  # the same keys, with values of the wrong type, then negative
            keys = [pair.partition("=")[0] for pair in parts.query.split("&")]
            for value, why in ((ODD, "query values of the wrong type"), ("-1", "negative values")):
                probes.append(Probe("GET", f"{root}?{urlencode(dict.fromkeys(keys, value))}", why))
        if parts.path != "/":
            probes.append(Probe("GET", f"{root}/{quote(ODD, safe='')}", "an odd path segment"))
        out.append(probes)
    return out


async def _send_all(ctx: CheckContext, limit: int) -> list[tuple[Exchange, str]]:
    groups = spec_probes(ctx) if ctx.operations else explored_probes(ctx)
    # Round-robin over operations so the limit spreads across the API, not one endpoint.
    ordered = [g[i] for i in range(max(map(len, groups), default=0)) for g in groups if i < len(g)]
    sent: list[tuple[Exchange, str]] = []
    for probe in ordered:
        if len(sent) >= limit:
            break
        url = probe.url if "://" in probe.url else ctx.target + probe.url
        values = probe.plan.path_values.values() if probe.plan else ()
        if not ctx.client.allowed(probe.method, url, values):
            continue  # safe mode: never change an object the scanner did not create
        if probe.plan is not None:
            x = await ctx.send(probe.plan, **probe.kwargs)
        else:
            x = await ctx.request(probe.method, probe.url, **probe.kwargs)
        sent.append((x, probe.why))
    return sent


_Answers = list[tuple[Exchange, str]]
# Per scan client: the batch being sent, then (so nothing keeps the client alive) its answers.
_SENT: weakref.WeakKeyDictionary[ScanClient, dict[int, asyncio.Task[_Answers] | _Answers]]
_SENT = weakref.WeakKeyDictionary()


async def provoked(ctx: CheckContext, limit: int = PROBE_LIMIT) -> list[tuple[Exchange, str]]:
    """The malformed requests of this scan and their answers, each with what was wrong with it.

    Sent once per scan client: checks that ask concurrently share the one batch.
    """
    batches = _SENT.setdefault(ctx.client, {})
    entry = batches.get(limit)
    if isinstance(entry, list):
        return entry
    if entry is None:
        entry = batches[limit] = asyncio.ensure_future(_send_all(ctx, limit))
    # One check being cancelled must not cancel the batch the others wait for.
    answers = await asyncio.shield(entry)
    batches[limit] = answers
    return answers


async def provoke_errors(ctx: CheckContext, limit: int = PROBE_LIMIT) -> list[Exchange]:
    """Requests likely to hit an unhandled exception (bad JSON, wrong-typed values), answered."""
    return [x for x, _ in await provoked(ctx, limit)]
