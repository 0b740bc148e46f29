"""Rate limiting: does a short, bounded burst of failed logins (or searches) meet any push-back?

Push-back is a 429 (or 423), a rate-limit header (`RateLimit-*`, `X-RateLimit-*`,
`Retry-After`) or a lockout message. The burst is small and stops at the first sign of a
limit: it shows that guessing is unthrottled, it never measures how much load a service takes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from middlebrick.checks.authn_flows import first_flow, plan_attempt, wrong_password
from middlebrick.checks.authn_support import explored_ok, ok, rate_limited
from middlebrick.checks.base import CheckContext, check
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

# Knobs (module-level until ScanConfig carries them): requests per burst, sent this many at a
# time, and a hard stop in seconds whatever the count.
BURST_SIZE = 20
BATCH_SIZE = 5
BURST_SECONDS = 6.0
_REACHED_LOGIN = frozenset({200, 201, 204, 401, 403})
# OAuth 2.0 answers a wrong password with 400 invalid_grant (RFC 6749 5.2); others say so.
_BAD_CREDENTIALS = re.compile(
    r"invalid_grant|invalid[ _](credential|password|username|login)|incorrect|wrong|"
    r"bad credentials|unauthori[sz]ed",
    re.I,
)
_SEARCH = re.compile(r"search|query|find|lookup|autocomplete|suggest", re.I)
_EXPENSIVE = re.compile(r"filter|export|report|scan|all\b", re.I)


@dataclass(frozen=True, slots=True)
class Burst:
    sent: list[Exchange]
    pushback: Exchange | None
    seconds: float


async def burst(send: Callable[[], Awaitable[Exchange]], total: int = BURST_SIZE) -> Burst:
    """Up to `total` requests in small concurrent batches; stops at the first push-back."""
    started = time.monotonic()
    sent: list[Exchange] = []
    while len(sent) < total and time.monotonic() - started < BURST_SECONDS:
        size = min(BATCH_SIZE, total - len(sent))
        batch = await asyncio.gather(*(send() for _ in range(size)))
        sent.extend(batch)
        hit = next((x for x in batch if rate_limited(x)), None)
        if hit is not None:
            return Burst(sent, hit, time.monotonic() - started)
    return Burst(sent, None, time.monotonic() - started)


def _reached(x: Exchange) -> bool:
    """Did a login attempt get as far as checking the password?"""
    return x.status in _REACHED_LOGIN or (
        x.status == 400 and bool(_BAD_CREDENTIALS.search(x.text[:2000]))
    )


async def _own_not_found(ctx: CheckContext, x: Exchange) -> bool:
    """Is this 404 the login's own answer ("no such user"), not the router's "no such path"?"""
    url = httpx.URL(x.url)
    missing = url.path.rstrip("/") + "-mb-missing"
    target = str(url.copy_with(path=missing))
    if not ctx.client.allowed("POST", target):
        return False
    headers = {"Content-Type": x.request_headers.get("content-type", "text/plain")}
    other = await ctx.request(
        "POST", target, identity=None, headers=headers, content=x.request_body
    )
    return other.status != 404 or other.text.replace(missing, "") != x.text.replace(url.path, "")


def _summary(b: Burst) -> str:
    statuses = ", ".join(f"{n}x {s}" for s, n in sorted(Counter(x.status for x in b.sent).items()))
    return (
        f"{len(b.sent)} requests in {b.seconds:.1f}s answered {statuses}; no 429, no RateLimit-*/"
        "X-RateLimit-*/Retry-After header, no lockout message"
    )


async def _login(ctx: CheckContext) -> Finding | None:
    flow = first_flow(ctx, "login")
    if flow is None:
        return None
    user = flow.throwaway_user()  # one account under attack, a new guess every time
    if not ctx.client.allowed("POST", plan_attempt(ctx, flow, user, "x").path):
        return None

    async def attempt() -> Exchange:
        guess = plan_attempt(ctx, flow, user, wrong_password())
        return await ctx.send(guess, identity=None)

    b = await burst(attempt, ctx.config.rate_limit_burst)
    reached = len([x for x in b.sent if _reached(x)]) >= 0.8 * len(b.sent)
    if not reached and all(x.status == 404 for x in b.sent):
        reached = await _own_not_found(ctx, b.sent[0])  # "no such user" is an answer too
    # Mostly 400/404/5xx means the guesses never reached the password check: no verdict.
    if b.pushback is not None or len(b.sent) < ctx.config.rate_limit_burst or not reached:
        return None
    return ctx.finding(
        exchange=b.sent[0],
        evidence=b.sent[-1:],
        operation=flow.op,
        discriminator="login",
        note=f"failed logins for one throwaway account: {_summary(b)}",
    )


def _most_expensive(ctx: CheckContext) -> tuple[int, Exchange] | None:
    """The explored GET that most likely costs the most, and its rank: 0 a search, 1 a report
    or export, 2 a mere collection listing."""
    order = {op.key: i for i, op in enumerate(ctx.operations)}
    best: tuple[int, int, Exchange] | None = None
    for x in explored_ok(ctx):
        op = x.operation
        if op is None:
            continue
        named = " ".join([op.path, op.operation_id or ""])
        if _SEARCH.search(named):
            rank = 0
        elif _EXPENSIVE.search(f"{named} {op.summary or ''}"):
            rank = 1
        elif "{" not in op.path and _is_list(x):
            rank = 2
        else:
            continue
        if best is None or (rank, order.get(op.key, 0)) < best[:2]:
            best = (rank, order.get(op.key, 0), x)
    return (best[0], best[2]) if best else None


async def _expensive(ctx: CheckContext) -> Finding | None:
    found = _most_expensive(ctx)
    if found is None:
        return None
    rank, x = found
    if x.operation is None or "429" in x.operation.responses:
        return None  # a documented limit is likely above a small burst; trust the document
    url, identity, op = x.url, x.identity, x.operation

    async def again() -> Exchange:
        return await ctx.request("GET", url, identity=identity, operation=op)

    total = ctx.config.rate_limit_burst
    b = await burst(again, total)
    if b.pushback is not None or len(b.sent) < total or not all(map(ok, b.sent)):
        return None
    finding = ctx.finding(
        exchange=b.sent[0],
        evidence=b.sent[-1:],
        discriminator="expensive",
        title="No rate limiting on an expensive operation",
        description=(
            "A search or listing that reads the database on every call answered a burst of "
            "identical requests without any limit, so one client can multiply the service's "
            "database reads and bill (DynamoDB charges per read) at will."
        ),
        # A plain listing without a limit is how most services run (a gateway may limit them
        # unseen): an observation. A search, report or export is worth a limit of its own.
        severity=Severity.LOW if rank < 2 else Severity.INFO,
        confidence=Confidence.TENTATIVE,
        note=_summary(b),
    )
    return dataclasses.replace(finding, cwe="CWE-770")


def _is_list(x: Exchange) -> bool:
    body = x.json()
    return isinstance(body, list) or (
        isinstance(body, dict) and any(isinstance(v, list) and v for v in body.values())
    )


@check(
    "abuse.rate-limit",
    category=Category.RESOURCE_CONSUMPTION,
    severity=Severity.MEDIUM,
    confidence=Confidence.FIRM,
    cwe=307,
    remediation=(
        "Limit failed logins per account and per client, and answer 429 with Retry-After: with "
        "Flask-Limiter, `@limiter.limit('5 per minute', key_func=lambda: f\"{get_remote_address()}"
        "|{request.json.get('username', '')}\")` on the login view (a shared storage such as "
        "Redis or a DynamoDB table with a TTL attribute when several workers serve the API), "
        "plus a per-client limit (`default_limits=['100 per minute']`) on searches and listings. "
        "Lock or slow an account after repeated failures, and consider API Gateway / WAF rate "
        "rules in front of the service."
    ),
)
async def rate_limit(ctx: CheckContext) -> list[Finding]:
    """No rate limiting on login

    A login that answers every failed attempt at full speed lets anyone guess passwords or
    stuff leaked credentials without limit; unthrottled expensive reads let one client run up
    the database bill.
    """
    found = [await _login(ctx), await _expensive(ctx)]
    return [f for f in found if f is not None]
