"""Finding an API's login, registration and password-reset operations, and accounts that exist.

Flows are recognised by what any API must say about them: a POST whose body carries a user
name or email (and, for login and sign-up, a password), named like one in its path,
operationId, summary or tags. Existing accounts come from what the scan's own answers showed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from middlebrick.checks.authn_support import body_properties
from middlebrick.spec.names import to_snake

if TYPE_CHECKING:
    from middlebrick.checks.base import CheckContext
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.generate import RequestPlan
    from middlebrick.spec.model import Operation

_USER = re.compile(
    r"^(user(_?name)?|login|login_?name|e_?mail(_?address)?|account(_?name)?|handle|"
    r"identifier|username_or_email|principal|nick(name)?)$"
)
_EMAIL = re.compile(r"e_?mail")
_PASSWORD = re.compile(r"^(pass(word|wd|phrase)?|pwd|user_?password|current_?password)$")
_RESET = re.compile(r"reset|forgot|recover|lost[-_ ]?pass")
_LOGIN = re.compile(r"log[-_ ]?in|sign[-_ ]?in|authenticat|session|token|\bauth\b|/auth")
_SIGNUP = re.compile(r"regist|sign[-_ ]?up|join|enrol|create[-_ ]?(user|account)")
_COLLECTION = re.compile(r"/(users?|accounts?|members?|customers?|people|profiles?)/?$")
_ME = frozenset({"me", "self", "current", "whoami", "profile", "account", "myself", "my"})
_USERNAME_KEYS = frozenset({"username", "user_name", "login", "handle", "nickname"})
_EMAIL_KEYS = frozenset({"email", "email_address", "mail", "e_mail"})


@dataclass(frozen=True, kw_only=True, slots=True)
class Flow:
    """One authentication flow: which operation, and which body fields carry what."""

    kind: str  # "login" | "registration" | "reset"
    op: Operation
    user_field: str
    password_field: str | None
    emails: bool  # the user field takes an email address
    # Other account-naming fields (a sign-up's email beside its username), field -> is email.
    other_users: tuple[tuple[str, bool], ...] = ()
    example_user: str | None = None  # the document's own example account, if it gives one

    def throwaway_user(self) -> str:
        """A user name or email no account has (and a pattern like ^[a-z0-9_]{3,32}$ accepts)."""
        return throwaway(email=self.emails)


@dataclass(frozen=True, kw_only=True, slots=True)
class Accounts:
    """User names and emails the scan saw: the scan's identities' own, and everyone else's."""

    own_names: tuple[str, ...] = ()
    own_emails: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()
    other_emails: tuple[str, ...] = ()

    def existing(self, flow: Flow, *, own_only: bool = False) -> str | None:
        """An account that exists for this flow's user field; others first, so the scan's own
        identities never get locked out by failed logins."""
        own = self.own_emails if flow.emails else self.own_names
        others = self.other_emails if flow.emails else self.other_names
        candidates = own if own_only else (*others, *own)
        if candidates:
            return candidates[0]
        # A documented example account may be a real demo account; if not, both answers match.
        return None if own_only else flow.example_user


def flows(ctx: CheckContext, kind: str) -> list[Flow]:
    """The operations of one kind of flow, in document order."""
    return [f for op in ctx.operations if (f := _classify(ctx, op)) and f.kind == kind]


def first_flow(ctx: CheckContext, kind: str) -> Flow | None:
    found = flows(ctx, kind)
    return found[0] if found else None


def _classify(ctx: CheckContext, op: Operation) -> Flow | None:
    if op.method != "POST" or op.request_body is None or ctx.spec is None:
        return None
    props = body_properties(ctx.spec, op)
    snake = {to_snake(name): name for name in props}
    users = [name for key, name in snake.items() if _USER.match(key)]
    passwords = [name for key, name in snake.items() if _PASSWORD.match(key)]
    if not users:
        return None
    # Prefer a user name field over an email field when a body has both (sign-up forms).
    user = next((u for u in users if not _EMAIL.search(to_snake(u))), users[0])
    emails = _is_email(user, props[user])
    words = " ".join([op.path, op.operation_id or "", op.summary or "", *op.tags]).lower()
    others = tuple((u, _is_email(u, props[u])) for u in users if u != user)
    password = passwords[0] if passwords else None
    if _RESET.search(words):
        kind = "reset"
    elif password is None:
        return None
    elif _SIGNUP.search(words) or (_COLLECTION.search(op.path) and not _LOGIN.search(words)):
        kind = "registration"
    elif _LOGIN.search(words):
        kind = "login"
    else:
        return None
    return Flow(
        kind=kind,
        op=op,
        user_field=user,
        password_field=password,
        emails=emails,
        other_users=others,
        example_user=_example(op, props, user),
    )


def _example(op: Operation, props: Mapping[str, Mapping[str, Any]], field: str) -> str | None:
    """The user name an example in the document gives (never a made-up value)."""
    body = op.request_body
    examples = [body.example.get(field) if body and isinstance(body.example, Mapping) else None]
    schema = props[field]
    examples += [schema.get("example"), *(schema.get("examples") or [])[:1]]
    return next((e for e in examples if isinstance(e, str) and e), None)


def account_fields(props: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Fresh throwaway values for every account-naming field of a body (so a creation is new)."""
    return {
        name: throwaway(email=_is_email(name, schema))
        for name, schema in props.items()
        if _USER.match(to_snake(name))
    }


def _is_email(name: str, schema: Mapping[str, Any]) -> bool:
    return bool(_EMAIL.search(to_snake(name))) or schema.get("format") == "email"


def plan_attempt(ctx: CheckContext, flow: Flow, user: str, password: str | None) -> RequestPlan:
    """A valid request for the flow with this user (and password)."""
    values: dict[str, Any] = {flow.user_field: user}
    for name, email in flow.other_users:  # never someone else's email beside a throwaway name
        values[name] = throwaway(email=email)
    if flow.password_field is not None and password is not None:
        values[flow.password_field] = password
    return ctx.plan(flow.op, **values)


def throwaway(*, email: bool) -> str:
    """A fresh account name (or email) no account has."""
    name = f"mb_{secrets.token_hex(5)}"
    return f"{name}@example.com" if email else name


def wrong_password() -> str:
    return f"mb-Wrong-{secrets.token_hex(6)}"


def accounts(ctx: CheckContext) -> Accounts:
    """Accounts that exist, learned from the exploration's answers."""
    own_names: list[str] = []
    own_emails: list[str] = []
    other_names: list[str] = []
    other_emails: list[str] = []
    for x in ctx.exchanges:
        if x.status < 200 or x.status >= 300:
            continue
        body = x.json()
        own = x.identity in ("a", "b") and _is_me(x) and isinstance(body, Mapping)
        for key, value in _string_fields(body):
            names, emails = (own_names, own_emails) if own else (other_names, other_emails)
            if key in _USERNAME_KEYS and value not in names:
                names.append(value)
            elif key in _EMAIL_KEYS and "@" in value and value not in emails:
                emails.append(value)
    return Accounts(
        own_names=tuple(own_names),
        own_emails=tuple(own_emails),
        other_names=tuple(n for n in other_names if n not in own_names),
        other_emails=tuple(e for e in other_emails if e not in own_emails),
    )


def _is_me(x: Exchange) -> bool:
    template = x.operation.path if x.operation else x.path
    static = [p for p in template.strip("/").split("/") if p and not p.startswith("{")]
    return bool(static) and static[-1].lower() in _ME


def _string_fields(body: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    if depth > 4:
        return
    if isinstance(body, list):
        for item in body[:50]:
            yield from _string_fields(item, depth + 1)
    elif isinstance(body, Mapping):
        for key, value in body.items():
            if isinstance(value, str) and 0 < len(value) <= 254:
                yield to_snake(str(key)), value
            elif isinstance(value, Mapping | list):
                yield from _string_fields(value, depth + 1)
