"""Planning a valid request for an operation: concrete path, query, headers and body.

Values come from the schema (explicit examples first) and, for path parameters, from ids the
scan has learned, so a request reaches a real object. Output is deterministic: a scan repeats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from middlebrick.spec.ids import IdStore
from middlebrick.spec.model import ApiSpec, Operation, Parameter
from middlebrick.spec.values import ValueMaker

__all__ = ["RequestPlan", "example_value", "plan_request"]

# Per OpenAPI, these header "parameters" are ignored: the media types and security decide them.
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_TEMPLATE_NAME = re.compile(r"\{([^{}/]+)\}")
_PATH_SAFE = "-._~!$&'()*+,;=:@"  # RFC 3986 pchar: everything else is percent-encoded
_ID_PROPERTY = re.compile(r"(?:_id|Id|_uuid|Uuid)$")
_EXPLICIT = ("const", "example", "examples", "default", "enum")


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestPlan:
    """One concrete request for an operation; `path` already includes the spec's base path."""

    operation: Operation
    method: str
    path: str
    path_values: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    form: Mapping[str, Any] | None = None
    content_type: str | None = None
    # Path parameters no learned id existed for, so a made-up value stands in.
    unfilled: tuple[str, ...] = ()


def example_value(
    spec: ApiSpec,
    schema: Mapping[str, Any] | None,
    *,
    depth: int = 0,
    include_optional: bool = True,
    for_request: bool = True,
) -> Any:
    """A deterministic value valid for `schema` (explicit examples win)."""
    maker = ValueMaker(spec, include_optional=include_optional, for_request=for_request)
    return maker.value(schema, depth)


def plan_request(
    spec: ApiSpec,
    op: Operation,
    ids: IdStore | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    include_optional: bool = True,
    identity: str | None = None,
    omit: Collection[str] = (),
) -> RequestPlan:
    """A valid request for `op`; `overrides` (by parameter or body property name) win.

    Without `include_optional`, optional parameters are sent only when the document gives them
    a value (example, default, enum): a made-up cursor or filter often turns a good request bad.
    `identity` prefers ids that user saw, so a request reaches that user's own objects.
    `omit` names optional parameters to leave out.
    """
    overrides = dict(overrides or {})
    maker = ValueMaker(spec, include_optional=include_optional)
    declared = {p.name for p in op.parameters if p.location == "path"}
    path_params = [p for p in op.parameters if p.location == "path"] + [
        Parameter(name=name, location="path", required=True)
        for name in _TEMPLATE_NAME.findall(op.path)
        if name not in declared
    ]
    path_values: dict[str, str] = {}
    unfilled: list[str] = []
    for param in path_params:
        if param.name in overrides:
            path_values[param.name] = _text(overrides[param.name])
            continue
        learned = _learned(ids, op, param, identity)
        if learned:
            path_values[param.name] = learned[0]
        else:
            path_values[param.name] = _text(_param_value(maker, param))
            unfilled.append(param.name)
    path = _TEMPLATE_NAME.sub(
        lambda m: quote(path_values.get(m.group(1), m.group(0)), safe=_PATH_SAFE), op.path
    )

    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    for param in op.parameters:
        if param.location == "path":
            continue
        if param.location == "header" and param.name.lower() in IGNORED_HEADERS:
            continue
        if param.name in overrides:
            value = overrides[param.name]
        elif param.name in omit and not param.required:
            continue
        elif param.required or include_optional or _documented(spec, param):
            value = _param_value(maker, param)
        else:
            continue
        if param.location == "query":
            query.update(_query_entries(param, value))
        elif param.location == "header":
            headers[param.name] = _text(value)
        elif param.location == "cookie":
            cookies[param.name] = _text(value)

    used = {p.name for p in path_params} | {p.name for p in op.parameters}
    body_overrides = {k: v for k, v in overrides.items() if k not in used}
    json_body, form, content_type = _body(maker, op, body_overrides, include_optional, headers)
    if ids is not None:
        json_body = _with_learned_ids(json_body, ids, op, identity, body_overrides)
        form = _with_learned_ids(form, ids, op, identity, body_overrides)
    return RequestPlan(
        operation=op,
        method=op.method,
        path=spec.base_path + path,
        path_values=path_values,
        query=query,
        headers=headers,
        cookies=cookies,
        json=json_body,
        form=form,
        content_type=content_type,
        unfilled=tuple(unfilled),
    )


def _body(
    maker: ValueMaker,
    op: Operation,
    overrides: dict[str, Any],
    include_optional: bool,
    headers: dict[str, str],
) -> tuple[Any, dict[str, Any] | None, str | None]:
    body = op.request_body
    if body is None or not (body.required or include_optional or overrides):
        return None, None, None
    if body.has_example:
        value = maker.without_hidden(maker.flatten(body.schema), body.example)
    else:
        value = maker.value(body.schema)
    if isinstance(value, dict):
        value = {**value, **overrides}
    elif value is None and overrides:
        value = dict(overrides)
    base = body.content_type.split(";")[0].strip().lower()
    if base in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields = value if isinstance(value, dict) else {}
        return None, {k: _form_field(v) for k, v in fields.items()}, body.content_type
    if "json" in base or base == "*/*":
        if base not in ("application/json", "*/*"):
            headers.setdefault("Content-Type", body.content_type)
        return value, None, body.content_type
    return None, None, body.content_type  # XML, text, binary: no body is generated


def _learned(ids: IdStore | None, op: Operation, param: Parameter, who: str | None) -> list[str]:
    if ids is None:
        return []
    if who is not None:
        own = ids.candidates(op, param, identity=who)
        if own:
            return own
    return ids.candidates(op, param)


def _documented(spec: ApiSpec, param: Parameter) -> bool:
    schema = spec.resolve(param.schema)
    return param.has_example or any(key in schema for key in _EXPLICIT)


def _with_learned_ids(
    body: Any, ids: IdStore, op: Operation, who: str | None, overrides: Mapping[str, Any]
) -> Any:
    # A body that points at another object (`product_id`) needs a real one to get past a 404.
    if not isinstance(body, dict):
        return body
    out = dict(body)
    for key in body:
        if key in overrides or not _ID_PROPERTY.search(str(key)):
            continue
        learned = _learned(ids, op, Parameter(name=str(key), location="path"), who)
        if learned:
            out[key] = learned[0]
    return out


def _param_value(maker: ValueMaker, param: Parameter) -> Any:
    if param.has_example:
        return param.example
    return maker.value(param.schema)


def _query_entries(param: Parameter, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        # The default style (form, exploded): each property is its own query parameter.
        return {str(k): _scalar(v) for k, v in value.items()}
    if isinstance(value, list):
        return {param.name: [_scalar(v) for v in value]}
    return {param.name: _scalar(value)}


def _scalar(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return value


def _form_field(value: Any) -> Any:
    if isinstance(value, list):
        return [_scalar(v) for v in value]
    return _scalar(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
