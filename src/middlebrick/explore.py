"""Exploration: drive every operation once, in an order that lets later requests use real ids.

Collections are read first, then the objects they listed, then objects are created, changed and
deleted (only the scanner's own, in safe mode). Everything seen here is what passive checks see.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from middlebrick.errors import RequestNotSent
from middlebrick.http.client import ScanClient
from middlebrick.http.exchange import Exchange
from middlebrick.spec.generate import plan_request
from middlebrick.spec.ids import IdStore
from middlebrick.spec.model import ApiSpec, Operation
from middlebrick.spec.names import is_cursor

_RETRY_WITH_ALL = frozenset({400, 422})
_METHOD_ORDER = {"GET": 0, "HEAD": 1, "OPTIONS": 2, "POST": 3, "PUT": 4, "PATCH": 5, "DELETE": 9}


def _has_path_params(op: Operation) -> bool:
    return "{" in op.path


def _has_optional(op: Operation) -> bool:
    return any(not p.required for p in op.parameters) or op.request_body is not None


def phases(operations: Iterable[Operation]) -> list[list[Operation]]:
    """Collections, existing objects (read), creations, writes, deletes, then creations again.

    Reads of single objects come before creations so they use ids of objects that existed; the
    final re-creation leaves the checks objects of the scanner's own after deletes ran.
    """
    ops = list(operations)
    reads = [o for o in ops if not _has_path_params(o) and o.method in {"GET", "HEAD", "OPTIONS"}]
    creates = [o for o in ops if not _has_path_params(o) and o not in reads]
    items = [o for o in ops if _has_path_params(o)]
    items_reads = [o for o in items if o.method in {"GET", "HEAD", "OPTIONS"}]
    items_writes = sorted(
        (o for o in items if o not in items_reads), key=lambda o: _METHOD_ORDER.get(o.method, 8)
    )
    deletes = [o for o in items_writes if o.method == "DELETE"]
    writes = [o for o in items_writes if o.method != "DELETE"]
    again = creates if deletes else []
    return [p for p in (reads, items_reads, creates, writes, deletes, again) if p]


async def explore(
    client: ScanClient,
    spec: ApiSpec,
    ids: IdStore,
    *,
    identities: Iterable[str] = ("a",),
    on_request: Callable[[], None] | None = None,
) -> list[Exchange]:
    """Request every operation once (per identity for collection reads) and learn ids."""
    seen: list[Exchange] = []

    async def send(op: Operation, identity: str, include_optional: bool) -> Exchange:
        # Opaque cursors cannot be made up: a guessed `next` token only earns a 400.
        omit = {p.name for p in op.parameters if is_cursor(p.name)}
        plan = plan_request(
            spec, op, ids, include_optional=include_optional, identity=identity, omit=omit
        )
        exchange = await client.request(
            plan.method,
            plan.path,
            params=plan.query or None,
            headers=plan.headers or None,
            cookies=plan.cookies or None,
            json=plan.json,
            data=plan.form,
            identity=identity,
            operation=op,
            path_values=tuple(plan.path_values.values()),
        )
        seen.append(exchange)
        if op.method == "DELETE" and 200 <= exchange.status < 300:
            ids.forget(list(plan.path_values.values()))
        return exchange

    async def drive(op: Operation, identity: str) -> None:
        try:
            exchange = await send(op, identity, include_optional=False)
            if exchange.status in _RETRY_WITH_ALL and _has_optional(op):
                # The lean request was refused as invalid: try once with every field filled.
                exchange = await send(op, identity, include_optional=True)
        except RequestNotSent:
            return
        finally:
            if on_request:
                on_request()
        if 200 <= exchange.status < 300:
            created = op.method == "POST"
            body = exchange.json()
            learned = ids.learn(op, exchange.path, body, created=created, identity=identity)
            if created:
                client.mark_created(ids.created_ids().intersection(learned), under=exchange.path)

    ids_list = list(identities)
    for n, phase in enumerate(phases(spec.operations)):
        # Other users' collections are read too, so cross-user checks know B's objects.
        who = ids_list if n == 0 else ids_list[:1]
        await asyncio.gather(*(drive(op, identity) for op in phase for identity in who))
    return seen


def exploration_size(spec: ApiSpec, identities: int) -> int:
    """How many requests exploration plans (for progress bars)."""
    first = phases(spec.operations)
    if not first:
        return 0
    return len(first[0]) * identities + sum(len(p) for p in first[1:])
