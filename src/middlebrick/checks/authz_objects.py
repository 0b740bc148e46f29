"""Objects as the authorization checks reach them: one identity's view of an object, the
operations around it (its collection's listing and creation), and fresh objects of the
scanner's own to change safely."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from middlebrick.checks.authz import (
    Principals,
    ids_under,
    object_param,
    owner_values,
    primary_keys,
    record_with,
    records,
    self_record,
)
from middlebrick.spec.ids import IdStore
from middlebrick.spec.model import Parameter
from middlebrick.spec.names import is_param, normalize, to_snake

if TYPE_CHECKING:
    from middlebrick.checks.base import CheckContext
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation


@dataclass(frozen=True, kw_only=True, slots=True)
class View:
    """One identity's request for one object, and the object as it came back (None: refused)."""

    exchange: Exchange
    record: Mapping[str, Any] | None


async def view(
    ctx: CheckContext,
    op: Operation,
    values: Mapping[str, str],
    identity: str | None,
    *,
    headers: Mapping[str, str] | None = None,
) -> View:
    """Request the object `values` (path parameters) name, as `identity` (plus `headers`)."""
    plan = ctx.plan(op, **values)
    # Optional header parameters get made-up values; one may well be an identity header.
    required = {p.name.lower() for p in op.params_in("header") if p.required}
    plan = replace(plan, headers={k: v for k, v in plan.headers.items() if k.lower() in required})
    exchange = await ctx.send(plan, identity=identity, headers=headers)
    param = object_param(op) or ""
    wanted = values.get(param, "")
    ok = 200 <= exchange.status < 300 and bool(wanted)
    record = record_with(exchange.json(), wanted, param) if ok else None
    return View(exchange=exchange, record=record)


def path_values(ctx: CheckContext, op: Operation, url_path: str) -> dict[str, str] | None:
    """The path parameters of a concrete path of `op` (`/orders/o-1` -> {"order_id": "o-1"})."""
    base = ctx.spec.base_path if ctx.spec else ""
    if base and url_path.startswith(base + "/"):
        url_path = url_path[len(base) :]
    names, parts = op.path.strip("/").split("/"), url_path.strip("/").split("/")
    if len(names) != len(parts):
        return None
    out: dict[str, str] = {}
    for name, part in zip(names, parts, strict=True):
        if is_param(name):
            out[name[1:-1]] = unquote(part)
        elif name != part:
            return None
    return out


def explored(
    ctx: CheckContext, op: Operation, identity: str = "a"
) -> Iterator[tuple[Exchange, dict[str, str]]]:
    """Exploration's successful requests of `op` as `identity`, with their path values."""
    for x in ctx.exchanges:
        same = x.operation is not None and x.operation.key == op.key
        if same and x.identity == identity and 200 <= x.status < 300:
            values = path_values(ctx, op, x.path)
            if values is not None:
                yield x, values


def path_param(op: Operation, name: str) -> Parameter:
    """The declared path parameter `name` of `op` (a bare one when the spec omits it)."""
    for param in op.params_in("path"):
        if param.name == name:
            return param
    return Parameter(name=name, location="path", required=True)


@dataclass(frozen=True, kw_only=True, slots=True)
class Collection:
    """The operations on the collection an object belongs to."""

    listing: Operation | None = None  # GET /orders
    create: Operation | None = None  # POST /orders
    read: Operation | None = None  # GET /orders/{order_id}


def collection_ops(ctx: CheckContext, op: Operation, param: str) -> Collection:
    """The listing, creation and read of the collection `{param}` indexes in `op`'s path."""
    marker = "{" + param + "}"
    parts = op.path.split("/")
    if marker not in parts:
        return Collection()
    prefix = normalize("/".join(parts[: parts.index(marker)]) or "/")
    item = normalize(prefix.rstrip("/") + "/{}")
    found: dict[str, Operation] = {}
    for other in ctx.operations:
        shape = normalize(other.path)
        if shape == prefix and other.method in {"GET", "POST"}:
            found.setdefault(other.method, other)
        elif shape == item and other.method == "GET":
            found.setdefault("READ", other)
    return Collection(listing=found.get("GET"), create=found.get("POST"), read=found.get("READ"))


def item_read(ctx: CheckContext, create: Operation) -> Operation | None:
    """The GET of one object of the collection `create` adds to (`/orders/{id}` for POST
    /orders)."""
    shape = normalize(create.path.rstrip("/") + "/{}")
    return next(
        (o for o in ctx.operations if o.method == "GET" and normalize(o.path) == shape), None
    )


async def create_own(
    ctx: CheckContext, create: Operation, parents: Mapping[str, str], param: str
) -> dict[str, str] | None:
    """Create a fresh object as A (safe mode lets the scanner change it) and return its path
    values, or None when the API refused."""
    own_parents = {k: v for k, v in parents.items() if "{" + k + "}" in create.path}
    plan = ctx.plan(create, **own_parents)
    if not ctx.client.allowed(plan.method, plan.path, plan.path_values.values()):
        return None
    x = await ctx.send(plan, identity="a")
    value = created_id(ctx, create, x, param)
    return None if value is None else {**own_parents, param: value}


def created_id(ctx: CheckContext, create: Operation, x: Exchange, param: str) -> str | None:
    """The id of the object a creation made (as `{param}` would name it), marked as the
    scanner's own; None when the creation failed."""
    if not 200 <= x.status < 300:
        return None
    # A private store: the shared one would offer this object to checks that might delete it.
    made = IdStore(ctx.spec).learn(create, x.path, x.json(), created=True)
    named = ids_under(self_record(x.json()), param)  # `docId` for `{docId}`, whatever the noun
    value = next(iter(named), None) if len(named) == 1 else (made[0] if made else None)
    if value is not None:
        ctx.client.mark_created([value], under=x.path)
    return value


@dataclass(slots=True)
class Listings:
    """Each collection's listing as B sees it now, fetched once, and what it says."""

    ctx: CheckContext
    who: Principals
    cache: dict[str, tuple[Any, bool] | None] = field(default_factory=dict)

    async def of_b(self, lst: Operation, values: Mapping[str, str]) -> tuple[Any, bool] | None:
        """B's listing (its JSON body), and whether it shows other users' objects (shared)."""
        if lst.key not in self.cache:
            parents = {k: v for k, v in values.items() if "{" + k + "}" in lst.path}
            x = await self.ctx.send(self.ctx.plan(lst, **parents), identity="b")
            body = x.json() if 200 <= x.status < 300 else None
            self.cache[lst.key] = None if body is None else (body, self._shared(lst, body))
        return self.cache[lst.key]

    def _shared(self, lst: Operation, body: Any) -> bool:
        keys = primary_keys(lst)
        for item in records(body):
            if not any(to_snake(str(k)) in keys for k in item):
                continue
            owners = set(owner_values(item, skip=None).values())
            if owners & self.who.a or (owners and self.who.b and not owners & self.who.b):
                return True
        return False


def a_listed(ctx: CheckContext, lst: Operation | None, value: str, key: str | None) -> bool:
    """Did A's own listing of the collection (during exploration) hold this id (under `key`)?"""
    if lst is None:
        return False
    return any(value in ids_under(x.json(), key) for x, _ in explored(ctx, lst))
