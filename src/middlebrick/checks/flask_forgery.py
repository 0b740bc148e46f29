"""Forging a session or token with a cracked key, and showing the service trusts the forgery.

Only safe methods are replayed: each target operation is asked once with the genuine value and
once with the forged one, and the forgery counts as accepted when a refusal (401/403) turns into
a success, or a success now shows the forged identity or role.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from middlebrick.checks.authz import principals
from middlebrick.checks.base import CheckContext
from middlebrick.http.exchange import Exchange

MAX_TARGETS = 6
ID_KEY = re.compile(r"^_?(user_?id|uid|sub|account_?id|userid|user_?uuid|member_?id)$", re.I)
ROLE_KEY = re.compile(r"^(roles?|is_?admin|admin|is_?staff|is_?superuser|group|level)$", re.I)
_SELF_PATH = re.compile(r"/(me|self|whoami|profile|account|current[-_]?user|session|user)\b", re.I)
_DENIED = frozenset({401, 403})
_ANY = re.compile(".*")


@dataclass(frozen=True, slots=True)
class Proof:
    """A genuine and a forged request to one operation, and what changed."""

    baseline: Exchange
    forged: Exchange
    how: str


def _values(body: Any, pattern: re.Pattern[str], depth: int = 0) -> Iterator[tuple[str, Any]]:
    if depth > 4:
        return
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, dict | list):
                yield from _values(value, pattern, depth + 1)
            elif pattern.match(str(key)):
                yield str(key), value
    elif isinstance(body, list):
        for value in body[:50]:
            yield from _values(value, pattern, depth + 1)


def user_id(ctx: CheckContext, identity: str) -> str | int | None:
    """The id of the scan's user A (or B) as its own responses show it (an int if shown so)."""
    who = principals(ctx.exchanges)  # "who am I" answers, whatever the id's name (`owner_id`)
    known = sorted(who.a if identity == "a" else who.b)
    if known:
        return _as_shown(ctx, identity, known[0])
    counts: Counter[str] = Counter()
    for x in ctx.exchanges:
        if x.identity != identity or not 200 <= x.status < 300:
            continue
        weight = 5 if _SELF_PATH.search(x.path) else 1
        for key, value in _values(x.json(), re.compile(r"^(user_?id|userId|uid|sub|id)$")):
            if isinstance(value, str | int) and (key != "id" or weight > 1):
                counts[str(value)] += weight
    return _as_shown(ctx, identity, counts.most_common(1)[0][0]) if counts else None


def _as_shown(ctx: CheckContext, identity: str, value: str) -> str | int:
    for x in ctx.exchanges:
        if x.identity == identity and 200 <= x.status < 300:
            shown = [v for _, v in _values(x.json(), _ANY) if str(v) == value]
            if any(isinstance(v, int) and not isinstance(v, bool) for v in shown):
                return int(value)
    return value


def typings(*ids: str | int | None) -> list[tuple[str | int | None, ...]]:
    """The ids as shown, then, for digit strings, as the integers a session may hold instead
    (a DynamoDB number comes back as a string through Flask's JSON, yet is kept as an int)."""
    variants = [ids]
    if any(isinstance(i, str) and i.isdigit() for i in ids):
        variants.append(tuple(int(i) if isinstance(i, str) and i.isdigit() else i for i in ids))
    return variants


def same_type(template: Any, value: str | int) -> str | int:
    """`value` as the type `template` has (an int for an int id, a string for a string one)."""
    if isinstance(template, int) and not isinstance(template, bool) and str(value).isdigit():
        return int(value)
    return str(value) if isinstance(template, str) else value


def elevated(value: Any) -> Any:
    """The most privileged value of the same type: admin, True, a role list with admin."""
    if isinstance(value, bool):
        return True
    if isinstance(value, list):
        return [*value, "admin"]
    if isinstance(value, int):
        return max(value, 99)
    return "admin"


def forged_session(
    data: dict[str, Any], me: str | int | None, other: str | int | None
) -> dict[str, Any]:
    """The session with its identity switched to `other` (or set to `me`) and its role raised."""
    forged = dict(data)
    ids = [k for k in data if ID_KEY.match(k)]
    for key in ids:  # someone else's session, when there is someone else to be
        if other is not None and str(data[key]) != str(other):
            forged[key] = same_type(data[key], other)
    if not ids and me is not None:  # an anonymous session: sign in as user A, the Flask way
        forged.update({"user_id": me, "_user_id": me, "_fresh": True, "uid": me})
    roles = [k for k in data if ROLE_KEY.match(k)]
    for key in roles:
        forged[key] = elevated(data[key])
    if not roles:
        forged.update({"role": "admin", "is_admin": True})
    return forged


def _targets(ctx: CheckContext) -> list[Any]:
    """GET operations to replay: those about the caller, then those A was refused, then the rest."""
    status = {x.operation.key: x.status for x in ctx.exchanges if x.operation and x.identity == "a"}
    scored: list[tuple[int, str, Any]] = []
    for op in ctx.operations:
        if op.method != "GET" or not (
            200 <= status.get(op.key, 0) < 300 or status.get(op.key) in _DENIED
        ):
            continue
        plan = ctx.plan(op)
        if plan.unfilled:
            continue
        denied = status[op.key] in _DENIED
        rank = 0 if _SELF_PATH.search(op.path) else 1 if denied or "admin" in op.path else 2
        scored.append((rank, op.path, plan))
    if not ctx.operations:
        paths = {
            x.path
            for x in ctx.exchanges
            if x.method == "GET" and (200 <= x.status < 300 or x.status in _DENIED)
        }
        scored = [(0 if _SELF_PATH.search(p) else 2, p, p) for p in paths]
    return [target for *_, target in sorted(scored, key=lambda s: s[:2])][:MAX_TARGETS]


async def _send(ctx: CheckContext, target: Any, headers: dict[str, str]) -> Exchange:
    headers = {"Cookie": "", **headers}  # only what is tested: no cookie from the client's jar
    if isinstance(target, str):
        return await ctx.request("GET", target, identity=None, headers=headers)
    return await ctx.send(target, identity=None, headers=headers)


def _shows(x: Exchange, key: str, value: Any) -> bool:
    # An identity may come back under another name (`sub` in the token, `user_id` in the body).
    names = re.compile(".*" if ID_KEY.match(key) else f"^{re.escape(key)}$")
    return any(v == value for _, v in _values(x.json(), names))


async def prove(
    ctx: CheckContext, header: str, genuine: str, forged: str, changes: dict[str, Any]
) -> Proof | None:
    """Replay GET operations with the genuine and the forged header; the first difference."""
    for target in _targets(ctx):
        base = await _send(ctx, target, {header: genuine})
        if base.status in _DENIED:
            x = await _send(ctx, target, {header: forged})
            if 200 <= x.status < 300:
                how = f"answered {base.status} to the genuine value, {x.status} to the forged one"
                return Proof(base, x, how)
        elif 200 <= base.status < 300 and changes:
            x = await _send(ctx, target, {header: forged})
            shown = [k for k, v in changes.items() if _shows(x, k, v) and not _shows(base, k, v)]
            if 200 <= x.status < 300 and shown:
                return Proof(base, x, f"now shows the forged {', '.join(sorted(shown))}")
    return None
