"""Deterministic example values for JSON Schemas (OpenAPI 2.0 / 3.0 / 3.1 flavours)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from middlebrick.spec.patterns import matching_string

if TYPE_CHECKING:
    from middlebrick.spec.model import ApiSpec

SOFT_DEPTH = 4  # below this, only what the schema requires
HARD_DEPTH = 16  # below this, give up (a schema that requires infinite nesting)
MAX_HOPS = 32
MAX_ITEMS = 1000  # a sane request even when `minItems` (or `minProperties`) asks for more
MAX_STRING = 4096  # likewise for `minLength`: a document must not make the scanner build 1 GB
MAX_WORK = 20_000  # schema nodes flattened per maker: bounds pathological documents
FORMATS: Mapping[str, Any] = {
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "12:00:00Z",
    "duration": "P1D",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "/example",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "password": "Example-Passw0rd",
    "byte": "ZXhhbXBsZQ==",
    "binary": "example",
    "regex": "^a$",
    "json-pointer": "/a",
}
_EXPLICIT = ("const", "example", "examples", "default", "enum")
_MERGED_LISTS = ("required",)


class ValueMaker:
    """Makes one valid value per schema; `for_request` leaves out `readOnly` properties."""

    def __init__(self, spec: ApiSpec, *, include_optional: bool = True, for_request: bool = True):
        self.spec = spec
        self.include_optional = include_optional
        self.for_request = for_request
        self._work = 0

    def value(self, schema: Any, depth: int = 0, seen: frozenset[str] = frozenset()) -> Any:
        """A value for `schema`; `seen` holds the refs being expanded above this one."""
        if depth > HARD_DEPTH:
            return None
        refs = _own_refs(schema)
        if refs & seen:
            depth = max(depth, SOFT_DEPTH)  # a recursive schema: only what it requires, once more
        seen = seen | refs
        flat = self.flatten(schema)
        explicit = _explicit(flat)
        if explicit is not _MISSING:
            return self.without_hidden(flat, explicit)
        kind = _type_of(flat)
        if kind == "object":
            return self.object(flat, depth, seen)
        if kind == "array":
            return self.array(flat, depth, seen)
        if kind == "string":
            return string_value(flat)
        if kind in ("integer", "number"):
            return number_value(flat, integer=kind == "integer")
        if kind == "boolean":
            return True
        return None  # "null"

    def flatten(self, schema: Any, chain: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The schema with refs followed, `allOf` merged and the first `oneOf`/`anyOf` taken."""
        self._work += 1
        if not isinstance(schema, Mapping) or self._work > MAX_WORK:
            return {}
        node = dict(schema)
        ref = node.pop("$ref", None)
        if isinstance(ref, str):
            if ref in chain or len(chain) > MAX_HOPS:
                return {}  # a schema that is its own allOf part: nothing more to learn
            # 3.1 allows keywords beside $ref; they refine the target.
            node = _merge(self.flatten(self.spec.resolve({"$ref": ref}), chain | {ref}), node)
        for branch_key in ("oneOf", "anyOf"):
            branches = node.pop(branch_key, None)
            if isinstance(branches, list) and branches:
                chosen: dict[str, Any] = {}
                for branch in branches:
                    chosen = self.flatten(branch, chain)
                    if _type_of(chosen) != "null":
                        break
                node = _merge(node, chosen)
        parts = node.pop("allOf", None)
        if isinstance(parts, list):
            for part in parts:
                node = _merge(node, self.flatten(part, chain))
        return node

    def object(self, schema: Mapping[str, Any], depth: int, seen: frozenset[str]) -> dict[str, Any]:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = schema.get("required")
        required = set(required) if isinstance(required, list) else set()
        optional = self.include_optional and depth < SOFT_DEPTH
        result: dict[str, Any] = {}
        for name, sub in properties.items():
            if name not in required and not optional:
                continue
            if self._hidden(self.flatten(sub)):
                continue
            result[name] = self.value(sub, depth + 1, seen)
        extra = schema.get("additionalProperties")
        if not properties and isinstance(extra, Mapping) and optional:
            result["key"] = self.value(extra, depth + 1, seen)
        minimum = schema.get("minProperties")
        if isinstance(minimum, int) and len(result) < minimum and extra is not False:
            for index in range(len(result), min(minimum, MAX_ITEMS)):
                result[f"key{index}"] = self.value(extra, depth + 1, seen) if extra else "value"
        return result

    def array(self, schema: Mapping[str, Any], depth: int, seen: frozenset[str]) -> list[Any]:
        prefix = schema.get("prefixItems")
        items: list[Any] = []
        if isinstance(prefix, list):
            items = [self.value(p, depth + 1, seen) for p in prefix]
        low = _int(schema, "minItems") or 0
        high = _int(schema, "maxItems")
        wanted = min(max(low, 1 if depth < SOFT_DEPTH else 0), MAX_ITEMS)
        wanted = wanted if high is None else min(wanted, high)
        item_schema = schema.get("items")
        if item_schema is False:
            return items
        for index in range(len(items), wanted):
            value = self.value(item_schema, depth + 1, seen)
            items.append(_distinct(value, index) if schema.get("uniqueItems") else value)
        return items

    def _hidden(self, schema: Mapping[str, Any]) -> bool:
        flag = "readOnly" if self.for_request else "writeOnly"
        return schema.get(flag) is True

    def without_hidden(self, schema: Mapping[str, Any], value: Any) -> Any:
        # An object example often shows server-set fields (id, created_at); a request omits them.
        properties = schema.get("properties")
        if not isinstance(value, dict) or not isinstance(properties, Mapping):
            return value
        hidden = {n for n, s in properties.items() if self._hidden(self.flatten(s))}
        return {k: v for k, v in value.items() if k not in hidden}


_MISSING = object()


def _explicit(schema: Mapping[str, Any]) -> Any:
    for key in _EXPLICIT:
        if key not in schema:
            continue
        value = schema[key]
        if key in ("examples", "enum"):
            if not isinstance(value, list) or not value:
                continue
            value = next((v for v in value if v is not None), value[0])
        return value
    return _MISSING


def _own_refs(schema: Any) -> frozenset[str]:
    """The refs a schema expands at its own level (directly or as an allOf/oneOf/anyOf part)."""
    if not isinstance(schema, Mapping):
        return frozenset()
    refs = [schema.get("$ref")]
    for key in ("allOf", "oneOf", "anyOf"):
        parts = schema.get(key)
        if isinstance(parts, list):
            refs.extend(p.get("$ref") for p in parts if isinstance(p, Mapping))
    return frozenset(r for r in refs if isinstance(r, str))


def _type_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null") if kind else None
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "multipleOf")):
        return "number"
    return "string"


def string_value(schema: Mapping[str, Any]) -> str:
    low = min(_int(schema, "minLength") or 0, MAX_STRING)
    high = _int(schema, "maxLength")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        found = matching_string(pattern, min_length=low, max_length=high)
        if found is not None:
            return found
    text = str(FORMATS.get(str(schema.get("format")), "example"))
    if len(text) < low:
        text += "x" * (low - len(text))
    return text if high is None else text[:high]


def number_value(schema: Mapping[str, Any], *, integer: bool) -> int | float:
    low, high = schema.get("minimum"), schema.get("maximum")
    low = low if isinstance(low, int | float) and not isinstance(low, bool) else None
    high = high if isinstance(high, int | float) and not isinstance(high, bool) else None
    step: float = 1 if integer else 0.5
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(exclusive_low, int | float) and not isinstance(exclusive_low, bool):
        low = max(low, exclusive_low + step) if low is not None else exclusive_low + step
    elif exclusive_low is True and low is not None:
        low += step
    if isinstance(exclusive_high, int | float) and not isinstance(exclusive_high, bool):
        high = min(high, exclusive_high - step) if high is not None else exclusive_high - step
    elif exclusive_high is True and high is not None:
        high -= step
    value: float = 1 if integer else 1.5
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and not isinstance(multiple, bool) and multiple > 0:
        value = -(-value // multiple) * multiple  # the first multiple at or above the value
        if high is not None and value > high:
            value -= multiple
    if not math.isfinite(value):  # bounds like 1e308 with multipleOf 1e-308 overflow
        value = 1 if integer else 1.5
    if integer:
        return int(-(-value // 1))
    return float(value)


def _int(schema: Mapping[str, Any], key: str) -> int | None:
    value = schema.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if key == "properties" and isinstance(merged.get(key), Mapping):
            if isinstance(value, Mapping):
                mine = merged[key]
                # A property both sides constrain must satisfy both.
                merged[key] = {**mine, **{
                    n: {"allOf": [mine[n], s]} if n in mine else s for n, s in value.items()
                }}
        elif key in _MERGED_LISTS and isinstance(merged.get(key), list):
            merged[key] = list(dict.fromkeys([*merged[key], *(value or [])]))
        elif key == "type" and key in merged:
            continue  # the first branch decides the type
        else:
            merged[key] = value
    return merged


def _distinct(value: Any, index: int) -> Any:
    if index == 0:
        return value
    if isinstance(value, bool):
        return not value if index == 1 else value
    if isinstance(value, int | float):
        return value + index
    if isinstance(value, str):
        return f"{value}{index}"
    return value
