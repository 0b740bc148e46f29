"""User enumeration: do login, password-reset and sign-up answers tell which accounts exist?

Each probe pairs an account the scan saw exist with throwaway names no account has. A
different status or message is proof by itself; a timing gap (say, a password hash computed
only for real accounts) must separate every sample of one kind from every sample of the other,
taken in an interleaved order so a change of load affects both alike.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from middlebrick.checks.authn_flows import (
    Flow,
    accounts,
    first_flow,
    plan_attempt,
    wrong_password,
)
from middlebrick.checks.authn_support import median, pushed_back
from middlebrick.checks.base import CheckContext, check
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

# U = an unknown account, K = the known one, W = a warm-up (a new connection) not compared.
# Five known-account failures stay at or below common lockout thresholds; unknown accounts
# cost nothing, so there are twice as many, spread evenly between the known ones.
_LOGIN_ORDER = "W" + "UKU" * 5
_RESET_ORDER = "UKU"
MIN_GAP_S = 0.005
MIN_RATIO = 1.5
# Of the 50 (known, unknown) pairs, at most this many may have the known sample faster: by
# chance alone (same timing) that happens with probability 7/3003, about 0.2%.
MAX_INVERSIONS = 3
_HEX = re.compile(r"\b[0-9a-f]{8,}\b|[0-9a-f]{8}-[0-9a-f-]{27}", re.I)
_DIGITS = re.compile(r"\d+")
_TAKEN = re.compile(r"exist|taken|already|in use|registered|duplicate|unavailable", re.I)


def _normal(x: Exchange, users: Iterable[str]) -> tuple[int, str]:
    """Status and body with the user names, ids and numbers taken out."""
    text = x.text[:4000]
    for user in sorted(set(users), key=len, reverse=True):
        text = text.replace(user, "<user>")
    text = _DIGITS.sub("#", _HEX.sub("<id>", text))
    return x.status, " ".join(text.split())


Sample = tuple[str, Exchange, str]  # role ("K" or "U"), the exchange, the account name used


async def _probe(ctx: CheckContext, flow: Flow, known: str, order: str) -> list[Sample] | None:
    samples: list[Sample] = []
    for role in order:
        user = known if role == "K" else flow.throwaway_user()
        plan = plan_attempt(ctx, flow, user, wrong_password())
        if not ctx.client.allowed(plan.method, plan.path):
            return None
        x = await ctx.send(plan, identity=None)
        # Push-back, errors or a successful login: the answers no longer compare.
        if pushed_back(x) or x.status == 0 or x.status >= 500:
            return None
        samples.append((role, x, user))
    return samples


def _message_gap(samples: list[Sample]) -> tuple[Exchange, Exchange] | None:
    users = [u for _, _, u in samples]
    known = {_normal(x, users) for r, x, _ in samples if r == "K"}
    unknown = {_normal(x, users) for r, x, _ in samples if r == "U"}
    if len(known) != 1 or len(unknown) != 1 or known == unknown:
        return None
    k = next(x for r, x, _ in samples if r == "K")
    u = next(x for r, x, _ in samples if r == "U")
    return k, u


def _timing_gap(samples: list[Sample]) -> str | None:
    known = [x.elapsed for r, x, _ in samples if r == "K"]
    unknown = [x.elapsed for r, x, _ in samples if r == "U"]
    mk, mu = median(known), median(unknown)
    inversions = sum(k <= u for k in known for u in unknown)
    if inversions > MAX_INVERSIONS or mk - mu < MIN_GAP_S or mk < MIN_RATIO * mu:
        return None
    return (
        f"an existing account answered in {mk * 1000:.0f} ms (median of {len(known)}), unknown "
        f"accounts in {mu * 1000:.0f} ms (median of {len(unknown)}); only {inversions} of "
        f"{len(known) * len(unknown)} pairs had the existing account faster"
    )


async def _login(ctx: CheckContext) -> Finding | None:
    flow = first_flow(ctx, "login")
    known = accounts(ctx).existing(flow) if flow else None
    samples = await _probe(ctx, flow, known, _LOGIN_ORDER) if flow and known else None
    if not samples:
        return None
    if gap := _message_gap(samples):
        return ctx.finding(
            exchange=gap[0],
            evidence=[gap[1]],
            discriminator="login",
            title="Login answers tell existing accounts from unknown ones",
            note=f"a wrong password for an existing account answers {gap[0].status}, an "
            f"unknown account {gap[1].status}, with different messages",
        )
    if timing := _timing_gap(samples):
        k = next(x for r, x, _ in samples if r == "K")
        u = next(x for r, x, _ in samples if r == "U")
        return ctx.finding(
            exchange=k,
            evidence=[u],
            discriminator="login-timing",
            title="Login response time tells existing accounts from unknown ones",
            confidence=Confidence.TENTATIVE,
            note=timing,
        )
    return None


async def _reset(ctx: CheckContext) -> Finding | None:
    flow = first_flow(ctx, "reset")
    # Only the scan's own account: a reset for anyone else would mail a stranger.
    known = accounts(ctx).existing(flow, own_only=True) if flow else None
    samples = await _probe(ctx, flow, known, _RESET_ORDER) if flow and known else None
    gap = _message_gap(samples) if samples else None
    if gap is None:
        return None
    return ctx.finding(
        exchange=gap[0],
        evidence=[gap[1]],
        discriminator="reset",
        title="Password reset tells existing accounts from unknown ones",
        note=f"an existing account answers {gap[0].status}, an unknown one {gap[1].status}, "
        "with different messages",
    )


async def _registration(ctx: CheckContext) -> Finding | None:
    flow = first_flow(ctx, "registration")
    known = accounts(ctx).existing(flow) if flow else None
    if flow is None or known is None:
        return None
    plan = plan_attempt(ctx, flow, known, f"Mb-Pass-{secrets.token_hex(6)}-9")
    if not ctx.client.allowed(plan.method, plan.path):
        return None
    x = await ctx.send(plan, identity=None)
    if x.status != 409 and not (400 <= x.status < 500 and _TAKEN.search(x.text[:2000])):
        return None
    return ctx.finding(
        exchange=x,
        discriminator="registration",
        title="Sign-up tells whether an account name is taken",
        severity=Severity.INFO,
        confidence=Confidence.FIRM,
        note=f"signing up as an existing account answers {x.status}",
    )


@check(
    "authn.user-enumeration",
    category=Category.AUTHENTICATION,
    severity=Severity.MEDIUM,
    confidence=Confidence.FIRM,
    cwe=204,
    remediation=(
        "Answer an unknown account exactly like a wrong password: same status, same message "
        "(`return {'error': 'invalid username or password'}, 401` in both branches), and the "
        "same work: when the user is missing, still run `check_password_hash(DUMMY_HASH, "
        "password)` against a dummy hash made once at start-up, so the DynamoDB lookup plus "
        "hash takes as long either way. A password-reset request always answers 202 'if the "
        "account exists, we sent an email'. Rate-limit these endpoints so what remains cannot "
        "be farmed."
    ),
)
async def user_enumeration(ctx: CheckContext) -> list[Finding]:
    """Responses reveal which user accounts exist

    When login, password reset or sign-up answer differently (status, message or time) for an
    existing account than for an unknown one, anyone can build a list of valid accounts and
    aim password guessing and phishing at them.
    """
    found = [await _login(ctx), await _reset(ctx), await _registration(ctx)]
    return [f for f in found if f is not None]
