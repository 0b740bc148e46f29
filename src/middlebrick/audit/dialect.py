"""OpenAPI schemas as plain JSON Schema 2020-12, so `jsonschema` can validate real responses.

2.0 and 3.0 schemas are a dialect: `nullable`/`x-nullable`, boolean `exclusiveMinimum`,
`$ref` siblings ignored, `type: file`. 3.1 schemas are JSON Schema already. Every `$ref`
(absolute after loading, possibly into another document) becomes a local `#/$defs/dN`, each
target translated once, so recursive schemas stay finite.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from middlebrick.spec.model import ApiSpec
from middlebrick.spec.refs import lookup

MAX_NODES = 20_000
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONE = (
    "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
    "unevaluatedItems", "unevaluatedProperties", "contentSchema",
)  # fmt: skip
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# Identity keywords would move the base URI the rewritten `#/$defs/...` refs resolve against.
_DROPPED = frozenset({"$id", "$schema", "$anchor", "$dynamicAnchor", "$dynamicRef",
                      "$comment", "nullable", "x-nullable", "discriminator", "xml"})


class TooComplex(Exception):
    """The schema is too large or deep to translate; callers skip validation."""


class Translator:
    """Translates one spec's schemas; `response=True` drops writeOnly properties from `required`."""

    def __init__(self, spec: ApiSpec, *, response: bool = True) -> None:
        self.spec = spec
        self.documents: Mapping[str, Any] = spec.documents or {"": spec.document}
        self.legacy = spec.version == "2.0" or spec.version.startswith("3.0")
        self.response = response

    def translate(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """A self-contained JSON Schema 2020-12 document for `schema` (raises TooComplex)."""
        self._defs: dict[str, Any] = {}
        self._names: dict[str, str] = {}
        self._count = 0
        try:
            root = self._schema(schema)
        except RecursionError:
            raise TooComplex("the schema nests too deeply") from None
        if self._defs:
            root = {**root, "$defs": self._defs} if isinstance(root, dict) else root
        return root if isinstance(root, dict) else {}

    def _schema(self, node: Any) -> Any:
        if not isinstance(node, Mapping):
            return node  # a boolean schema (3.1), or garbage the validator will ignore
        self._count += 1
        if self._count > MAX_NODES:
            raise TooComplex("the schema is too large")
        ref = node.get("$ref")
        if isinstance(ref, str):
            local = {"$ref": f"#/$defs/{self._define(ref)}"}
            if self.legacy:
                return local  # 2.0 / 3.0: siblings of $ref are ignored
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**self._schema(rest), **local} if rest else local
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED or (isinstance(key, str) and key.startswith("x-")):
                continue
            if key in _SCHEMA_MAPS and isinstance(value, Mapping):
                out[key] = {str(k): self._schema(v) for k, v in value.items()}
            elif key in _SCHEMA_ONE:
                out[key] = self._schema(value)
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self._schema(v) for v in value]
            elif key == "items":
                if isinstance(value, list):  # draft-4 tuple form
                    out["prefixItems"] = [self._schema(v) for v in value]
                else:
                    out["items"] = self._schema(value)
            elif key == "additionalItems":
                if isinstance(node.get("items"), list):
                    out["items"] = self._schema(value)
            else:
                out[key] = value
        if self.legacy:
            _legacy(node, out)
        if self.response and isinstance(out.get("required"), list):
            hidden = self._write_only(node)
            out["required"] = [r for r in out["required"] if r not in hidden]
        return out

    def _define(self, ref: str) -> str:
        name = self._names.get(ref)
        if name is None:
            name = self._names[ref] = f"d{len(self._names)}"
            self._defs[name] = {}  # placeholder: a recursive ref finds the name already taken
            target = lookup(self.documents, ref)
            self._defs[name] = self._schema(target) if isinstance(target, Mapping) else {}
        return name

    def _write_only(self, node: Mapping[str, Any]) -> set[str]:
        props = node.get("properties")
        if not isinstance(props, Mapping):
            return set()
        hidden = set()
        for name, prop in props.items():
            resolved = self.spec.resolve(prop) if isinstance(prop, Mapping) else {}
            if resolved.get("writeOnly") is True or (
                isinstance(prop, Mapping) and prop.get("writeOnly") is True
            ):
                hidden.add(str(name))
        return hidden


def _legacy(node: Mapping[str, Any], out: dict[str, Any]) -> None:
    """2.0 / 3.0 specifics, in place: exclusive bounds, `file`, nullable."""
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(exclusive)
        if isinstance(flag, bool):
            del out[exclusive]
            if flag and bound in out:
                out[exclusive] = out.pop(bound)
    if out.get("type") == "file":
        del out["type"]
    if node.get("nullable") is True or node.get("x-nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
            if isinstance(out.get("enum"), list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        elif kind is None:
            inner = dict(out)
            out.clear()
            out["anyOf"] = [inner, {"type": "null"}]
