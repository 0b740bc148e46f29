"""Request generation: values valid for their schemas, plans with learned ids, recursion."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from middlebrick.spec.generate import example_value, plan_request
from middlebrick.spec.ids import IdStore
from middlebrick.spec.load import load_spec, parse_spec
from middlebrick.spec.model import ApiSpec
from middlebrick.spec.patterns import matching_string

EMPTY = ApiSpec(source="mem", version="3.1.0", document={}, operations=())
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER


def valid(schema: dict[str, Any], value: Any) -> bool:
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    return validator.is_valid(value)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "format": "uuid"}, "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        ({"type": "string", "format": "email"}, "user@example.com"),
        ({"type": "string", "format": "date"}, "2024-01-01"),
        ({"type": "string", "format": "date-time"}, "2024-01-01T00:00:00Z"),
        ({"type": "string", "format": "uri"}, "https://example.com/"),
        ({"type": "string", "format": "ipv4"}, "192.0.2.1"),
        ({"type": "string", "format": "byte"}, "ZXhhbXBsZQ=="),
        ({"type": "integer", "format": "int64"}, 1),
        ({"type": "integer", "minimum": 10, "maximum": 20}, 10),
        ({"type": "integer", "maximum": -3}, -3),
        ({"type": "integer", "minimum": 0, "exclusiveMinimum": True}, 1),
        ({"type": "integer", "exclusiveMinimum": 7}, 8),
        ({"type": "integer", "minimum": 5, "multipleOf": 4}, 8),
        ({"type": "number", "minimum": 2}, 2.0),
        ({"type": "boolean"}, True),
        ({"type": "string", "minLength": 10}, "examplexxx"),
        ({"type": "string", "maxLength": 3}, "exa"),
        ({"type": "string", "pattern": "^[A-Z]{2}-\\d{3}$"}, "AA-111"),
        ({"type": "string", "enum": ["b", "a"]}, "b"),
        ({"type": "string", "example": "given"}, "given"),
        ({"type": "string", "examples": ["listed"]}, "listed"),
        ({"type": "integer", "default": 42}, 42),
        ({"const": "fixed"}, "fixed"),
        ({"type": ["null", "integer"]}, 1),
        ({"type": "array", "items": {"type": "string"}, "minItems": 2},
         ["example", "example"]),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 2, "uniqueItems": True},
         [1, 2]),
        ({"oneOf": [{"type": "null"}, {"type": "integer"}]}, 1),
        ({"anyOf": [{"type": "string", "format": "date"}, {"type": "integer"}]}, "2024-01-01"),
        ({}, "example"),
    ],
)
def test_example_values(schema: dict[str, Any], expected: Any) -> None:
    assert example_value(EMPTY, schema) == expected


@pytest.mark.parametrize("schema", [
    {"type": "string", "minLength": 10**9},
    {"type": "array", "minItems": 10**9, "items": {"type": "string", "minLength": 10**6}},
    {"type": "object", "minProperties": 10**9},
    {"type": "integer", "minimum": 1e308, "multipleOf": 1e-308},
    {"type": "number", "exclusiveMinimum": 1e308, "maximum": 1e308, "multipleOf": 1e-300},
])
def test_hostile_bounds_give_a_small_value_not_a_gigabyte(schema: dict[str, Any]) -> None:
    # A discovered document is the target's to write: it must not exhaust the scanner.
    value = example_value(EMPTY, schema)
    assert len(json.dumps(value)) < 10 * 1024 * 1024


def test_objects_required_optional_and_read_only() -> None:
    schema = {
        "type": "object",
        "required": ["name", "id"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "name": {"type": "string"},
            "note": {"type": "string"},
        },
    }
    assert example_value(EMPTY, schema) == {"name": "example", "note": "example"}
    assert example_value(EMPTY, schema, include_optional=False) == {"name": "example"}
    responses = example_value(EMPTY, schema, for_request=False)
    assert responses == {"id": 1, "name": "example", "note": "example"}


def test_all_of_is_merged() -> None:
    schema = {"allOf": [
        {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
        {"required": ["b"], "properties": {"b": {"type": "string", "format": "email"}}},
    ]}
    assert example_value(EMPTY, schema, include_optional=False) == {"a": 1,
                                                                    "b": "user@example.com"}


def test_patterns() -> None:
    patterns = [r"^\d+$", r"^[a-z0-9_-]{3,8}$", r"^(foo|bar)\.[A-F]{2}$", r"x[^a]y", r"\w+@\w+"]
    for pattern in patterns:
        text = matching_string(pattern)
        assert text is not None and re.search(pattern, text), pattern
    assert matching_string(r"(a)\1") is None  # back-references: give up, the caller falls back
    assert example_value(EMPTY, {"type": "string", "pattern": r"(a)\1"}) == "example"


def test_recursive_schema_terminates_with_a_valid_value(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "recursive.yaml"))
    op = spec.operations[0]
    assert op.request_body is not None
    plan = plan_request(spec, op)
    node = plan.json
    assert node["name"] == "example" and node["children"][0]["children"] == []
    # Validate against the document itself, refs and all.
    uri = next(iter(spec.documents))
    registry: Registry[Any] = Registry().with_resource(
        uri, Resource.from_contents(spec.documents[uri], default_specification=DRAFT4)
    )
    validator = Draft4Validator(dict(op.request_body.schema), registry=registry)
    assert list(validator.iter_errors(node)) == []


def test_self_referencing_all_of_terminates() -> None:
    ref = "file:///mem.json#/Loop"
    documents = {"file:///mem.json": {"Loop": {"allOf": [{"$ref": ref}, {"type": "integer"}]}}}
    spec = ApiSpec(source="mem", version="3.0.3", document={}, operations=(),
                   documents=documents)
    assert example_value(spec, {"$ref": ref}) == 1


def test_refs_across_documents(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "multi" / "main.yaml"))
    create = spec.operation("POST", "/things")
    assert create is not None
    plan = plan_request(spec, create)
    assert plan.json == {"label": "aaa-00", "tag": "red"}


# -- plans ----------------------------------------------------------------------------------------
def test_plan_includes_base_path_headers_and_body(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "api_v30.yaml"))
    get_item = spec.operation("GET", "/items/{item_id}")
    assert get_item is not None
    plan = plan_request(spec, get_item)
    assert plan.path == "/api/v1/items/example"
    assert plan.path_values == {"item_id": "example"} and plan.unfilled == ("item_id",)
    assert plan.headers == {"X-Trace": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}
    assert plan.method == "GET" and plan.json is None and plan.form is None

    create = spec.operation("POST", "/items")
    assert create is not None
    plan = plan_request(spec, create)
    assert plan.content_type == "application/json"
    assert "id" not in plan.json  # readOnly
    item = spec.resolve(create.request_body.schema if create.request_body else None)
    request_schema = {**item, "required": ["name"]}
    assert valid(request_schema, plan.json)
    assert plan_request(spec, create, include_optional=False).json == {"name": "example"}


def test_plan_query_defaults_and_examples(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "api_v30.yaml"))
    listing = spec.operation("GET", "/items")
    assert listing is not None
    assert plan_request(spec, listing).query == {"q": "ab", "page": 1}
    # Without optional fields, those the document gives a value (example, default) still go.
    assert plan_request(spec, listing, include_optional=False).query == {"q": "ab", "page": 1}
    assert plan_request(spec, listing, omit={"page"}).query == {"q": "ab"}


def test_overrides_replace_params_and_body_properties(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "api_v30.yaml"))
    create = spec.operation("POST", "/items")
    get_item = spec.operation("GET", "/items/{item_id}")
    assert create is not None and get_item is not None
    plan = plan_request(spec, create, overrides={"name": "mine", "is_admin": True})
    assert plan.json["name"] == "mine" and plan.json["is_admin"] is True
    plan = plan_request(spec, get_item, overrides={"item_id": "a/b c", "X-Trace": "t"})
    assert plan.path == "/api/v1/items/a%2Fb%20c"
    assert plan.path_values == {"item_id": "a/b c"} and plan.unfilled == ()
    assert plan.headers["X-Trace"] == "t"


def test_form_bodies(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "petstore_v2.json"))
    login = spec.operation("POST", "/login")
    assert login is not None
    plan = plan_request(spec, login)
    assert plan.json is None
    assert plan.form == {"username": "example", "password": "Example-Passw0rd"}
    assert plan.content_type == "application/x-www-form-urlencoded"
    assert plan.path == "/v1/login"


def test_vendor_json_types_set_the_content_type(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "api_v31.yaml"))
    patch = spec.operation("PATCH", "/users/{userId}")
    assert patch is not None
    plan = plan_request(spec, patch)
    assert plan.headers["Content-Type"] == "application/merge-patch+json"
    assert plan.json == {"email": "user@example.com", "nickname": "neo", "age": 18}


def test_path_parameter_comes_from_a_learned_list() -> None:
    doc = {
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {
            "/orders": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/orders/{order_id}": {"get": {
                "parameters": [{"name": "order_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}}}},
        },
    }
    spec = parse_spec(json.dumps(doc), source="mem.json")
    listing, item = spec.operations
    ids = IdStore()
    assert ids.learn(listing, "/orders", [{"id": "o-7", "total": 3}]) == ["o-7"]
    plan = plan_request(spec, item, ids)
    assert plan.path == "/orders/o-7"
    assert plan.path_values == {"order_id": "o-7"} and plan.unfilled == ()


def test_plans_are_deterministic(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "api_v30.yaml"))
    for op in spec.operations:
        assert plan_request(spec, op) == plan_request(spec, op)


# -- property: generated values are valid ---------------------------------------------------------
_PATTERNS = [r"^[a-z]+$", r"^\d{4}-\d{2}$", r"^(ab|cd)[0-9]*$", r"[A-Z]", r"^[^\s]{2,5}$"]


def _strings() -> st.SearchStrategy[dict[str, Any]]:
    formats = st.sampled_from(["uuid", "email", "date", "date-time", "ipv4", "uri", "byte"])
    lengths = st.tuples(st.integers(0, 12), st.integers(0, 12)).map(sorted)
    return st.one_of(
        formats.map(lambda f: {"type": "string", "format": f}),
        lengths.map(lambda ls: {"type": "string", "minLength": ls[0], "maxLength": ls[1]}),
        st.sampled_from(_PATTERNS).map(lambda p: {"type": "string", "pattern": p}),
        st.lists(st.text(max_size=5), min_size=1, max_size=3, unique=True).map(
            lambda e: {"type": "string", "enum": e}
        ),
    )


def _numbers() -> st.SearchStrategy[dict[str, Any]]:
    def build(kind: str, low: int, span: int, step: int, exclusive: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": kind}
        if exclusive:
            schema.update(exclusiveMinimum=low, exclusiveMaximum=low + span + 2 * step + 2)
        else:
            schema.update(minimum=low, maximum=low + span + step)
        if kind == "integer":
            schema["multipleOf"] = step
        return schema

    return st.builds(build, st.sampled_from(["integer", "number"]), st.integers(-50, 50),
                     st.integers(0, 20), st.integers(1, 5), st.booleans())


def _scalars() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(_strings(), _numbers(), st.just({"type": "boolean"}),
                     st.just({"type": ["string", "null"]}))


def _schemas() -> st.SearchStrategy[dict[str, Any]]:
    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        def objects_named(pool: list[str]) -> st.SearchStrategy[dict[str, Any]]:
            return st.dictionaries(st.sampled_from(pool), inner, min_size=1, max_size=3).flatmap(
                lambda props: st.lists(st.sampled_from(sorted(props)), unique=True).map(
                    lambda req: {"type": "object", "properties": props, "required": req}
                )
            )

        objects = objects_named(["a", "b", "c", "d"])
        arrays = st.builds(
            lambda items, low, extra: {"type": "array", "items": items, "minItems": low,
                                       "maxItems": low + extra},
            inner, st.integers(0, 3), st.integers(0, 2),
        )
        # allOf parts describe different properties, as real documents do.
        combos = st.tuples(objects_named(["a", "b"]), objects_named(["c", "d"])).map(
            lambda parts: {"allOf": list(parts)}
        )
        choices = st.lists(inner, min_size=1, max_size=2).map(lambda parts: {"anyOf": parts})
        return st.one_of(objects, arrays, combos, choices)

    return st.recursive(_scalars(), extend, max_leaves=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_schemas(), st.booleans())
def test_generated_values_validate(schema: dict[str, Any], include_optional: bool) -> None:
    value = example_value(EMPTY, schema, include_optional=include_optional)
    assert valid(schema, value), (schema, value)
