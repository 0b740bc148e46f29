"""A real response against what its operation declares: status, media type, schema, fields.

Pure functions over the operations model and a response body; the conformance checks
(`checks/conformance.py`) feed them the exchanges a scan saw. Messages never quote response
values (they may be secrets): they name the place and the declared rule that failed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from middlebrick.audit.dialect import TooComplex, Translator
from middlebrick.spec.model import ApiSpec, Operation, ResponseSpec

MAX_ERRORS = 50
MAX_ARRAY_ITEMS = 50  # elements of one array whose fields are compared with the schema
MAX_DEPTH = 16
# Reported as undeclared fields, not as schema violations.
UNDECLARED_KEYWORDS = frozenset({"additionalProperties", "unevaluatedProperties"})
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
               int: "an integer", float: "a number", type(None): "null"}


def declared_response(op: Operation, status: int) -> ResponseSpec | None:
    """The response the document declares for this status: exact, then `4XX`, then `default`."""
    exact = op.responses.get(str(status))
    if exact is not None:
        return exact
    for key, response in op.responses.items():
        if key.upper() == f"{str(status)[0]}XX":
            return response
    return op.responses.get("default")


def media_matches(actual: str, declared: Iterable[str]) -> bool:
    """Is the response's media type one of the declared ones (wildcards allowed)?"""
    actual = actual.split(";")[0].strip().lower()
    for entry in declared:
        wanted = entry.split(";")[0].strip().lower()
        kind, _, sub = wanted.partition("/")
        if wanted in (actual, "*/*") or (sub == "*" and actual.startswith(kind + "/")):
            return True
    return False


def is_json(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


class ResponseValidator:
    """Validates bodies against one spec's response schemas (translated once each)."""

    def __init__(self, spec: ApiSpec) -> None:
        self.translator = Translator(spec, response=True)
        self._cache: dict[int, tuple[Mapping[str, Any], dict[str, Any] | None]] = {}

    def schema(self, schema: Mapping[str, Any]) -> dict[str, Any] | None:
        """The translated schema, or None when it cannot be used."""
        cached = self._cache.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        try:
            translated: dict[str, Any] | None = self.translator.translate(schema)
            Draft202012Validator.check_schema(translated)
        except (TooComplex, Exception):  # an invalid schema is the document's problem, not ours
            translated = None
        self._cache[id(schema)] = (schema, translated)
        return translated

    def violations(self, schema: Mapping[str, Any], body: Any, limit: int = 3) -> list[str]:
        """Up to `limit` descriptions of how `body` breaks `schema` (undeclared fields aside)."""
        translated = self.schema(schema)
        if translated is None:
            return []
        try:
            errors = list(itertools.islice(
                Draft202012Validator(translated).iter_errors(body), MAX_ERRORS
            ))  # fmt: skip
        except (RecursionError, re.error):
            return []
        kept = [e for e in errors if e.validator not in UNDECLARED_KEYWORDS]
        kept.sort(key=lambda e: (len(e.absolute_path), str(list(e.absolute_path))))
        return [f"{where(e.absolute_path)} {_describe(e)}" for e in kept[:limit]]

    def undeclared(self, schema: Mapping[str, Any], body: Any) -> list[str]:
        """Paths of fields in `body` that the schema does not declare, e.g. `users[].hash`."""
        translated = self.schema(schema)
        if translated is None:
            return []
        found: dict[str, None] = {}
        _Fields(translated, found).visit(translated, body, "", 0)
        return list(found)


def where(path: Iterable[Any]) -> str:
    """`$.users[0].price` as people read it: `users[0].price`, or "the body"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f"`{text}`" if text else "the body"


def _describe(error: ValidationError) -> str:
    kind, value = error.validator, error.validator_value
    if kind == "type":
        shown = value if isinstance(value, str) else " or ".join(map(str, value))
        return f"is {_JSON_TYPES.get(type(error.instance), 'a value')}, declared {shown}"
    if kind == "required" and isinstance(error.instance, Mapping):
        missing = [str(p) for p in value if p not in error.instance]
        return f"lacks the required property `{missing[0] if missing else '?'}`"
    if kind in ("enum", "const"):
        return "is not one of the declared values"
    if kind in ("oneOf", "anyOf"):
        return "matches none (or, for oneOf, more than one) of the declared alternatives"
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return f"breaks `{kind}: {value}`"
    return f"breaks `{kind}`"


class _Fields:
    """Walks a body alongside its (translated) schema, collecting undeclared field paths."""

    def __init__(self, root: Mapping[str, Any], found: dict[str, None]) -> None:
        defs = root.get("$defs")
        self.defs: Mapping[str, Any] = defs if isinstance(defs, Mapping) else {}
        self.found = found
        self.budget = 5_000

    def resolve(self, schema: Any) -> Mapping[str, Any]:
        for _ in range(32):
            if not isinstance(schema, Mapping):
                return {}
            ref = schema.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
                return schema
            target = self.defs.get(ref.removeprefix("#/$defs/"))
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if isinstance(target, Mapping) and rest else target
        return {}

    def shape(self, schema: Any) -> tuple[dict[str, Any], list[tuple[str, Any]], Any, bool, Any]:
        """Properties, pattern properties, additionalProperties, described?, items — merged."""
        props: dict[str, Any] = {}
        patterns: list[tuple[str, Any]] = []
        extra: Any = None
        items: Any = None
        described = False
        stack, seen = [schema], 0
        while stack and seen < 64:
            node = self.resolve(stack.pop())
            seen += 1
            for name, sub in (node.get("properties") or {}).items():
                props.setdefault(name, sub)
                described = True
            found = list((node.get("patternProperties") or {}).items())
            patterns += found
            described = described or bool(found)
            if "additionalProperties" in node:
                extra = node["additionalProperties"] if extra in (None, False) else extra
                described = True
            if items is None and "items" in node:
                items = node["items"]
            for keyword in ("allOf", "anyOf", "oneOf"):
                stack.extend(node.get(keyword) or [])
        return props, patterns, extra, described, items

    def visit(self, schema: Any, value: Any, path: str, depth: int) -> None:
        self.budget -= 1
        if depth > MAX_DEPTH or self.budget < 0:
            return
        props, patterns, extra, described, items = self.shape(schema)
        if isinstance(value, Mapping):
            if not described:
                return  # a free-form object: the document does not list its fields
            for key, sub in value.items():
                child = f"{path}.{key}" if path else str(key)
                declared = props.get(key)
                if declared is None:
                    declared = next((s for p, s in patterns if _search(p, str(key))), None)
                if declared is None and isinstance(extra, Mapping):
                    declared = extra  # a map: any key, values of one schema
                if declared is not None:
                    self.visit(declared, sub, child, depth + 1)
                elif extra is not True:
                    self.found.setdefault(child, None)
        elif isinstance(value, list) and items is not None:
            for element in value[:MAX_ARRAY_ITEMS]:
                self.visit(items, element, f"{path}[]", depth + 1)


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False
