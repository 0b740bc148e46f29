"""DynamoDB table names taken from client input (`scan(TableName=prefix + name)`).

Proof rests on DynamoDB, never on a route: its table-level errors ("Requested resource not
found", "Cannot do operations on a non-existent table", "Invalid table/index name") answer a
name no service has, and another plausible name returns items of another shape, i.e. another
table. Plausible names are the ones replies gave away (ARNs, `Table: x`, a `tables` list), with
the service's own prefix removed, then the collections the spec names. An unknown object id
answered with a plain 404 is never taken for a table name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from middlebrick.checks._dynamodb import (
    RESOURCE_NOT_FOUND,
    error_text,
    similar_shapes,
    table_names,
)
from middlebrick.checks._dynamodb_probe import Point, Prober, Reply
from middlebrick.checks.base import CheckContext, check
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity
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
    return sorted(names, key=lambda n: -counts[n])


def candidates(
    point: Point,
    learned: Sequence[str],
    collections: Sequence[str],
    *,
    original: str | None = None,
    exclude: Iterable[str] = (),
    documented: bool = False,
    limit: int = 3,
) -> list[str]:
    """Other table names worth asking for through `point`, most likely first.

    A learned full name that ends (or starts) with the input's usual value tells the service's
    prefix (`shop_` in `shop_products` for `products`), and so does a prefix all learned names
    share: other learned names lose it. Documented values (`enum`) are left out unless
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
    for name in [*stripped, *collections, *learned]:
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


# Characters valid in a table name, and a name no service has; then one no table can have.
NONSENSE_TABLE = "mbzq7nosuchtable"
INVALID_TABLE = "mb zq7!"
_REQUESTS = 60  # per check
_PER_OPERATION = 12
_POINTS = 16


def _table_priority(point: Point) -> int:
    if is_tableish(point.name):
        return 0
    return {"path": 1, "query": 2}.get(point.location, 3)


@check(
    "dynamodb.table-name-injection",
    category=Category.INJECTION,
    severity=Severity.HIGH,
    cwe=943,
    remediation=(
        "Never pass client input as `TableName`. Map the few names a client may choose to table "
        "names in code: `TABLES = {'products': os.environ['PRODUCTS_TABLE']}`, then "
        "`table = TABLES.get(name)` and `abort(404)` when it is missing; give the role running "
        "the Flask app IAM permissions only on the tables it serves (`Resource: "
        "arn:aws:dynamodb:<region>:<account>:table/<name>`), and return a generic error from "
        "`@app.errorhandler(ClientError)` so missing tables are not announced."
    ),
)
async def table_name_injection(ctx: CheckContext) -> list[Finding]:
    """DynamoDB table name taken from client input

    The value of a request parameter becomes the DynamoDB table name: DynamoDB's own table-level
    errors answer a name no service has, and other names return other tables' items, so any
    caller can read tables the endpoint was never meant to expose (users, sessions, secrets).
    """
    prober = Prober(ctx, limit=_REQUESTS, per_operation=_PER_OPERATION)
    learned = response_names(ctx.exchanges)
    collections = spec_names(ctx.spec)
    findings: list[Finding] = []
    for point in prober.points(priority=_table_priority, bodies=True, per_operation=3)[:_POINTS]:
        first = await prober.baseline(point)
        base = _Base(point.original, first) if first is not None else None
        if first is not None and not first.ok and point.method == "GET":
            # A made-up usual value ("example") may itself be no table: find one that is.
            base = await _working_name(prober, point, first, learned, collections)
        if base is None or base.reply.status >= 500 or "table" in base.reply.kinds:
            continue
        missing = await prober.send(point, NONSENSE_TABLE)
        if missing is None:
            continue
        proof = _Proof(point=point, base=base, missing=missing)
        if "table" in missing.kinds:
            proof.table_error = missing
        elif missing.status >= 500 or _code_only(base.reply, missing):
            invalid = await prober.send(point, INVALID_TABLE)
            if invalid is not None and "table" in invalid.kinds:
                proof.table_error = invalid
        proof.code_only = proof.table_error is None and _code_only(base.reply, missing)
        if point.method == "GET" and base.reply.ok and base.reply.items and proof.worth_reading:
            learned += response_names([missing.exchange])
            others = candidates(
                point, learned, collections, original=base.value, exclude=[point.original]
            )
            for name in others:
                reply = await prober.send(point, name)
                if reply is not None and _other_table(base.reply, reply):
                    proof.other = (name, reply)
                    break
        if proof.confidence is not None:
            findings.append(_table_finding(ctx, proof))
    return findings


@dataclass(frozen=True, slots=True)
class _Base:
    value: str
    reply: Reply


async def _working_name(
    prober: Prober, point: Point, base: Reply, learned: list[str], collections: list[str]
) -> _Base | None:
    if "table" not in base.kinds and not (is_tableish(point.name) and base.status >= 500):
        return None
    for name in candidates(point, learned, collections, documented=True, limit=4):
        reply = await prober.send(point, name)
        if reply is not None and reply.ok and reply.items:
            return _Base(name, reply)
    return None


@dataclass(slots=True)
class _Proof:
    """What the probes of one input showed."""

    point: Point
    base: _Base  # a name that works
    missing: Reply  # the reply to a name no service has
    table_error: Reply | None = None  # a reply with DynamoDB's table-level wording
    code_only: bool = False  # ResourceNotFoundException named, without DynamoDB's message
    other: tuple[str, Reply] | None = None  # another name, another table's items

    @property
    def worth_reading(self) -> bool:
        failed = self.missing.status >= 500 or self.code_only
        return self.table_error is not None or failed or is_tableish(self.point.name)

    @property
    def confidence(self) -> Confidence | None:
        if self.table_error is not None:
            return Confidence.CERTAIN if self.other else Confidence.FIRM
        if self.code_only:
            return Confidence.FIRM if self.other else Confidence.TENTATIVE
        # A crash for an unknown name and other items for another name: a table, or a lookup
        # of per-kind settings that crashed; only DynamoDB's wording would tell them apart.
        if self.other is not None and self.missing.status >= 500:
            return Confidence.TENTATIVE
        return None


def _code_only(base: Reply, missing: Reply) -> bool:
    said = RESOURCE_NOT_FOUND.search(error_text(missing.exchange))
    return bool(said) and not RESOURCE_NOT_FOUND.search(error_text(base.exchange))


def _other_table(base: Reply, reply: Reply) -> bool:
    return bool(reply.ok and reply.items and not similar_shapes(base.shape, reply.shape))


def _table_finding(ctx: CheckContext, proof: _Proof) -> Finding:
    point, notes = proof.point, []
    evidence: list[Exchange] = []
    if proof.base.value != point.original:
        notes.append(f'{point.name}="{proof.base.value}" works ({proof.base.reply.status})')
    if proof.table_error is not None:
        value = NONSENSE_TABLE if proof.table_error is proof.missing else INVALID_TABLE
        notes.append(f'{point.name}="{value}" is answered with a DynamoDB table-level error')
        evidence.append(proof.table_error.exchange)
    else:
        said = "ResourceNotFoundException" if proof.code_only else f"a {proof.missing.status}"
        notes.append(f'{point.name}="{NONSENSE_TABLE}" is answered with {said}')
        evidence.append(proof.missing.exchange)
    title = f"DynamoDB table chosen by the {point.location} parameter {point.name!r}"
    if proof.other is not None:
        name, reply = proof.other
        attributes = ", ".join(sorted(reply.shape)[:8])
        notes.append(
            f'{point.name}="{name}" returns {reply.items} items of another table ({attributes})'
        )
        evidence.append(reply.exchange)
        title += f": table {name!r} readable"
    return ctx.finding(
        exchange=evidence[0],
        evidence=evidence[1:],
        operation=point.op,
        endpoint=point.endpoint,
        title=title,
        confidence=proof.confidence,
        discriminator=f"{point.location}:{point.name}",
        note="; ".join(notes),
    )
