"""Which properties mass assignment probes inject, with which values, and when one "stuck".

Candidates are the properties the API shows but does not accept (in a response schema or a
read-back, absent from the request schema), plus well-known privilege properties on user-like
objects. Each gets a value the server would never pick by itself: the other user's id for an
owner field, an enum value other than the current one, a flipped flag, an unlikely number, or a
unique marker string.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from middlebrick.checks.authz import (
    PRIVILEGE_WORDS,
    USER_FIELDS,
    is_id_key,
    is_owner_key,
    primary_keys,
)
from middlebrick.checks.authz_accounts import body_properties, is_password
from middlebrick.spec.ids import WRAPPER_KEYS
from middlebrick.spec.names import to_snake
from middlebrick.spec.values import ValueMaker

if TYPE_CHECKING:
    from middlebrick.checks.base import CheckContext
    from middlebrick.spec.model import Operation

PRIVILEGE_PROPS = (
    "role",
    "is_admin",
    "permissions",
    "is_verified",
    "email_verified",
    "balance",
    "credits",
)
OBJECT_PROPS = ("owner_id", "user_id", "price", "amount", "discount", "status")
_CHEAP = frozenset({"price", "amount", "cost", "fee", "total", "subtotal", "unit_price"})
_PLENTY = frozenset({"balance", "credits", "credit", "points", "quota", "limit", "wallet"})
_ROLE = frozenset({"role", "user_role", "account_type", "user_type", "group", "access_level"})
_LISTS = frozenset({"permissions", "roles", "scopes", "groups", "privileges"})
_FLAG = re.compile(
    r"^(is|has|can)_|(^|_)(admin|verified|approved|active|enabled|banned|locked|"
    r"staff|superuser|confirmed|paid|premium)$"
)
_SENSITIVE = re.compile(
    r"role|admin|permission|privilege|scope|group|verified|approved|status|owner|user_id|"
    r"account_id|tenant|price|amount|cost|fee|total|balance|credit|discount|points|plan|tier|"
    r"quota|limit|paid|staff|superuser|level|active|enabled|banned|locked",
)
_SKIP = re.compile(
    r"(^|_)(at|on|date|time|timestamp|created|updated|modified|hash|token|"
    r"secret|salt|links?|href|url|uri|etag|version|next|self)($|_)"
)
_FORMATTED = re.compile(r"^\d{4}-\d{2}-\d{2}|://|@")
MAX_PROPS = 16


def response_properties(ctx: CheckContext, ops: list[Operation]) -> dict[str, Mapping[str, Any]]:
    """Properties the 2xx responses of `ops` declare (inside a one-object wrapper if any)."""
    if ctx.spec is None:
        return {}
    maker = ValueMaker(ctx.spec)
    found: dict[str, Mapping[str, Any]] = {}
    for op in ops:
        for status, response in op.responses.items():
            if not status.startswith("2") or response.schema is None:
                continue
            props = _props(maker, maker.flatten(response.schema))
            nested = [
                n
                for n, s in props.items()
                if to_snake(n) in WRAPPER_KEYS
                and isinstance(s, Mapping)
                and _props(maker, maker.flatten(s))
            ]
            if nested and len(props) <= 3:
                props = _props(maker, maker.flatten(props[nested[0]]))
            for name, sub in props.items():
                found.setdefault(name, maker.flatten(sub))
    return found


def candidates(
    ctx: CheckContext,
    write: Operation,
    shown_by: list[Operation],
    baseline: Mapping[str, Any],
    other_user: str | None,
    *,
    user_like: bool,
) -> dict[str, Any]:
    """Property -> injected value, most sensitive first, for a write to `write`."""
    accepted = {to_snake(k) for k in body_properties(ctx, write)}
    shown = response_properties(ctx, [write, *shown_by])
    names: dict[str, Mapping[str, Any]] = dict(shown)
    for key in baseline:
        names.setdefault(str(key), {})
    camel = any(any(c.isupper() for c in k) for k in [*names, *accepted])
    snakes = {to_snake(k) for k in names}
    user_like = user_like or bool(snakes & USER_FIELDS)
    extra = PRIVILEGE_PROPS if user_like else (OBJECT_PROPS if not snakes - accepted else ())
    for prop in extra:
        if prop not in snakes:
            names[_camel(prop) if camel else prop] = {}
    primary = primary_keys(write)
    marker = secrets.token_hex(3)
    out: dict[str, Any] = {}
    for key, schema in names.items():
        snake = to_snake(key)
        if snake in accepted or snake in primary or _SKIP.search(snake) or is_password(key):
            continue
        if is_id_key(key) and not is_owner_key(key):
            continue  # an id of our choosing could overwrite an object that exists
        value = injected_value(key, schema, baseline.get(key), other_user, marker)
        if value is not None:
            out[key] = value
    ranked = sorted(out, key=lambda k: not sensitive(k))
    return {k: out[k] for k in ranked[:MAX_PROPS]}


def injected_value(
    key: str, schema: Mapping[str, Any], current: Any, other_user: str | None, marker: str
) -> Any:
    """A value for `key` the server would not choose itself; None to leave the key out."""
    snake = to_snake(key)
    kind = schema.get("type") if isinstance(schema.get("type"), str) else _kind_of(current)
    kind = kind or _kind_by_name(snake)
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        choices = [e for e in enum if e is not None and e != current]
        privileged = [e for e in choices if isinstance(e, str) and e.lower() in PRIVILEGE_WORDS]
        return (privileged or choices[-1:] or [None])[0]
    if is_owner_key(key):
        if kind == "integer":
            return int(other_user) if other_user and other_user.isdigit() else 987654321
        return other_user or f"mb-{marker}-owner"
    if kind == "boolean":
        return not current if isinstance(current, bool) else True
    if kind in {"integer", "number"}:
        # Distinct per key, so a value the server computes (total = price x 1) never passes for
        # one that stuck.
        number = (
            1
            if snake in _CHEAP
            else 100
            if "discount" in snake
            else 1_000_000
            if snake in _PLENTY
            else 4242
        ) + _offset(snake)
        return number + 1 if current == number else number
    if kind == "array":
        return ["admin"] if snake in _LISTS else None
    if kind not in {None, "string"} or schema.get("format"):
        return None
    if isinstance(current, str) and _FORMATTED.search(current):
        return None
    return "admin" if snake in _ROLE else f"mb-{marker}-{snake[:20]}"


def stuck(
    injected: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[str]:
    """Injected properties the object now holds, with a value it did not hold before."""
    return [
        k for k, v in injected.items()
        if k in after and same(after[k], v) and not (k in before and same(before[k], v))
    ]  # fmt: skip


def same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, list | dict) or isinstance(b, list | dict):
        return bool(a == b)
    return a == b or str(a) == str(b)


def sensitive(key: str) -> bool:
    """Does the property decide privileges, ownership, money or state?"""
    return is_owner_key(key) or bool(_SENSITIVE.search(to_snake(key)))


def _props(maker: ValueMaker, flat: Mapping[str, Any]) -> dict[str, Any]:
    props = flat.get("properties")
    return dict(props) if isinstance(props, Mapping) else {}


def _kind_by_name(snake: str) -> str | None:
    if _FLAG.search(snake):
        return "boolean"
    if snake in _LISTS:
        return "array"
    if snake in _CHEAP | _PLENTY or "discount" in snake:
        return "integer"
    return None


def _offset(snake: str) -> int:
    return sum(map(ord, snake)) % 7 * 2


def _kind_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string" if isinstance(value, str) else None


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.capitalize() for w in rest)
