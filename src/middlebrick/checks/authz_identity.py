"""authz.header-identity: who the caller is, taken from a header the client writes itself.

Every candidate header (the usual proxy and gateway names, plus identity-like header parameters
the spec declares) is sent at once with another user's id; only when that changes the answer is
the one header responsible found by halving the set. Three places show it: another user's
object that the caller is refused without the header, a "who am I" answer that turns into the
other user, and a listing that fills with the other user's objects.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from middlebrick.checks.authz import (
    Principals,
    object_param,
    owner_values,
    principals,
    records,
    self_record,
    similar,
    user_ids,
)
from middlebrick.checks.authz_objects import path_param, view
from middlebrick.checks.base import CheckContext, check
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.generate import IGNORED_HEADERS

if TYPE_CHECKING:
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation

COMMON_HEADERS = (
    "X-User-ID", "X-User", "X-Account-Id", "X-Forwarded-User", "X-Remote-User", "X-Auth-User",
    "X-Owner-Id", "X-Tenant-Id", "X-Customer-Id", "X-Member-Id", "X-Uid", "X-Userid",
    "Remote-User", "X-Authenticated-User", "X-Auth-Request-User", "X-Authenticated-Userid",
    "X-Consumer-Custom-Id", "X-Principal", "X-Subject", "X-Actor-Id", "X-On-Behalf-Of",
    "X-Impersonate-User",
)  # fmt: skip
_IDENTITY_NAME = re.compile(
    r"user|account|owner|tenant|member|customer|principal|identity|subject|actor|uid|acting|"
    r"behalf|impersonat|remote|caller|client[-_]?id",
    re.IGNORECASE,
)
_MAX_OBJECT_OPS = 6
_MAX_LISTINGS = 3

Probe = Callable[[dict[str, str]], Awaitable["Exchange | None"]]


def candidate_headers(ctx: CheckContext) -> list[str]:
    """The usual identity headers plus the spec's identity-like header parameters."""
    names = {h.lower(): h for h in COMMON_HEADERS}
    for op in ctx.operations:
        for param in op.params_in("header"):
            lower = param.name.lower()
            if lower not in IGNORED_HEADERS and _IDENTITY_NAME.search(lower):
                names.setdefault(lower, param.name)
    return list(names.values())


@check(
    "authz.header-identity",
    category=Category.AUTHENTICATION,
    severity=Severity.HIGH,
    cwe=290,
    confidence=Confidence.CERTAIN,
    remediation=(
        "Take the caller's identity only from the verified credential (the signed token or "
        "session: `g.user` set in `@app.before_request` after verifying it), never from a "
        "request header such as X-User-ID. If a trusted gateway really sets such a header, have "
        "the gateway strip any copy the client sent, and make the app reachable only through it "
        "(or verify a signed header, e.g. a JWT the gateway adds)."
    ),
)
async def header_identity(ctx: CheckContext) -> list[Finding]:
    """Caller identity taken from a client-supplied header

    The API decides who the caller is, or whose data it may see, from a header the client sets
    itself, so anyone can become another user by sending that user's id in it.
    """
    if ctx.spec is None:
        return []
    who = principals(ctx.exchanges)
    spoofed = who.other_users(1)
    if not spoofed:
        return []
    names = candidate_headers(ctx)
    findings: list[Finding] = []
    if ctx.config.has_user_b:
        objects = [op for op in ctx.operations if op.method == "GET" and object_param(op)]
        for op in objects[:_MAX_OBJECT_OPS]:
            found = await _other_users_object(ctx, op, names, spoofed[0])
            if found is not None:
                findings.append(found)
    findings += await _who_am_i(ctx, who, names, spoofed[0])
    if not findings:
        findings += await _listings(ctx, who, names, spoofed[0])
    return findings


async def culprit(names: list[str], value: str, probe: Probe) -> tuple[str, Exchange] | None:
    """The one header that does it, by halving the set while the probe still succeeds."""
    hit = await probe(dict.fromkeys(names, value))
    if hit is None:
        return None
    while len(names) > 1:
        half = names[: len(names) // 2]
        first = await probe(dict.fromkeys(half, value))
        if first is not None:
            names, hit = half, first
            continue
        rest = names[len(names) // 2 :]
        second = await probe(dict.fromkeys(rest, value))
        if second is None:
            return None  # only a combination works: not one spoofable header
        names, hit = rest, second
    return names[0], hit


async def _other_users_object(
    ctx: CheckContext, op: Operation, names: list[str], spoofed: str
) -> Finding | None:
    param = object_param(op)
    assert param is not None
    mine = set(ctx.ids.candidates(op, path_param(op, param), identity="a"))
    theirs = ctx.ids.candidates(op, path_param(op, param), identity="b")
    targets = [v for v in theirs if v not in mine][:1]
    if not targets:
        return None
    values = {**ctx.plan(op).path_values, param: targets[0]}
    own = await view(ctx, op, values, "b")
    if own.record is None:
        return None
    baseline = await view(ctx, op, values, "a")
    if baseline.record is not None and similar(own.record, baseline.record):
        return None  # A reads it without any header: a plain BOLA, not this flaw
    reference = own.record

    async def probe(headers: dict[str, str]) -> Exchange | None:
        got = await view(ctx, op, values, "a", headers=headers)
        return got.exchange if got.record is not None and similar(reference, got.record) else None

    found = await culprit(names, spoofed, probe)
    if found is None:
        return None
    header, hit = found
    return ctx.finding(
        exchange=hit,
        evidence=[baseline.exchange],
        operation=op,
        discriminator=f"{header.lower()}:object",
        title=f"Identity taken from the client-supplied {header} header",
        description=(
            f"User A is refused user B's object at {hit.path} ({baseline.exchange.status}), but "
            f"gets it by adding `{header}: <B's user id>`: the API trusts the header to say who "
            "the caller is or whom the object may be shown to. Anyone can read any user's data "
            "by naming that user in the header."
        ),
        note=f"as user A with {header}: <B's id>: {hit.status} with B's object",
    )


async def _who_am_i(
    ctx: CheckContext, who: Principals, names: list[str], spoofed: str
) -> list[Finding]:
    findings: list[Finding] = []
    for path in who.me_paths[:2]:
        origin = next((x for x in ctx.exchanges if x.path == path and x.identity == "a"), None)
        op = origin.operation if origin is not None else None
        for identity in (None, "a"):  # with no credentials at all is the graver case
            probe = _me_probe(ctx, who, path, op, identity, spoofed)
            found = await culprit(names, spoofed, probe)
            if found is None:
                continue
            header, hit = found
            anonymous = identity is None
            findings.append(
                ctx.finding(
                    exchange=hit,
                    operation=op,
                    discriminator=f"{header.lower()}:whoami",
                    severity=Severity.CRITICAL if anonymous else Severity.HIGH,
                    title=f"Identity taken from the client-supplied {header} header",
                    description=(
                        f"{path} answers as another user when the request carries "
                        f"`{header}: <that user's id>`"
                        + (" and no credentials at all" if anonymous else " next to A's own")
                        + ": the header decides who the caller is, so anyone can act as any "
                        "user."
                    ),
                    note=f"{'anonymous' if anonymous else 'as user A'} with {header}: "
                    "another user's id: the answer is that user's account",
                )
            )
            break
    return findings


def _me_probe(
    ctx: CheckContext,
    who: Principals,
    path: str,
    op: Operation | None,
    identity: str | None,
    spoofed: str,
) -> Probe:
    """A probe that succeeds when the "who am I" answer is the spoofed user's account."""

    async def probe(headers: dict[str, str]) -> Exchange | None:
        x = await ctx.request("GET", path, identity=identity, headers=headers, operation=op)
        record = self_record(x.json()) if 200 <= x.status < 300 else None
        if record is None:
            return None
        ids = user_ids(record, generic=True)
        return x if spoofed in ids and not ids & who.a else None

    return probe


async def _listings(
    ctx: CheckContext, who: Principals, names: list[str], spoofed: str
) -> list[Finding]:
    lists = [
        x for x in ctx.exchanges
        if x.identity == "a" and x.method == "GET" and x.operation is not None
        and "{" not in x.operation.path and x.path not in who.me_paths
        and 200 <= x.status < 300 and _owners(x.json())
    ]  # fmt: skip
    for base in lists[:_MAX_LISTINGS]:
        if spoofed in _owners(base.json()):
            continue  # the listing shows that user's objects anyway

        async def probe(headers: Mapping[str, str], base: Exchange = base) -> Exchange | None:
            x = await ctx.request(
                "GET", base.url, identity="a", headers=headers, operation=base.operation
            )
            return x if 200 <= x.status < 300 and spoofed in _owners(x.json()) else None

        found = await culprit(names, spoofed, probe)
        if found is None:
            continue
        header, hit = found
        return [
            ctx.finding(
                exchange=hit,
                evidence=[base],
                discriminator=f"{header.lower()}:listing",
                title=f"Identity taken from the client-supplied {header} header",
                description=(
                    f"{hit.path} lists another user's objects when user A adds `{header}: "
                    "<that user's id>`: the header decides whose data the caller sees."
                ),
                note=f"as user A with {header}: another user's id: that user's objects listed",
            )
        ]
    return []


def _owners(body: object) -> set[str]:
    return {v for r in records(body) for v in owner_values(r, skip=None).values()}
