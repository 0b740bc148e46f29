"""What the authorization checks share: who is who, how two views of an object compare, and
where a response shows whom an object belongs to.

Nothing here depends on an application's names: "who am I" endpoints are the ones that answer
users A and B with the same shape but different ids, objects are compared by their keys rather
than their bytes, and ownership shows as an owner-like field that holds a user's id.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from middlebrick.spec.ids import id_text
from middlebrick.spec.names import is_param, noun_of, to_snake

if TYPE_CHECKING:
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation

ID_KEYS = frozenset({"id", "uuid", "guid", "pk", "key", "uid"})
ID_SUFFIXES = ("id", "uuid", "guid", "pk", "key")
# Nouns whose `<noun>_id` names the user an object belongs to (not the object itself).
OWNER_NOUNS = frozenset({
    "owner", "user", "account", "customer", "client", "author", "creator", "member", "tenant",
    "buyer", "seller", "patient", "employee", "profile", "person", "uploader", "submitter",
    "requester", "principal", "subject", "holder", "org", "organization", "team",
})  # fmt: skip
OWNER_KEYS = frozenset({"owner", "user", "uid", "sub", "author", "creator"})
USER_FIELDS = frozenset({
    "username", "user_name", "email", "login", "handle", "screen_name", "display_name", "role",
    "roles", "first_name", "last_name", "full_name", "nickname",
})  # fmt: skip
ME_SEGMENTS = frozenset({
    "me", "self", "current", "whoami", "profile", "account", "userinfo", "user", "session", "my",
    "current_user", "myself",
})  # fmt: skip
USER_NOUNS = frozenset({"user", "account", "member", "customer", "person", "people", "profile"})
PRIVILEGE_WORDS = frozenset({"admin", "administrator", "superuser", "root", "staff", "superadmin"})
_PRIVILEGE_KEYS = (
    "role",
    "roles",
    "group",
    "groups",
    "permission",
    "permissions",
    "scope",
    "scopes",
    "type",
    "user_type",
    "account_type",
    "kind",
    "level",
)
_MAX_DEPTH = 4
_MAX_LIST = 100


@dataclass(frozen=True, kw_only=True, slots=True)
class Principals:
    """The user ids of A and B as the API itself reports them, and other accounts seen."""

    a: frozenset[str] = frozenset()
    b: frozenset[str] = frozenset()
    others: frozenset[str] = frozenset()
    a_privileged: bool = False
    b_privileged: bool = False
    me_paths: tuple[str, ...] = ()

    def other_users(self, limit: int = 2) -> list[str]:
        """Ids of accounts that are not A: B's first, then any other seen."""
        ordered = sorted(self.b) + sorted(self.others - self.a - self.b)
        return [v for v in ordered if v not in self.a][:limit]


def principals(exchanges: Iterable[Exchange]) -> Principals:
    """Who A and B are, from the answers exploration got (a "who am I" endpoint, read by both)."""
    views: dict[str, dict[str, Mapping[str, Any]]] = {}
    others: set[str] = set()
    for x in exchanges:
        if x.method != "GET" or not 200 <= x.status < 300:
            continue
        body = x.json()
        record = self_record(body)
        if record is not None and "{" not in x.path:
            views.setdefault(x.path, {}).setdefault(x.identity, record)
        if _user_collection(x.path):
            others |= {v for r in records(body) for v in user_ids(r, generic=True)}
    ids: dict[str, set[str]] = {"a": set(), "b": set()}
    privileged = {"a": False, "b": False}
    me_paths: list[str] = []
    for path, seen in views.items():
        named = me_like(path)
        both = "a" in seen and "b" in seen
        for who in ("a", "b"):
            record = seen.get(who)
            if record is None:
                continue
            mine = user_ids(record, generic=named or _looks_like_user(record))
            if both:
                theirs = user_ids(seen["b" if who == "a" else "a"], generic=True)
                mine -= theirs  # a value both see (a tenant, a shared id) names neither
            elif not named:
                continue
            if mine:
                ids[who] |= mine
                privileged[who] |= is_privileged(record)
                if path not in me_paths:
                    me_paths.append(path)
    return Principals(
        a=frozenset(ids["a"]),
        b=frozenset(ids["b"] - ids["a"]),
        others=frozenset(sorted(others - ids["a"] - ids["b"])[:20]),
        a_privileged=privileged["a"],
        b_privileged=privileged["b"],
        me_paths=tuple(me_paths),
    )


def me_like(path: str) -> bool:
    """Does the path read like "the caller's own account" (`/users/me`, `/whoami`)?"""
    parts = [p for p in path.split("?")[0].split("/") if p and not is_param(p)]
    return bool(parts) and to_snake(parts[-1]) in ME_SEGMENTS


def self_record(body: Any) -> Mapping[str, Any] | None:
    """The one object a body is about: the body itself or the object one wrapper key holds."""
    if not isinstance(body, Mapping):
        return None
    if any(_is_id_key(k) for k, v in body.items() if id_text(v) is not None):
        return body
    nested = [v for v in body.values() if isinstance(v, Mapping)]
    if len(nested) == 1 and any(_is_id_key(k) for k in nested[0]):
        return nested[0]
    return None


def user_ids(record: Mapping[str, Any], *, generic: bool) -> set[str]:
    """Values naming a user: owner-like keys, and plain `id` keys when the record is a user."""
    found: set[str] = set()
    for key, value in record.items():
        text = id_text(value)
        if text is None:
            continue
        snake = to_snake(str(key))
        if (snake in ID_KEYS and generic) or is_owner_key(str(key)):
            found.add(text)
    return found


def is_owner_key(key: str) -> bool:
    """Does the key name who an object belongs to (`owner_id`, `userId`, `created_by`)?"""
    snake = to_snake(key)
    if snake in OWNER_KEYS or (snake.endswith("_by") and len(snake) > 3):
        return True
    stem, _, suffix = snake.rpartition("_")
    # `owner_id`, `ownerAccountId`, `customer_uuid`: a user-ish word names whose it is.
    return suffix in ID_SUFFIXES + ("name", "email") and bool(set(stem.split("_")) & OWNER_NOUNS)


def is_privileged(record: Mapping[str, Any]) -> bool:
    """Does a user record say the user is an administrator?"""
    for key, value in record.items():
        snake = to_snake(str(key))
        flag = snake.removeprefix("is_").removeprefix("has_")
        if value is True and (flag in PRIVILEGE_WORDS or flag.endswith("_admin")):
            return True
        if snake in _PRIVILEGE_KEYS:
            words = value if isinstance(value, list) else [value]
            if any(isinstance(w, str) and w.lower() in PRIVILEGE_WORDS for w in words):
                return True
    return False


def records(body: Any) -> Iterator[Mapping[str, Any]]:
    """Every object in a body, breadth first (bounded in depth and list length)."""
    queue: deque[tuple[Any, int]] = deque([(body, 0)])
    while queue:
        node, depth = queue.popleft()
        if depth > _MAX_DEPTH:
            continue
        if isinstance(node, list):
            queue.extend((item, depth + 1) for item in node[:_MAX_LIST])
        elif isinstance(node, Mapping):
            yield node
            queue.extend((v, depth + 1) for v in node.values() if isinstance(v, Mapping | list))


def ids_under(body: Any, key: str | None = None) -> set[str]:
    """Values held under `key` (compared in snake case; any id-like key when None)."""
    wanted = to_snake(key) if key is not None else None
    return {
        text
        for r in records(body)
        for k, v in r.items()
        if (text := id_text(v)) is not None
        and (to_snake(str(k)) == wanted if wanted is not None else _is_id_key(k))
    }


def record_with(body: Any, value: str, param: str = "") -> Mapping[str, Any] | None:
    """The first object in a body that holds `value` under an id-like key (or `param`)."""
    for record in records(body):
        if echo_key(record, value, param) is not None:
            return record
    return None


def echo_key(record: Mapping[str, Any], value: str, param: str = "") -> str | None:
    """The key under which the record repeats the id it was asked for (by path `param`)."""
    named = to_snake(param) if param else None
    for key, field in record.items():
        if id_text(field) == value and (_is_id_key(key) or to_snake(str(key)) == named):
            return str(key)
    return None


def similar(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> bool:
    """The same kind of object: at least 80% of my view's keys are in theirs (values may vary)."""
    keys = set(mine)
    if not keys:
        return False
    return len(keys & set(theirs)) >= max(1, math.ceil(0.8 * len(keys)))


def owned_by(record: Mapping[str, Any], ids: Iterable[str], *, skip: str | None) -> list[str]:
    """Owner-like keys of the record whose value is one of `ids` (`skip`: the echo key)."""
    wanted = set(ids)
    return [
        str(k)
        for k, v in record.items()
        if str(k) != skip and is_owner_key(str(k)) and id_text(v) in wanted
    ]


def owner_values(record: Mapping[str, Any], *, skip: str | None) -> dict[str, str]:
    """Owner-like keys of a record and the ids they hold."""
    out: dict[str, str] = {}
    for key, value in record.items():
        text = id_text(value)
        if text is not None and str(key) != skip and is_owner_key(str(key)):
            out[str(key)] = text
    return out


def object_param(op: Operation) -> str | None:
    """The name of the path parameter that picks the object (the last one in the path)."""
    for part in reversed(op.path.split("/")):
        if is_param(part):
            return part[1:-1]
    return None


def primary_keys(op: Operation) -> set[str]:
    """Snake-case keys that would be the id of an object of `op`'s collection."""
    nouns = {
        n
        for part in op.path.split("/")
        if part and not is_param(part)
        if (n := noun_of("/" + part))
    }
    return set(ID_KEYS) | {f"{n}_{s}" for n in nouns for s in ID_SUFFIXES}


def has_data(body: Any) -> bool:
    """A JSON answer with substance: at least three scalar values, and no error key."""
    if not isinstance(body, Mapping | list):
        return False
    if isinstance(body, Mapping) and any(to_snake(str(k)) in {"error", "errors"} for k in body):
        return False
    count = sum(1 for r in records(body) for v in r.values() if not isinstance(v, Mapping | list))
    return count >= 3 or (isinstance(body, list) and bool(body))


def is_id_key(key: object) -> bool:
    """Does the key hold an id (`id`, `uid`, `order_id`, `docId`)?"""
    return _is_id_key(key)


def _is_id_key(key: object) -> bool:
    snake = to_snake(str(key))
    return snake in ID_KEYS or snake.rpartition("_")[2] in ID_SUFFIXES


def _looks_like_user(record: Mapping[str, Any]) -> bool:
    return any(to_snake(str(k)) in USER_FIELDS for k in record)


def _user_collection(path: str) -> bool:
    noun = noun_of(path.split("?")[0])
    return noun in USER_NOUNS and not me_like(path)
