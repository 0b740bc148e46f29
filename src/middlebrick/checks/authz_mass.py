"""authz.mass-assignment: writes that accept properties the caller must not control.

Three kinds of write are tried, each only on objects the scanner made: creations (a new object
changes nothing that existed), updates of a fresh object the scanner creates first, and updates
of "my account" endpoints through a throwaway account the scanner registers (or user A's own
account with --allow-destructive). A normal write gives the baseline; the same write with extra
properties is read back, and the properties whose injected value is now there are reported.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from middlebrick.checks.authz import (
    me_like,
    object_param,
    principals,
    records,
    self_record,
    user_ids,
)
from middlebrick.checks.authz_accounts import (
    Account,
    credentials_body,
    sign_in_ops,
    throwaway_account,
)
from middlebrick.checks.authz_mass_values import candidates, sensitive, stuck
from middlebrick.checks.authz_objects import (
    collection_ops,
    create_own,
    created_id,
    item_read,
    view,
)
from middlebrick.checks.base import CheckContext, check
from middlebrick.models import Category, Confidence, Finding, Severity

if TYPE_CHECKING:
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation

_MAX_CREATES = 4
_MAX_UPDATES = 3
_MAX_SINGLES = 4

Record = Mapping[str, Any]
# One write with extra properties -> (the write, the object read back after it, its exchange).
Write = Callable[[dict[str, Any]], Awaitable[tuple["Exchange", Record | None, "Exchange | None"]]]


@dataclass(frozen=True, kw_only=True, slots=True)
class _Result:
    props: list[str]
    values: dict[str, Any]
    before: Record
    write: Exchange
    read: Exchange | None


@check(
    "authz.mass-assignment",
    category=Category.PROPERTY_AUTHORIZATION,
    severity=Severity.HIGH,
    cwe=915,
    confidence=Confidence.CERTAIN,
    remediation=(
        "Never copy the request body into the stored item (`item.update(request.json)`, "
        "`UpdateExpression` built from every key): accept an explicit allow-list of fields per "
        "operation (a schema with `additionalProperties: false`, marshmallow `load(...)` with "
        "`unknown=RAISE`, or `{k: body[k] for k in ALLOWED if k in body}`), and set owner, role, "
        "price, status and ids on the server from the verified identity and your own data."
    ),
)
async def mass_assignment(ctx: CheckContext) -> list[Finding]:
    """Mass assignment: the caller sets properties it must not control

    A write accepts properties outside what the operation should let the caller change (role,
    owner, price, status...), so a user can make themselves an administrator, give objects to
    others or set their own prices.
    """
    if ctx.spec is None or ctx.config.client.read_only:
        return []
    who = principals(ctx.exchanges)
    others = who.other_users(1)
    other = others[0] if others else None
    register, login = sign_in_ops(ctx)
    findings: list[Finding] = []
    creates = [op for op in ctx.operations if _json_write(op, "POST") and op is not login]
    for op in creates[:_MAX_CREATES]:
        found = await _creation(ctx, op, other, registration=op is register)
        findings += [found] if found else []
    updates = [op for op in ctx.operations if _json_write(op, "PUT", "PATCH") and object_param(op)]
    for op in updates[:_MAX_UPDATES]:
        found = await _object_update(ctx, op, other)
        findings += [found] if found else []
    mine = [op for op in ctx.operations if _json_write(op, "PUT", "PATCH") and "{" not in op.path]
    account: list[Account | None] = []  # registered once, on first need
    for op in mine[:_MAX_UPDATES]:
        found = await _account_update(ctx, op, other, account)
        findings += [found] if found else []
    return findings


async def _creation(
    ctx: CheckContext, op: Operation, other: str | None, *, registration: bool
) -> Finding | None:
    if "{" in op.path or not ctx.client.allowed("POST", op.path):
        return None
    coll_read = item_read(ctx, op)

    async def write(extra: dict[str, Any]) -> tuple[Exchange, Record | None, Exchange | None]:
        fresh = credentials_body(ctx, op, *_credentials()) if registration else {}
        plan = ctx.plan(op, **fresh)
        x = await ctx.send(plan, identity=None if registration else "a", **_body(plan, extra))
        if not 200 <= x.status < 300:
            return x, None, None
        answer = self_record(x.json()) or next(records(x.json()), None)
        param = object_param(coll_read) if coll_read is not None else None
        made = created_id(ctx, op, x, param or "")
        if coll_read is None or param is None or made is None:
            return x, answer, None
        values = {**ctx.plan(coll_read).path_values, param: made}
        for identity in ("a", "b") if ctx.config.has_user_b else ("a",):
            # An owner injected as B moves the object to B: A may no longer see it.
            back = await view(ctx, coll_read, values, identity)
            if back.record is not None:
                return x, back.record, back.exchange
        return x, answer, None

    shown = [coll_read] if coll_read else []
    result = await _probe(ctx, op, shown, write, other, user_like=registration)
    return _report(ctx, op, result, "create") if result else None


async def _object_update(ctx: CheckContext, op: Operation, other: str | None) -> Finding | None:
    param = object_param(op)
    assert param is not None
    coll = collection_ops(ctx, op, param)
    read = coll.read
    if coll.create is None or read is None:
        return None
    parents = {k: v for k, v in ctx.plan(op).path_values.items() if k != param}
    values = await create_own(ctx, coll.create, parents, param)
    if values is None:
        return None
    plan = ctx.plan(op, **values)
    if not ctx.client.allowed(op.method, plan.path, plan.path_values.values()):
        return None
    read_values = {**ctx.plan(read).path_values, object_param(read) or "": values[param]}

    async def write(extra: dict[str, Any]) -> tuple[Exchange, Record | None, Exchange | None]:
        x = await ctx.send(plan, identity="a", **_body(plan, extra))
        if not 200 <= x.status < 300:
            return x, None, None
        back = await view(ctx, read, read_values, "a")
        return x, back.record, back.exchange

    result = await _probe(ctx, op, [read], write, other, user_like=False)
    return _report(ctx, op, result, "update") if result else None


async def _account_update(
    ctx: CheckContext, op: Operation, other: str | None, cache: list[Account | None]
) -> Finding | None:
    assert ctx.spec is not None
    path = ctx.spec.base_path + op.path
    read = ctx.spec.operation("GET", op.path)
    if read is None and not me_like(op.path):
        return None
    identity: str | None = "a"
    headers: dict[str, str] = {}
    path_values: tuple[str, ...] = ()
    if not ctx.client.allowed(op.method, path):  # A's own account needs --allow-destructive
        if not cache:
            cache.append(await throwaway_account(ctx, path) if read is not None else None)
        account = cache[0]
        if account is None or account.user_id is None:
            return None
        # The request changes the scanner's own account: naming it lets safe mode allow it.
        identity, headers, path_values = None, dict(account.headers), (account.user_id,)

    async def reread() -> tuple[Record | None, Exchange | None]:
        if read is None:
            return None, None
        x = await ctx.request("GET", path, identity=identity, headers=headers, operation=read)
        return (_record(x.json()) if 200 <= x.status < 300 else None), x

    async def write(extra: dict[str, Any]) -> tuple[Exchange, Record | None, Exchange | None]:
        plan = ctx.plan(op)
        x = await ctx.send(
            plan, identity=identity, headers=headers, path_values=path_values, **_body(plan, extra)
        )
        if not 200 <= x.status < 300:
            return x, None, None
        record, back = await reread()
        return x, record or _record(x.json()), back

    before, _ = await reread()
    if path_values and (before is None or path_values[0] not in user_ids(before, generic=True)):
        return None  # not the throwaway's own account: a shared resource stays untouched
    result = await _probe(
        ctx, op, [read] if read else [], write, other, user_like=True, baseline=before
    )
    if result is None:
        return None
    # Put the account back (A's, or the throwaway: no administrator account is left behind).
    await write({k: result.before[k] for k in result.props if k in result.before})
    return _report(ctx, op, result, "account")


async def _probe(
    ctx: CheckContext,
    op: Operation,
    shown_by: list[Operation],
    write: Write,
    other: str | None,
    *,
    user_like: bool,
    baseline: Record | None = None,
) -> _Result | None:
    """Baseline write, then the write with every candidate, then (if refused) a few alone."""
    if baseline is None:
        _, baseline, _ = await write({})
        if baseline is None:
            return None  # the plain write fails: nothing to compare with
    injected = candidates(ctx, op, shown_by, baseline, other, user_like=user_like)
    if not injected:
        return None
    # A property nobody could mean: if the answer repeats it, answers only echo the request.
    control = {"mb_control": f"mb-{secrets.token_hex(3)}"}
    x, after, back = await write({**injected, **control})
    if after is not None:
        props = stuck(injected, baseline, after)
        if not props or (back is None and stuck(control, baseline, after)):
            return None
        return _Result(props=props, values=injected, before=baseline, write=x, read=back)
    for key in [k for k in injected if sensitive(k)][:_MAX_SINGLES]:
        x, after, back = await write({key: injected[key]})
        if back is not None and after is not None and stuck({key: injected[key]}, baseline, after):
            return _Result(props=[key], values=injected, before=baseline, write=x, read=back)
    return None


def _report(ctx: CheckContext, op: Operation, result: _Result, kind: str) -> Finding:
    shown = ", ".join(f"{k} = {result.values[k]!r}" for k in result.props)
    grave = any(sensitive(k) for k in result.props)
    where = {
        "create": "a new object it created",
        "update": "an object the scanner created and then updated",
        "account": "an account's own profile (the scanner's throwaway account, or user A's "
        "with --allow-destructive)",
    }[kind]
    return ctx.finding(
        exchange=result.write,
        evidence=[result.read] if result.read is not None else [],
        operation=op,
        discriminator=kind,
        severity=Severity.HIGH if grave else Severity.MEDIUM,
        # Without a read-back only the write's own answer shows it: it might just echo.
        confidence=Confidence.CERTAIN if result.read is not None else Confidence.FIRM,
        description=(
            f"{op.method} {op.path} accepted properties the caller must not control, on {where}, "
            f"and they stuck (read back afterwards): {shown}. A user can set privileges, "
            "ownership, prices or state the server should decide."
        ),
        note=f"stuck: {', '.join(result.props)}",
    )


def _record(body: Any) -> Record | None:
    """The object an answer is about: the account itself, or the one a wrapper holds."""
    return self_record(body) or (body if isinstance(body, Mapping) else None)


def _body(plan: Any, extra: Mapping[str, Any]) -> dict[str, Any]:
    if plan.form is not None:
        return {"data": {**plan.form, **{k: _form(v) for k, v in extra.items()}}}
    base = plan.json if isinstance(plan.json, Mapping) else {}
    return {"json": {**base, **extra}}


def _form(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _json_write(op: Operation, *methods: str) -> bool:
    body = op.request_body
    kind = body.content_type.lower() if body is not None else ""
    return op.method in methods and ("json" in kind or "form" in kind)


def _credentials() -> tuple[str, str]:
    return f"mb_{secrets.token_hex(5)}", f"Mb-{secrets.token_hex(8)}-x9"
