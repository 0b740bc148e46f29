"""Table names a DynamoDB service may hold, for dynamodb.table-name-injection: the names its
replies give away (ARNs, `Table: x`, `tables` lists), the collections its document names (in
kebab case and snake case), the tables its items refer to (`owner_id` -> `owners`), with the
service's own prefix removed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from middlebrick.checks._dynamodb import error_text, table_names
from middlebrick.checks._dynamodb_probe import Point
from middlebrick.http.exchange import Exchange
from middlebrick.spec.model import ApiSpec
from middlebrick.spec.names import is_param, to_snake

_VALID = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_TABLE_KEY = re.compile(r"tables?(?:_?names?)?$|collections?$", re.IGNORECASE)
# Path words that name an action or an API layer, never what is stored.
_NOT_COLLECTIONS = frozenset({
    "api", "v1", "v2", "v3", "auth", "login", "logout", "health", "healthz", "status", "me",
    "search", "admin", "debug", "internal", "public", "private", "openapi.json", "docs",
    "swagger.json", "token", "tokens", "session", "sessions", "config", "metrics", "export",
    "import", "batch", "query", "find", "lookup", "list", "count", "stats", "openapi", "spec",
    "swagger", "meta", "schema", "version", "ping",
})  # fmt: skip
TABLEISH = re.compile(
    r"(?:^|_)(?:table|tbl|collection|entity|entities|resource|dataset|source|store|model|kind|"
    r"type|namespace|bucket|report|index|object|category_table)(?:_?name)?$",
    re.IGNORECASE,
)


def is_tableish(name: str) -> bool:
    """Does a parameter's name say it picks a table (`table`, `collection`, `entityType`)?"""
    return bool(TABLEISH.search(to_snake(name)))


def response_names(exchanges: Iterable[Exchange]) -> list[str]:
    """Table names the service gave away in replies: ARNs, `Table: x`, `tables` lists."""
    found: list[str] = []
    for x in exchanges:
        if not x.body:
            continue
        found += table_names(error_text(x))
        found += list(_named_tables(x.json(), 0))
    return list(dict.fromkeys(n for n in found if _VALID.fullmatch(n)))


def _named_tables(node: Any, depth: int) -> Iterator[str]:
    if depth > 5:
        return
    if isinstance(node, Mapping):
        for key, value in list(node.items())[:100]:
            if _TABLE_KEY.search(to_snake(str(key))):
                values = value if isinstance(value, list) else [value]
                yield from (v for v in values[:50] if isinstance(v, str))
            yield from _named_tables(value, depth + 1)
    elif isinstance(node, list):
        for value in node[:50]:
            yield from _named_tables(value, depth + 1)


def spec_names(spec: ApiSpec | None) -> list[str]:
    """Collection names the spec uses (path segments and tags), the most used first."""
    if spec is None:
        return []
    counts: dict[str, int] = {}
    for op in spec.operations:
        words = [p for p in op.path.split("/") if p and not is_param(p)] + list(op.tags)
        for word in dict.fromkeys(words):
            counts[word] = counts.get(word, 0) + 1
    names = [
        n
        for n in counts
        if n.lower() not in _NOT_COLLECTIONS
        and not n.startswith(("_", "."))
        and _VALID.fullmatch(n)
    ]
    out: list[str] = []
    for name in sorted(names, key=lambda n: -counts[n]):
        out.append(name)
        if "-" in name:  # `pet-owners` is stored as `pet_owners`, or just `owners`
            out += [name.replace("-", "_"), name.rsplit("-", 1)[1]]
    return list(dict.fromkeys(out))


def referenced_names(items: Iterable[str], original: str) -> list[str]:
    """Tables the items of one table point to: `owner_id` in a pet names an `owners` table.

    Spelled like the name that works (`pets` -> `owners`, `Pet` -> `Owner`, `pet` -> `owner`).
    """
    base = to_snake(original)
    out: list[str] = []
    for attribute in items:
        snake = to_snake(attribute)
        noun, _, suffix = snake.rpartition("_")
        if suffix not in ("id", "ids", "key", "uuid") or not noun or base.startswith(noun):
            continue
        word = noun if not original.endswith("s") else f"{noun}s"
        if original[:1].isupper():
            word = "".join(part.capitalize() for part in word.split("_"))
        out.append(word)
    return list(dict.fromkeys(out))


def candidates(
    point: Point,
    learned: Sequence[str],
    collections: Sequence[str],
    *,
    original: str | None = None,
    exclude: Iterable[str] = (),
    documented: bool = False,
    hints: Sequence[str] = (),
    limit: int = 3,
) -> list[str]:
    """Other table names worth asking for through `point`, most likely first.

    A learned full name that ends (or starts) with the input's usual value tells the service's
    prefix (`shop_` in `shop_products` for `products`), and so does a prefix all learned names
    share: other learned names lose it. Then `hints` (tables the working one refers to), the
    spec's collections and the learned names. Documented values (`enum`) are left out unless
    `documented`, since reading those proves nothing.
    """
    original = point.original if original is None else original
    stripped: list[str] = []
    for full in learned:
        if full != original and full.endswith(original):
            prefix = full[: -len(original)]
            stripped += [n[len(prefix) :] for n in learned if n.startswith(prefix)]
        elif full != original and full.startswith(original):
            suffix = full[len(original) :]
            stripped += [n[: -len(suffix)] for n in learned if n.endswith(suffix)]
    stripped += _without_shared_affixes(learned)
    skip = {original.lower(), *(n.lower() for n in exclude)}
    if not documented:
        skip |= {v.lower() for v in point.enum}
    out: list[str] = []
    for name in [*stripped, *hints, *collections, *learned]:
        if name.lower() not in skip and _VALID.fullmatch(name) and name not in out:
            out.append(name)
    return out[:limit]


def _without_shared_affixes(names: Sequence[str]) -> list[str]:
    """`shop_users`, `shop_orders` -> `users`, `orders` (cut at a separator)."""
    if len(names) < 2:
        return []
    prefix = os.path.commonprefix(list(names))
    prefix = prefix[: max(prefix.rfind(c) for c in "_-.") + 1]
    suffix = os.path.commonprefix([n[::-1] for n in names])[::-1]
    suffix = suffix[min((i for i, c in enumerate(suffix) if c in "_-."), default=len(suffix)) :]
    return [n[len(prefix) : len(n) - len(suffix)] for n in names]
