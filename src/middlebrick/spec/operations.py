"""Building the operations model from a validated OpenAPI 2.0 or 3.x document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from middlebrick.spec.model import (
    HTTP_METHODS,
    Operation,
    Parameter,
    RequestBody,
    ResponseSpec,
)
from middlebrick.spec.parse import Lines
from middlebrick.spec.refs import escape, follow

# 2.0 parameter keywords that are JSON Schema keywords too.
_V2_SCHEMA_KEYS = (
    "type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
    "uniqueItems", "multipleOf",
)  # fmt: skip
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


class Builder:
    """Reads operations out of one document, following refs through `documents`."""

    def __init__(self, document: Mapping[str, Any], documents: Mapping[str, Any], lines: Lines):
        self.doc = document
        self.documents = documents
        self.lines = lines
        self.v2 = "swagger" in document

    def resolve(self, node: Any) -> Mapping[str, Any]:
        return follow(self.documents, node if isinstance(node, Mapping) else None, max_hops=32)

    def operations(self) -> tuple[Operation, ...]:
        found: list[Operation] = []
        for path, raw_item in _mapping(self.doc.get("paths")).items():
            item = self.resolve(raw_item)
            for method in HTTP_METHODS:
                if isinstance(item.get(method), Mapping):
                    found.append(self.operation(str(path), method, item, item[method]))
        return tuple(found)

    def operation(
        self, path: str, method: str, item: Mapping[str, Any], op: Mapping[str, Any]
    ) -> Operation:
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in [*_list(item.get("parameters")), *_list(op.get("parameters"))]:
            param = self.resolve(raw)
            if isinstance(param.get("name"), str) and isinstance(param.get("in"), str):
                merged[(param["name"], param["in"])] = param  # operation level comes last: wins
        raw_params = list(merged.values())
        if self.v2:
            parameters = [self.v2_parameter(p) for p in raw_params if p["in"] not in _V2_BODY]
            body = self.v2_body(op, raw_params)
        else:
            parameters = [self.v3_parameter(p) for p in raw_params]
            body = self.v3_body(op.get("requestBody"))
        security = op["security"] if "security" in op else self.doc.get("security")
        tags = tuple(str(tag) for tag in _list(op.get("tags")))
        return Operation(
            method=method.upper(),
            path=path,
            operation_id=_str_or_none(op.get("operationId")),
            summary=_str_or_none(op.get("summary")),
            tags=tags,
            parameters=tuple(parameters),
            request_body=body,
            responses=self.responses(op),
            security=_security(security),
            deprecated=op.get("deprecated") is True,
            pointer=f"/paths/{escape(path)}/{method}",
            line=self.lines.get((path, method)),
        )

    # -- parameters ----------------------------------------------------------------------------
    def v3_parameter(self, param: Mapping[str, Any]) -> Parameter:
        schema = param.get("schema")
        if not isinstance(schema, Mapping):
            media = _first(_mapping(param.get("content")))
            schema = _mapping(media.get("schema")) if media else {}
        has, example = self.example_of(param, schema)
        return Parameter(
            name=param["name"],
            location=param["in"],
            required=param.get("required") is True or param["in"] == "path",
            schema=schema,
            example=example,
            has_example=has,
        )

    def v2_parameter(self, param: Mapping[str, Any]) -> Parameter:
        schema = _v2_schema(param)
        has, example = ("x-example" in param), param.get("x-example")
        if not has:
            has, example = self.example_of({}, schema)
        return Parameter(
            name=param["name"],
            location=param["in"],
            required=param.get("required") is True or param["in"] == "path",
            schema=schema,
            example=example,
            has_example=has,
        )

    def example_of(self, holder: Mapping[str, Any], schema: Any) -> tuple[bool, Any]:
        """An explicit example: `example`, the first of `examples`, then the schema's."""
        if "example" in holder:
            return True, holder["example"]
        examples = _mapping(holder.get("examples"))
        if examples:
            first = self.resolve(next(iter(examples.values())))
            if "value" in first:
                return True, first["value"]
        resolved = self.resolve(schema)
        if "example" in resolved:
            return True, resolved["example"]
        listed = resolved.get("examples")
        if isinstance(listed, list) and listed:
            return True, listed[0]
        return False, None

    # -- bodies --------------------------------------------------------------------------------
    def v3_body(self, raw: Any) -> RequestBody | None:
        body = self.resolve(raw)
        content = _mapping(body.get("content"))
        if not content:
            return None
        content_type = preferred_media_type(content)
        media = _mapping(content[content_type])
        schema = _mapping(media.get("schema"))
        has, example = self.example_of(media, schema)
        return RequestBody(
            content_type=content_type,
            schema=schema,
            required=body.get("required") is True,
            example=example,
            has_example=has,
        )

    def v2_body(self, op: Mapping[str, Any], params: list[Mapping[str, Any]]) -> RequestBody | None:
        consumes = [str(c) for c in _list(op.get("consumes", self.doc.get("consumes")))]
        for param in params:
            if param["in"] == "body":
                schema = _mapping(param.get("schema"))
                has, example = self.example_of({}, schema)
                content_type = preferred_media_type(dict.fromkeys(consumes or ["application/json"]))
                return RequestBody(
                    content_type=content_type,
                    schema=schema,
                    required=param.get("required") is True,
                    example=example,
                    has_example=has,
                )
        fields = [p for p in params if p["in"] == "formData"]
        if not fields:
            return None
        multipart = any(p.get("type") == "file" for p in fields) or (
            MULTIPART in consumes and FORM not in consumes
        )
        properties = {p["name"]: _v2_schema(p) for p in fields}
        required = [p["name"] for p in fields if p.get("required") is True]
        form: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            form["required"] = required
        return RequestBody(
            content_type=MULTIPART if multipart else FORM, schema=form, required=bool(required)
        )

    # -- responses -----------------------------------------------------------------------------
    def responses(self, op: Mapping[str, Any]) -> dict[str, ResponseSpec]:
        produces = tuple(str(p) for p in _list(op.get("produces", self.doc.get("produces"))))
        found: dict[str, ResponseSpec] = {}
        for status, raw in _mapping(op.get("responses")).items():
            response = self.resolve(raw)
            if self.v2:
                schema = response.get("schema")
                found[str(status)] = ResponseSpec(
                    status=str(status),
                    content_types=produces if schema is not None else (),
                    schema=schema if isinstance(schema, Mapping) else None,
                )
                continue
            content = _mapping(response.get("content"))
            chosen = _mapping(content[preferred_media_type(content)]) if content else {}
            schema = chosen.get("schema")
            found[str(status)] = ResponseSpec(
                status=str(status),
                content_types=tuple(str(c) for c in content),
                schema=schema if isinstance(schema, Mapping) else None,
            )
        return found


_V2_BODY = frozenset({"body", "formData"})


def preferred_media_type(content: Mapping[str, Any]) -> str:
    """JSON first, then form bodies, then whatever comes first."""
    types = [str(t) for t in content]
    bases = [t.split(";")[0].strip().lower() for t in types]
    for wanted in ("application/json", "+json", "json", FORM, MULTIPART):
        for original, base in zip(types, bases, strict=True):
            if base == wanted or (wanted.startswith(("+", "j")) and base.endswith(wanted)):
                return original
    return types[0]


def _v2_schema(param: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(param.get("schema"), Mapping):
        return dict(param["schema"])
    schema = {key: param[key] for key in _V2_SCHEMA_KEYS if key in param}
    if schema.get("type") == "file":
        schema = {"type": "string", "format": "binary"}
    return schema


def _security(raw: Any) -> tuple[Mapping[str, tuple[str, ...]], ...]:
    requirements = []
    for requirement in _list(raw):
        if isinstance(requirement, Mapping):
            requirements.append(
                {str(name): tuple(str(s) for s in _list(scopes))
                 for name, scopes in requirement.items()}
            )
    return tuple(requirements)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _first(mapping: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for value in mapping.values():
        return _mapping(value)
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
