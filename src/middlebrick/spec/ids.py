"""Learning real object ids from responses, so later requests reach objects that exist.

An id seen in `GET /orders` (`[{"id": "o-7"}]`) fills `{order_id}` in `/orders/{order_id}`;
a key named like the parameter (`order_id`, `orderId`) fills it from anywhere. Who saw an id is
kept, so cross-user tests can take user A's ids and ask for them as user B.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from middlebrick.spec.names import (
    collection_of,
    normalize,
    noun_of,
    singular,
    template_regex,
    to_snake,
)

if TYPE_CHECKING:
    from middlebrick.spec.model import ApiSpec, Operation, Parameter

__all__ = ["IdStore", "id_text"]

ID_KEYS = frozenset({"id", "uuid", "guid", "pk", "key"})
ID_SUFFIXES = ("id", "uuid", "guid", "key", "pk")
# Keys whose value is the payload itself rather than a property of an object.
WRAPPER_KEYS = frozenset({
    "items", "data", "results", "result", "records", "rows", "entries", "content", "value",
    "values", "objects", "hits", "list", "elements", "resources", "collection", "payload",
    "response", "body", "docs", "nodes", "node", "edges", "page",
})  # fmt: skip
MAX_VALUES = 20  # per key and collection
MAX_BUCKETS = 5000
MAX_ID_LENGTH = 200
MAX_DEPTH = 6
MAX_LIST = 100


@dataclass(slots=True)
class _Seen:
    value: str
    primary: bool
    nouns: set[str]
    identities: set[str]
    created: bool
    order: int


@dataclass(slots=True)
class _Record:
    fields: Mapping[str, Any]
    nouns: set[str]
    top: bool


class IdStore:
    """Ids seen in responses, by key and collection; bounded and deduplicated."""

    def __init__(self, spec: ApiSpec | None = None) -> None:
        self.spec = spec
        # key (snake case) -> collection the record came from (None: nested) -> values seen
        self._buckets: dict[str, dict[str | None, list[_Seen]]] = {}
        self._bucket_count = 0
        self._primary_keys: set[str] = set()
        self._created: set[str] = set()
        self._counter = 0
        self._templates: list[tuple[str, re.Pattern[str]]] | None = None

    def learn(
        self,
        op: Operation | None,
        path: str,
        body: Any,
        *,
        created: bool = False,
        identity: str = "a",
    ) -> list[str]:
        """Record the ids in a response body; return the ids of the objects it is about."""
        template = op.path if op is not None else self._template_for(path)
        collection = collection_of(template)
        nouns = {noun} if (noun := noun_of(collection)) else set()
        nouns |= self._schema_nouns(op)
        primaries: list[str] = []
        found: list[tuple[str, str | None, str, bool, set[str]]] = []
        for record in _records(body, nouns):
            names = _primary_names(record.nouns)
            for key, raw in record.fields.items():
                value = id_text(raw)
                if value is None:
                    continue
                snake = to_snake(str(key))
                primary = snake in names
                found.append(
                    (snake, collection if record.top else None, value, primary, record.nouns)
                )
                if record.top and primary and value not in primaries:
                    primaries.append(value)
        # Safe mode lets the scanner change what it created, so "created" must be sure: one new
        # object, never a list (a search sent as POST) nor an id already seen (an upsert).
        made = created and len(primaries) == 1 and not self._seen_before(primaries[0])
        for snake, where, value, primary, record_nouns in found:
            self._add(
                snake,
                where,
                value,
                primary=primary,
                nouns=record_nouns,
                identity=identity,
                created=made and primary and value == primaries[0],
            )
        if made:
            self._created.update(primaries)
        return primaries

    def candidates(
        self, op: Operation, param: Parameter, *, identity: str | None = None
    ) -> list[str]:
        """Learned values for a parameter of `op`, best first; `identity` keeps only its own."""
        snake = to_snake(param.name)
        prefix = _prefix_before(op.path, param.name)
        matcher = template_regex(prefix) if prefix is not None else None
        nouns = {n for n in (noun_of(prefix) if prefix else None, _noun_of_key(snake)) if n}
        generic = snake in ID_KEYS
        ranked: list[tuple[int, int, int, str]] = []
        for key in sorted(self._primary_keys | {snake}):
            for collection, seen_list in self._buckets.get(key, {}).items():
                for seen in seen_list:
                    if identity is not None and identity not in seen.identities:
                        continue
                    tier = self._tier(seen, key, collection, snake, generic, nouns, matcher)
                    if tier is not None:
                        ranked.append((tier, 0 if seen.created else 1, seen.order, seen.value))
        best = dict.fromkeys(value for *_, value in sorted(ranked))
        return list(best)[:MAX_VALUES]

    def forget(self, values: Iterator[str] | list[str] | tuple[str, ...]) -> None:
        """Drop ids of objects that are gone (deleted), so no later request aims at them."""
        gone = set(values)
        for collections in self._buckets.values():
            for seen_list in collections.values():
                seen_list[:] = [s for s in seen_list if s.value not in gone]
        self._created -= gone

    def _seen_before(self, value: str) -> bool:
        if value in self._created:
            return False  # the scanner's own object, answered again
        return any(
            s.value == value for by_collection in self._buckets.values()
            for seen_list in by_collection.values() for s in seen_list
        )

    def created_ids(self) -> set[str]:
        """Ids of objects the scanner itself created."""
        return set(self._created)

    # -- internals -------------------------------------------------------------------------------
    @staticmethod
    def _tier(
        seen: _Seen,
        key: str,
        collection: str | None,
        snake: str,
        generic: bool,
        nouns: set[str],
        matcher: re.Pattern[str] | None,
    ) -> int | None:
        if seen.primary and matcher and collection is not None and matcher.fullmatch(collection):
            return 0  # an object of the very collection this parameter indexes
        if key == snake and not generic:
            return 1
        if seen.primary and seen.nouns & nouns:
            return 2
        return None

    def _add(
        self,
        key: str,
        collection: str | None,
        value: str,
        *,
        primary: bool,
        nouns: set[str],
        identity: str,
        created: bool,
    ) -> None:
        bucket = self._buckets.get(key, {}).get(collection)
        if bucket is None:
            if self._bucket_count >= MAX_BUCKETS:
                return
            self._bucket_count += 1
            bucket = self._buckets.setdefault(key, {})[collection] = []
        if primary:
            self._primary_keys.add(key)
        for seen in bucket:
            if seen.value == value:
                seen.primary |= primary
                seen.nouns |= nouns
                seen.identities.add(identity)
                seen.created |= created
                return
        self._counter += 1
        bucket.append(_Seen(value, primary, set(nouns), {identity}, created, self._counter))
        if len(bucket) > MAX_VALUES:
            # Forget the oldest id the scanner did not create: its own objects stay usable.
            victim = next((s for s in bucket if not s.created), bucket[0])
            bucket.remove(victim)

    def _template_for(self, path: str) -> str:
        path = path.split("?")[0]
        if self.spec is None:
            return path
        if self.spec.base_path and path.startswith(self.spec.base_path + "/"):
            path = path[len(self.spec.base_path) :]
        if self._templates is None:
            # The most specific template wins: `/orders/mine` over `/orders/{order_id}`.
            paths = sorted({op.path for op in self.spec.operations}, key=lambda t: t.count("{"))
            self._templates = [(t, template_regex(t)) for t in paths]
        for template, regex in self._templates:
            if regex.fullmatch(path):
                return template
        return path

    def _schema_nouns(self, op: Operation | None) -> set[str]:
        if op is None:
            return set()
        nouns: set[str] = set()
        for status, response in op.responses.items():
            if status.startswith("2") and response.schema is not None:
                nouns |= self._ref_nouns(response.schema, 0)
        return nouns

    def _ref_nouns(self, schema: Mapping[str, Any], depth: int) -> set[str]:
        # `$ref: .../Order` (or an array or wrapper of them) names what the records are.
        if depth > 2:
            return set()
        found: set[str] = set()
        ref = schema.get("$ref")
        if isinstance(ref, str):
            found.add(to_snake(ref.rsplit("/", 1)[-1]))
            if self.spec is None:
                return found
            schema = self.spec.resolve(schema)  # a wrapper type names itself, look inside
        items = schema.get("items")
        if isinstance(items, Mapping):
            found |= self._ref_nouns(items, depth + 1)
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                if to_snake(str(name)) in WRAPPER_KEYS and isinstance(sub, Mapping):
                    found |= self._ref_nouns(sub, depth + 1)
        return found


def _records(body: Any, nouns: set[str]) -> Iterator[_Record]:
    """The objects in a body: top-level ones (lists, wrappers) and nested ones by their key."""
    queue: deque[tuple[Any, set[str], bool, int]] = deque([(body, nouns, True, 0)])
    while queue:
        node, node_nouns, top, depth = queue.popleft()
        if depth > MAX_DEPTH:
            continue
        if isinstance(node, list):
            queue.extend((item, node_nouns, top, depth + 1) for item in node[:MAX_LIST])
            continue
        if not isinstance(node, Mapping):
            continue
        yield _Record(fields=node, nouns=node_nouns, top=top)
        has_id = any(to_snake(str(k)) in _primary_names(node_nouns) for k in node)
        for key, value in node.items():
            if not isinstance(value, Mapping | list):
                continue
            snake = to_snake(str(key))
            noun = singular(snake)
            if (snake in WRAPPER_KEYS and not has_id) or noun in node_nouns:
                queue.append((value, node_nouns, top, depth + 1))
            else:
                queue.append((value, {noun}, False, depth + 1))


def _primary_names(nouns: set[str]) -> set[str]:
    return set(ID_KEYS) | {f"{noun}_{suffix}" for noun in nouns for suffix in ID_SUFFIXES}


def id_text(value: Any) -> str | None:
    """The value as an id, or None when it cannot be one."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    if not text.strip() or len(text) > MAX_ID_LENGTH or "\n" in text:
        return None
    return text


def _noun_of_key(snake: str) -> str | None:
    stem, _, suffix = snake.rpartition("_")
    return stem if stem and suffix in ID_SUFFIXES else None


def _prefix_before(template: str, name: str) -> str | None:
    marker = "{" + name + "}"
    parts = template.split("/")
    if marker not in parts:
        return None
    return normalize("/".join(parts[: parts.index(marker)]) or "/")
