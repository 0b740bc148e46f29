"""authz.bola: one user reaching another user's objects by their ids (IDOR).

With two identities, user A's objects are requested as user B; without one, ids next to A's own
are tried as A. An object counts as A's only when the API says so itself (an owner field holds
A's id, or A's listing of the collection holds it while B's does not), and it is not public:
anonymous requests do not get it, and B's own listing neither shows it nor other users' objects.
Writes (as B, on A's objects) are only sent where safe mode allows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from middlebrick.checks.authz import (
    Principals,
    echo_key,
    ids_under,
    object_param,
    owned_by,
    principals,
    records,
    similar,
)
from middlebrick.checks.authz_bola_writes import cross_user_writes
from middlebrick.checks.authz_objects import (
    Listings,
    View,
    a_listed,
    collection_ops,
    explored,
    path_param,
    view,
)
from middlebrick.checks.base import CheckContext, check
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.names import normalize

if TYPE_CHECKING:
    from middlebrick.spec.model import Operation

_MAX_OPS = 8
_MAX_TARGETS = 2
_MAX_GUESSES = 6


@dataclass(frozen=True, kw_only=True, slots=True)
class _Target:
    op: Operation
    param: str
    values: dict[str, str]

    @property
    def value(self) -> str:
        return self.values[self.param]


def _targets(ctx: CheckContext, op: Operation, param: str) -> list[_Target]:
    """A's objects of this operation that B never saw: explored ones first, then learned ids."""
    seen_b = set(ctx.ids.candidates(op, path_param(op, param), identity="b"))
    found: list[dict[str, str]] = [v for _, v in explored(ctx, op)]
    template = found[0] if found else dict(ctx.plan(op).path_values)
    for value in ctx.ids.candidates(op, path_param(op, param), identity="a"):
        found.append({**template, param: value})
    out: list[_Target] = []
    for values in found:
        if values[param] in seen_b or any(t.values == values for t in out):
            continue
        out.append(_Target(op=op, param=param, values=values))
    return out[:_MAX_TARGETS]


@check(
    "authz.bola",
    category=Category.BOLA,
    severity=Severity.HIGH,
    cwe=639,
    remediation=(
        "Scope every object lookup to the caller: after loading the item, compare its owner with "
        "the identity from the verified token (`if item['owner_id'] != g.user['user_id']: "
        "abort(404)`), or make the owner part of the key itself (a DynamoDB table keyed by "
        "`owner_id` + `order_id`, read with `get_item(Key={'owner_id': me, 'order_id': oid})`), "
        "and answer 404 rather than 403 so ids cannot be probed. Apply it to reads, updates and "
        "deletes alike, in one decorator or helper every route uses."
    ),
)
async def bola(ctx: CheckContext) -> list[Finding]:
    """Broken object-level authorization (IDOR)

    Another user can read or change an object by its id: the API looks the object up by the
    id in the path and never checks that it belongs to the caller.
    """
    if ctx.spec is None or not ctx.config.authenticated:
        return []
    who = principals(ctx.exchanges)
    listings = Listings(ctx, who)
    findings: list[Finding] = []
    proven: list[tuple[str, dict[str, str]]] = []  # A's objects B could read
    reads = [op for op in ctx.operations if op.method == "GET" and object_param(op)]
    for op in reads[:_MAX_OPS]:
        if ctx.config.has_user_b:
            found = await _cross_user_read(ctx, who, listings, op, proven)
        else:
            found = await _guessed_read(ctx, who, op)
        if found is not None:
            findings.append(found)
    if ctx.config.has_user_b:
        findings += await cross_user_writes(ctx, listings, proven)
    return findings


async def _cross_user_read(
    ctx: CheckContext,
    who: Principals,
    listings: Listings,
    op: Operation,
    proven: list[tuple[str, dict[str, str]]],
) -> Finding | None:
    param = object_param(op)
    assert param is not None
    for target in _targets(ctx, op, param):
        proof = await owned_read(ctx, who, listings, target.op, target.values)
        if proof is None:
            continue
        own, theirs, why, certain = proof
        proven.append((normalize(op.path), target.values))
        return ctx.finding(
            exchange=theirs.exchange,
            evidence=[own.exchange],
            operation=op,
            discriminator="read",
            confidence=Confidence.CERTAIN if certain else Confidence.FIRM,
            description=(
                f"User B (--user-b-header) read user A's object at {theirs.exchange.path}: the "
                f"answer has the shape of A's own view and repeats the id, and the object is A's "
                f"({why}). Anonymous requests do not get it, so it is not public. Any signed-in "
                "user who learns or guesses an id can read other users' data."
            ),
            note=f"as user B: {theirs.exchange.status} with user A's object ({why})",
        )
    return None


async def owned_read(
    ctx: CheckContext,
    who: Principals,
    listings: Listings,
    op: Operation,
    values: dict[str, str],
) -> tuple[View, View, str, bool] | None:
    """(A's view, B's view, why it is A's, whether an owner field says so) when B reads A's
    non-public object, else None."""
    param = object_param(op)
    assert param is not None
    value = values[param]
    own = await view(ctx, op, values, "a")
    if own.record is None:
        return None
    theirs = await view(ctx, op, values, "b")
    if theirs.record is None or not similar(own.record, theirs.record):
        return None
    anonymous = await view(ctx, op, values, None)
    if anonymous.record is not None and similar(own.record, anonymous.record):
        return None  # public by design
    key = echo_key(own.record, value, param)
    lst = collection_ops(ctx, op, param).listing
    if lst is not None:
        listed = await listings.of_b(lst, values)
        if listed is not None and (value in ids_under(listed[0], key) or listed[1]):
            return None  # B's own listing shows it, or shows other users' objects: shared
    owners = owned_by(own.record, who.a, skip=key)
    if owners:
        return own, theirs, f"its owner field {owners[0]} holds user A's id", True
    if a_listed(ctx, lst, value, key):
        assert lst is not None
        return own, theirs, f"A's listing {lst.path} holds it and B's does not", False
    return None


async def _guessed_read(ctx: CheckContext, who: Principals, op: Operation) -> Finding | None:
    """One identity: ids next to A's own, read as A, that turn out to be other users' objects."""
    param = object_param(op)
    if param is None or not who.a:
        return None
    lst = collection_ops(ctx, op, param).listing
    mine = [(x, v) for x, v in explored(ctx, op)][:1]
    if lst is None or not mine:
        return None
    _, values = mine[0]
    own = await view(ctx, op, values, "a")
    if own.record is None:
        return None
    skip = echo_key(own.record, values[param], param)
    keys = owned_by(own.record, who.a, skip=skip)
    if not keys or not _scoped_listing(ctx, lst, keys[0], who):
        return None  # only a listing that holds nothing but A's objects says "these are private"
    for guess in _guesses(ctx, op, param, values[param]):
        probe = {**values, param: guess}
        other = await view(ctx, op, probe, "a")
        record = other.record
        if record is None or not similar(own.record, record):
            continue
        owner = str(record.get(keys[0], ""))
        if not owner or owner in who.a:
            continue
        anonymous = await view(ctx, op, probe, None)
        if anonymous.record is not None:
            return None  # readable without credentials: public
        return ctx.finding(
            exchange=other.exchange,
            evidence=[own.exchange],
            operation=op,
            discriminator="guessed-read",
            description=(
                f"User A read {other.exchange.path}, an id next to one of A's own objects, and "
                f"got another user's object (its {keys[0]} is not A's, while A's listing "
                f"{lst.path} holds only A's objects). Predictable ids plus a missing ownership "
                "check let any signed-in user walk through everyone's data."
            ),
            note=f"as user A: {other.exchange.status} with an object whose {keys[0]} is not A's",
        )
    return None


def _scoped_listing(ctx: CheckContext, lst: Operation, key: str, who: Principals) -> bool:
    owners = [
        str(item[key]) for x, _ in explored(ctx, lst) for item in records(x.json()) if key in item
    ]
    return bool(owners) and all(o in who.a for o in owners)


def _guesses(ctx: CheckContext, op: Operation, param: str, value: str) -> list[str]:
    out: list[str] = []
    if value.isdigit():
        number = int(value)
        steps = (-1, 1, -2, 2, -3, 3)  # sequential ids: the neighbours are other users' objects
        out += [str(number + d) for d in steps if number + d >= 0]
    out += ctx.ids.candidates(op, path_param(op, param))
    return [g for g in dict.fromkeys(out) if g != value][:_MAX_GUESSES]
