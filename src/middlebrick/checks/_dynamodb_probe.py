"""Varying one input of a valid request at a time, within a budget, for the DynamoDB checks.

A `Point` is one place a value enters the service (a path, query or top-level JSON body field of
an operation, or of an explored URL when there is no spec). `Prober.send(point, value)` sends the
operation's valid request with only that value changed, so any change in the reply is the
value's doing. Identical requests are sent once; every check gets its own request cap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from middlebrick.checks._dynamodb import error_text, find, records, shape
from middlebrick.checks.base import CheckContext
from middlebrick.http.exchange import Exchange
from middlebrick.models import Endpoint
from middlebrick.spec.generate import RequestPlan, plan_request
from middlebrick.spec.model import Operation

_CURSOR = re.compile(
    r"^(next|prev|previous|cursor|after|before|continuation|page_?token|next_?token|"
    r"(exclusive_?)?start_?key|last_?evaluated_?key|marker|offset_?token)$",
    re.IGNORECASE,
)
_NOT_TEXT = frozenset({"integer", "number", "boolean", "array", "object"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True, slots=True)
class Point:
    """One input of one operation: where it goes and the valid value it normally has."""

    name: str
    location: str  # "path", "query" or "body"
    original: str
    op: Operation | None = None
    url: str | None = None  # without a spec: the explored URL the input was seen in
    schema: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        where = self.op.key if self.op is not None else f"GET {urlsplit(self.url or '').path}"
        return f"{where} {self.location}:{self.name}"

    @property
    def method(self) -> str:
        return self.op.method if self.op is not None else "GET"

    @property
    def endpoint(self) -> Endpoint | None:
        """Where a finding about this input belongs when no operation names it."""
        if self.op is not None or self.url is None:
            return None
        return Endpoint(method="GET", path=urlsplit(self.url).path or "/", url=self.url)

    @property
    def enum(self) -> tuple[str, ...]:
        values = self.schema.get("enum")
        return tuple(str(v) for v in values) if isinstance(values, list) else ()


@dataclass(frozen=True, slots=True)
class Reply:
    """What a reply says, reduced to what the checks compare."""

    exchange: Exchange
    status: int
    items: int | None  # records in a JSON listing; None when the body is no JSON
    shape: frozenset[str]
    kinds: frozenset[str]  # kinds of DynamoDB/botocore error text (see _dynamodb.SIGNATURES)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @classmethod
    def of(cls, exchange: Exchange) -> Reply:
        data = exchange.json()
        found = records(data) if data is not None else []
        return cls(
            exchange=exchange,
            status=exchange.status,
            items=len(found) if data is not None else None,
            shape=shape(found),
            kinds=frozenset(s.kind for s in find(error_text(exchange))),
        )


class Prober:
    """Sends one-value variants of valid requests for one check, within `limit` requests."""

    def __init__(
        self, ctx: CheckContext, *, limit: int, per_operation: int, lean_fallback: bool = True
    ) -> None:
        """`lean_fallback`: first send each operation's full request, and vary the lean one
        (required inputs only) when the full one is refused as invalid."""
        self.ctx = ctx
        self.lean_fallback = lean_fallback
        self.limit = limit
        self.per_operation = per_operation
        self.sent = 0
        self._per_op: dict[str, int] = {}
        self._cache: dict[str, Reply] = {}
        self._lean: dict[str, bool] = {}

    def points(
        self,
        *,
        priority: Callable[[Point], int],
        bodies: bool = False,
        per_operation: int = 4,
    ) -> list[Point]:
        """Text inputs of GET operations (and JSON bodies the client may send), best first."""
        found: list[Point] = []
        if self.ctx.spec is None:
            found = _explored_points(self.ctx.exchanges)
        for op in self.ctx.operations:
            if op.method != "GET" and not (bodies and op.method in _BODY_METHODS):
                continue
            plan = self._plan(op, lean=False)
            if op.method != "GET" and not self.ctx.client.allowed(
                op.method, self.ctx.target + plan.path, plan.path_values.values()
            ):
                continue
            mine = sorted(_spec_points(self.ctx, op, plan), key=priority)
            found += [p for p in mine if priority(p) < 100][:per_operation]
        return sorted(found, key=priority)

    async def send(self, point: Point, value: Any, *, again: bool = False) -> Reply | None:
        """The operation's valid request with this one input set to `value` (None: not sent).

        The same request is sent once and its reply reused, unless `again` asks for a new one.
        """
        if point.op is None:
            return await self._send_url(point, value, again)
        return await self.send_op(point.op, {point.name: value}, again=again)

    async def send_op(
        self, op: Operation, overrides: Mapping[str, Any], *, again: bool = False
    ) -> Reply | None:
        """The operation's valid request with some inputs replaced (None: not sent)."""
        if op.key not in self._lean:
            self._lean[op.key] = False
            if self.lean_fallback:
                await self._choose_mode(op)
        plan = self._plan(op, lean=self._lean[op.key], overrides=overrides)
        key = _request_key(plan)
        if key in self._cache and not again:
            return self._cache[key]
        url = self.ctx.target + plan.path
        if not self.ctx.client.allowed(plan.method, url, plan.path_values.values()):
            return None
        if not self._spend(op.key):
            return None
        reply = Reply.of(await self.ctx.send(plan))
        self._cache[key] = reply
        return reply

    def plan(self, op: Operation) -> RequestPlan:
        """The request `send_op` varies (every documented input filled in)."""
        return self._plan(op, lean=self._lean.get(op.key, False))

    async def baseline(self, point: Point) -> Reply | None:
        """The valid request itself (with the input's usual value)."""
        return await self.send(point, point.original)

    # -- internals -------------------------------------------------------------------------------
    def _plan(
        self, op: Operation, *, lean: bool, overrides: Mapping[str, Any] | None = None
    ) -> RequestPlan:
        assert self.ctx.spec is not None
        omit = {p.name for p in op.parameters if _CURSOR.search(p.name)}
        return plan_request(
            self.ctx.spec, op, self.ctx.ids, overrides=overrides,
            include_optional=not lean, identity="a", omit=omit,
        )  # fmt: skip

    async def _choose_mode(self, op: Operation) -> None:
        # Every optional input filled in may itself be refused (a made-up filter): then the
        # lean request, with only what is required, is the valid one to vary.
        full = self._plan(op, lean=False)
        key = _request_key(full)
        url = self.ctx.target + full.path
        if not self.ctx.client.allowed(full.method, url, full.path_values.values()):
            return
        if not self._spend(op.key):
            return
        reply = self._cache[key] = Reply.of(await self.ctx.send(full))
        if reply.status in (400, 422):
            self._lean[op.key] = True

    def _spend(self, op_key: str) -> bool:
        used = self._per_op.get(op_key, 0)
        if self.sent >= self.limit or used >= self.per_operation:
            return False
        self.sent += 1
        self._per_op[op_key] = used + 1
        return True

    async def _send_url(self, point: Point, value: Any, again: bool) -> Reply | None:
        parts = urlsplit(point.url or "")
        text = value if isinstance(value, str) else json.dumps(value)
        if point.location == "query":
            query = [(k, text if k == point.name else v) for k, v in parse_qsl(parts.query, True)]
            url = urlunsplit(parts._replace(query=urlencode(query)))
        else:
            head = parts.path.rstrip("/").rsplit("/", 1)[0]
            url = urlunsplit(parts._replace(path=f"{head}/{quote(text, safe='')}"))
        if url in self._cache and not again:
            return self._cache[url]
        if not self._spend(f"GET {parts.path}"):
            return None
        reply = self._cache[url] = Reply.of(await self.ctx.request("GET", url))
        return reply


def _request_key(plan: RequestPlan) -> str:
    query = sorted((k, json.dumps(v, sort_keys=True)) for k, v in plan.query.items())
    body = json.dumps(plan.json if plan.json is not None else plan.form, sort_keys=True)
    return f"{plan.method} {plan.path} {query} {body}"


def _text_schema(ctx: CheckContext, schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    resolved = ctx.spec.resolve(schema) if ctx.spec is not None else schema
    kind = resolved.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return None if kind in _NOT_TEXT else resolved


def _spec_points(ctx: CheckContext, op: Operation, plan: RequestPlan) -> list[Point]:
    found: list[Point] = []
    for param in op.parameters:
        if param.location not in ("path", "query") or _CURSOR.search(param.name):
            continue
        schema = _text_schema(ctx, param.schema)
        values = plan.path_values if param.location == "path" else plan.query
        value = values.get(param.name)
        if schema is None or not isinstance(value, str):
            continue
        found.append(Point(param.name, param.location, value, op=op, schema=schema))
    if isinstance(plan.json, dict) and op.request_body is not None and ctx.spec is not None:
        properties = ctx.spec.resolve(op.request_body.schema).get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        for name, value in plan.json.items():
            sub = properties.get(name)
            schema = _text_schema(ctx, sub) if isinstance(sub, Mapping) else {}
            if schema is not None and isinstance(value, str):
                found.append(Point(str(name), "body", value, op=op, schema=schema))
    return found


def _explored_points(exchanges: tuple[Exchange, ...] | list[Exchange] | Any) -> list[Point]:
    found: list[Point] = []
    seen: set[str] = set()
    for x in exchanges:
        parts = urlsplit(x.url)
        if x.method != "GET" or not 200 <= x.status < 300 or parts.path in seen:
            continue
        seen.add(parts.path)
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if not _CURSOR.search(name) and not value.lstrip("-").isdigit():
                found.append(Point(name, "query", value, url=x.url))
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 2:
            found.append(Point(f"segment {len(segments)}", "path", segments[-1], url=x.url))
    return found
