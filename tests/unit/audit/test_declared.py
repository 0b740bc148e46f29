"""Response bodies against declared schemas: the 2.0/3.0/3.1 dialects, refs, undeclared fields."""

from __future__ import annotations

from typing import Any

from middlebrick.audit.declared import (
    ResponseValidator,
    declared_response,
    media_matches,
    where,
)
from middlebrick.spec.load import parse_spec
from middlebrick.spec.model import ApiSpec, Operation, ResponseSpec


def spec_of(version: str, schemas: dict[str, Any]) -> ApiSpec:
    import json

    key = "swagger" if version == "2.0" else "openapi"
    holder = {"definitions": schemas} if version == "2.0" else {"components": {"schemas": schemas}}
    document = {key: version, "info": {"title": "t", "version": "1"}, "paths": {}, **holder}
    return parse_spec(json.dumps(document), source="/tmp/declared-test.json")


def ref(version: str, name: str) -> dict[str, str]:
    where_ = "definitions" if version == "2.0" else "components/schemas"
    return {"$ref": f"file:///tmp/declared-test.json#/{where_}/{name}"}


def test_nullable_in_30_and_type_lists_in_31():
    v30 = spec_of("3.0.3", {"A": {"type": "object", "properties": {
        "x": {"type": "string", "nullable": True},
        "y": {"type": "string", "enum": ["a"], "nullable": True}}}})
    check30 = ResponseValidator(v30)
    assert check30.violations(ref("3.0.3", "A"), {"x": None, "y": None}) == []
    assert check30.violations(ref("3.0.3", "A"), {"x": 3}) == ["`x` is an integer, declared "
                                                               "string or null"]
    v31 = spec_of("3.1.0", {"A": {"type": "object", "properties": {
        "x": {"type": ["string", "null"]}}}})
    check31 = ResponseValidator(v31)
    assert check31.violations(ref("3.1.0", "A"), {"x": None}) == []
    assert check31.violations(ref("3.1.0", "A"), {"x": False})
    # 3.0's nullable means nothing in 3.1: null is refused there.
    plain31 = spec_of("3.1.0", {"A": {"type": "string", "nullable": True}})
    assert ResponseValidator(plain31).violations(ref("3.1.0", "A"), None)


def test_swagger_x_nullable_and_boolean_exclusive_bounds():
    v2 = spec_of("2.0", {"E": {"type": "object", "required": ["n"], "properties": {
        "n": {"type": "integer", "maximum": 10, "exclusiveMaximum": True},
        "at": {"type": "string", "x-nullable": True}}}})
    check = ResponseValidator(v2)
    assert check.violations(ref("2.0", "E"), {"n": 9, "at": None}) == []
    assert check.violations(ref("2.0", "E"), {"n": 10}) == ["`n` breaks `exclusiveMaximum: 10`"]
    assert check.violations(ref("2.0", "E"), {}) == ["the body lacks the required property `n`"]


def test_recursive_refs_validate_and_finish():
    spec = spec_of("3.0.3", {"Node": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}})
    check = ResponseValidator(spec)
    tree = {"name": "a", "children": [{"name": "b", "children": [{"name": 1}]}]}
    assert check.violations(ref("3.0.3", "Node"), tree) == [
        "`children[0].children[0].name` is an integer, declared string"
    ]
    assert check.undeclared(ref("3.0.3", "Node"), {"name": "a", "children": [{"name": "b",
                                                                           "secret": 1}]}) == [
        "children[].secret"
    ]


def test_write_only_properties_are_not_required_in_responses():
    spec = spec_of("3.0.3", {"U": {"type": "object", "required": ["name", "password"],
                                   "properties": {"name": {"type": "string"},
                                                  "password": {"type": "string",
                                                               "writeOnly": True}}}})
    assert ResponseValidator(spec).violations(ref("3.0.3", "U"), {"name": "a"}) == []


def test_undeclared_fields_respect_compositions_maps_and_patterns():
    spec = spec_of("3.1.0", {
        "Base": {"type": "object", "properties": {"id": {"type": "string"}}},
        "Item": {"allOf": [{"$ref": "#/components/schemas/Base"},
                           {"type": "object", "properties": {
                               "labels": {"type": "object",
                                          "additionalProperties": {"type": "string"}},
                               "meta": {"type": "object"},
                               "ext": {"type": "object", "patternProperties": {
                                   "^x-": {"type": "string"}}}}}]},
    })
    body = {"id": "1", "labels": {"any": "thing"}, "meta": {"free": "form"},
            "ext": {"x-a": "ok", "other": 1}, "password_hash": "h"}
    check = ResponseValidator(spec)
    assert sorted(check.undeclared(ref("3.1.0", "Item"), body)) == ["ext.other", "password_hash"]
    # Undeclared fields are not schema violations too.
    assert check.violations(ref("3.1.0", "Item"), body) == []


def test_explicitly_open_objects_declare_any_field():
    spec = spec_of("3.0.3", {"O": {"type": "object", "additionalProperties": True,
                                   "properties": {"a": {"type": "string"}}},
                             "C": {"type": "object", "additionalProperties": False,
                                   "properties": {"a": {"type": "string"}}}})
    check = ResponseValidator(spec)
    assert check.undeclared(ref("3.0.3", "O"), {"a": "1", "b": 2}) == []
    assert check.undeclared(ref("3.0.3", "C"), {"a": "1", "b": 2}) == ["b"]
    assert check.violations(ref("3.0.3", "C"), {"a": "1", "b": 2}) == []


def test_messages_never_quote_response_values():
    spec = spec_of("3.1.0", {"T": {"type": "object", "properties": {
        "n": {"type": "integer"}, "s": {"enum": ["a"]}, "p": {"type": "string",
                                                           "pattern": "^[a-z]+$"}}}})
    problems = ResponseValidator(spec).violations(
        ref("3.1.0", "T"), {"n": "hunter2-secret", "s": "hunter2-secret", "p": "hunter2-SECRET"}
    )
    assert len(problems) == 3
    assert not any("hunter2" in p for p in problems)


def test_response_matching_exact_range_then_default():
    op = Operation(method="GET", path="/x", responses={
        "200": ResponseSpec(status="200"), "4XX": ResponseSpec(status="4XX"),
    })
    assert declared_response(op, 200) is op.responses["200"]
    assert declared_response(op, 404) is op.responses["4XX"]
    assert declared_response(op, 500) is None
    with_default = Operation(method="GET", path="/x",
                             responses={"default": ResponseSpec(status="default")})
    assert declared_response(with_default, 503) is with_default.responses["default"]


def test_media_types_match_with_parameters_and_wildcards():
    assert media_matches("application/json; charset=utf-8", ["application/json"])
    assert media_matches("application/problem+json", ["application/*"])
    assert media_matches("text/html", ["*/*"])
    assert not media_matches("text/html", ["application/json"])
    assert not media_matches("application/problem+json", ["application/json"])
    assert not media_matches("", ["application/json"])


def test_where_reads_like_a_path():
    assert where(["users", 0, "price"]) == "`users[0].price`"
    assert where([]) == "the body"
