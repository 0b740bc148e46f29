"""authz.bola, the write half: user B changing or deleting user A's objects.

Only objects safe mode lets the scanner change are tried: a fresh object user A creates for
the purpose or, with --allow-destructive, A's objects the read test proved B can reach. A
change is only reported when A's own re-read shows it (B's marker value, or the object gone).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from middlebrick.checks.authz import is_owner_key, object_param
from middlebrick.checks.authz_objects import (
    Collection,
    Listings,
    collection_ops,
    create_own,
    view,
)
from middlebrick.models import Confidence, Finding
from middlebrick.spec.names import is_param, normalize

if TYPE_CHECKING:
    from middlebrick.checks.base import CheckContext
    from middlebrick.spec.model import Operation

_MAX_WRITES = 6
_PLAIN_TEXT = re.compile(r"^[\w .,'-]{1,200}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_PREFERRED = ("name", "title", "description", "note", "notes", "label", "comment", "text")


async def cross_user_writes(
    ctx: CheckContext, listings: Listings, proven: list[tuple[str, dict[str, str]]]
) -> list[Finding]:
    """B's PUT/PATCH/DELETE on A's objects, where safe mode allows them."""
    writes = [
        op
        for op in ctx.operations
        if op.method in {"PUT", "PATCH", "DELETE"} and _ends_with_param(op)
    ]
    writes.sort(key=lambda op: op.method == "DELETE")  # a deleted object cannot be changed
    findings: list[Finding] = []
    for op in writes[:_MAX_WRITES]:
        param = object_param(op)
        assert param is not None
        coll = collection_ops(ctx, op, param)
        if coll.read is None:
            continue  # nothing to prove a change with
        values = await _object_for(ctx, op, param, coll, listings, proven)
        if values is None:
            continue
        found = await _write_as_b(ctx, op, coll.read, values)
        if found is not None:
            findings.append(found)
    return findings


async def _object_for(
    ctx: CheckContext,
    op: Operation,
    param: str,
    coll: Collection,
    listings: Listings,
    proven: list[tuple[str, dict[str, str]]],
) -> dict[str, str] | None:
    """Path values (by `op`'s names) of an object of A's that safe mode lets B's request reach."""
    assert coll.read is not None
    parents = dict(ctx.plan(op).path_values)
    parents.pop(param, None)
    if coll.listing is not None:
        listed = await listings.of_b(coll.listing, parents)
        if listed is not None and listed[1]:
            return None  # B's listing shows other users' objects: shared by design
    if coll.create is not None:
        made = await create_own(ctx, coll.create, parents, param)
        if made is not None:
            return made
    if ctx.client.options.allow_destructive:
        for shape, values in proven:
            if shape == normalize(op.path) and len(values) == len(_names(op)):
                return dict(zip(_names(op), values.values(), strict=True))
    return None


async def _write_as_b(
    ctx: CheckContext, op: Operation, read: Operation, values: dict[str, str]
) -> Finding | None:
    read_values = dict(zip(_names(read), values.values(), strict=False))
    before = await view(ctx, read, read_values, "a")
    if before.record is None:
        return None
    plan = ctx.plan(op, **values)
    if not ctx.client.allowed(op.method, plan.path, plan.path_values.values()):
        return None
    marker, key, overrides = "", None, {}
    if op.method != "DELETE":
        key = _marker_key(plan.json if plan.json is not None else plan.form, before.record)
        if key is None:
            return None  # no field whose change A could see
        marker = f"mb-bola-{secrets.token_hex(4)}"
        if isinstance(plan.json, Mapping):
            overrides["json"] = {**plan.json, key: marker}
        else:
            overrides["data"] = {**(plan.form or {}), key: marker}
    write = await ctx.send(plan, identity="b", **overrides)
    if not 200 <= write.status < 300:
        return None
    after = await view(ctx, read, read_values, "a")
    if op.method == "DELETE":
        if after.exchange.status not in {404, 410}:
            return None
        what = f"deleted it: A's re-read now answers {after.exchange.status}"
    else:
        if after.record is None or key is None or after.record.get(key) != marker:
            return None
        what = f"changed it: A's re-read shows {key} = {marker!r}, the value B sent"
    return ctx.finding(
        exchange=write,
        evidence=[before.exchange, after.exchange],
        operation=op,
        discriminator=op.method.lower(),
        confidence=Confidence.CERTAIN,
        title=f"User B can {'delete' if op.method == 'DELETE' else 'change'} user A's objects",
        description=(
            f"User B (--user-b-header) sent {op.method} {write.path} for an object of user A's "
            f"and {what}. Nothing checks that the caller owns the object being written, so any "
            "signed-in user can alter or destroy other users' data."
        ),
        note=f"as user B: {op.method} answered {write.status}; {what}",
    )


def _marker_key(body: Any, record: Mapping[str, Any]) -> str | None:
    """A plain text field of the write body that A's view of the object shows too."""
    if not isinstance(body, Mapping):
        return None
    keys = [
        str(k)
        for k, v in body.items()
        if str(k) in record
        and isinstance(v, str)
        and _PLAIN_TEXT.match(v)
        and not _DATE.match(v)
        and not is_owner_key(str(k))
        and not str(k).lower().endswith("id")
    ]
    keys.sort(key=lambda k: (k.lower() not in _PREFERRED, k))
    return keys[0] if keys else None


def _ends_with_param(op: Operation) -> bool:
    return is_param(op.path.rstrip("/").rsplit("/", 1)[-1])


def _names(op: Operation) -> list[str]:
    return [part[1:-1] for part in op.path.split("/") if is_param(part)]
