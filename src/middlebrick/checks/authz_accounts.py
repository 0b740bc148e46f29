"""A throwaway account: registered and signed in by the scanner, so that writes to "my
account" endpoints (`PATCH /users/me`) change only an account the scanner made itself.

Registration is the POST whose body carries a password and is not a sign-in; sign-in is the
POST with a password whose path or operationId says login/signin/token/session. The new
account's credential is carried the way user A's is (the same header and scheme, or a cookie).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from middlebrick.checks.authz import records, self_record, user_ids
from middlebrick.spec.ids import IdStore, id_text
from middlebrick.spec.names import to_snake
from middlebrick.spec.values import ValueMaker

if TYPE_CHECKING:
    from middlebrick.checks.base import CheckContext
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation

_LOGIN_WORDS = re.compile(
    r"(^|_)(login|log_in|signin|sign_in|token|tokens|session|sessions|"
    r"authenticate|authentication)($|_)"
)
_TOKEN_KEYS = (
    "access_token",
    "token",
    "id_token",
    "jwt",
    "auth_token",
    "session_token",
    "bearer",
    "api_key",
    "key",
)
_USERNAME = frozenset(
    {
        "username",
        "user_name",
        "login",
        "handle",
        "user",
        "nickname",
        "name",
        "identifier",
        "account",
        "account_name",
    }
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Account:
    """The scanner's own account: the headers that carry its credential, and its id."""

    headers: Mapping[str, str]
    user_id: str | None
    me: Exchange | None = None  # the "who am I" answer that proved the credential works


def is_password(key: str) -> bool:
    snake = to_snake(key)
    return "password" in snake or snake in {"pass", "passwd", "pwd", "passphrase"}


def body_properties(ctx: CheckContext, op: Operation) -> dict[str, Any]:
    """The top-level properties of an operation's request body schema."""
    if ctx.spec is None or op.request_body is None:
        return {}
    flat = ValueMaker(ctx.spec).flatten(op.request_body.schema)
    properties = flat.get("properties")
    return dict(properties) if isinstance(properties, Mapping) else {}


def sign_in_ops(ctx: CheckContext) -> tuple[Operation | None, Operation | None]:
    """(registration, login): POSTs whose body takes a password, told apart by their names."""
    register: Operation | None = None
    login: Operation | None = None
    for op in ctx.operations:
        if op.method != "POST" or "{" in op.path:
            continue
        if not any(is_password(k) for k in body_properties(ctx, op)):
            continue
        words = to_snake(f"{op.path.replace('/', '_')}_{op.operation_id or ''}")
        if _LOGIN_WORDS.search(words):
            login = login or op
        else:
            register = register or op
    return register, login


def credentials_body(ctx: CheckContext, op: Operation, name: str, password: str) -> dict[str, str]:
    """Overrides that fill a registration or login body with the throwaway's credentials."""
    out: dict[str, str] = {}
    for key in body_properties(ctx, op):
        snake = to_snake(key)
        if is_password(key):
            out[key] = password
        elif "email" in snake:
            out[key] = f"{name}@example.com"
        elif snake in _USERNAME:
            out[key] = name
    return out


async def throwaway_account(ctx: CheckContext, me_path: str) -> Account | None:
    """Register and sign in a fresh account; None when the API has no way to, or refused."""
    register, login = sign_in_ops(ctx)
    if register is None:
        return None
    name, password = f"mb_{secrets.token_hex(5)}", f"Mb-{secrets.token_hex(8)}-x9"
    made = await ctx.send(
        ctx.plan(register, **credentials_body(ctx, register, name, password)), identity=None
    )
    if not 200 <= made.status < 300:
        return None
    answer = made
    if login is not None:  # a registration's own cookie may be a mere visitor session
        answer = await ctx.send(
            ctx.plan(login, **credentials_body(ctx, login, name, password)), identity=None
        )
    headers = _credential(ctx, answer) if 200 <= answer.status < 300 else None
    if headers is None:
        return None
    me = await ctx.request("GET", me_path, identity=None, headers=headers)
    record = self_record(me.json()) if 200 <= me.status < 300 else None
    if record is None:
        return None
    mine = user_ids(record, generic=True)
    made_ids = set(IdStore(ctx.spec).learn(register, made.path, made.json(), created=True))
    user_id = next(iter(sorted(mine & made_ids or mine)), None)
    if user_id is not None:
        # Unscoped on purpose: the account's own "me" path need not sit below its sign-up path,
        # and every write through it is made as the throwaway account itself.
        ctx.client.mark_created([user_id])
    return Account(headers=headers, user_id=user_id, me=me)


def _credential(ctx: CheckContext, answer: Exchange) -> dict[str, str] | None:
    """The throwaway's credential from a sign-in answer, carried the way A's is."""
    token = _token(answer.json())
    own = {k.lower(): (k, v) for k, v in ctx.config.headers_a.items()}
    if token is not None:
        if "authorization" in own:
            name, value = own["authorization"]
            scheme = value.split(" ", 1)[0] if " " in value else "Bearer"
            return {name: f"{scheme} {token}"}
        custom = [(k, v) for k, v in own.values() if k.lower() != "cookie"]
        if custom:
            return {custom[0][0]: token}
        return {"Authorization": f"Bearer {token}"}
    cookies = SimpleCookie()
    for value in answer.headers.get_list("set-cookie"):
        cookies.load(value)
    if cookies:
        return {"Cookie": "; ".join(f"{k}={m.value}" for k, m in cookies.items())}
    return None


def _token(body: Any) -> str | None:
    for record in records(body):
        for key in _TOKEN_KEYS:
            for name, value in record.items():
                text = id_text(value)
                if to_snake(str(name)) == key and text is not None and len(text) >= 8:
                    return text
    return None
