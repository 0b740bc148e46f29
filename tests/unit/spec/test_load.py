"""Loading 2.0, 3.0 and 3.1 documents into the operations model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from middlebrick.errors import SpecError
from middlebrick.spec.load import NotOpenApiError, load_spec, parse_spec


def minimal(**extra: object) -> dict[str, object]:
    ok = {"200": {"description": "ok"}}
    doc: dict[str, object] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                              "paths": {"/": {"get": {"responses": ok}}}}
    doc.update(extra)
    return doc


def test_swagger_2_operations(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "petstore_v2.json"))
    assert spec.version == "2.0"
    assert spec.base_path == "/v1"
    assert spec.servers == ("https://pets.example.com/v1",)
    assert spec.security_schemes["api_key"]["in"] == "header"
    assert [op.key for op in spec.operations] == [
        "GET /pets", "POST /pets", "GET /pets/{petId}", "DELETE /pets/{petId}",
        "POST /pets/{petId}/photo", "POST /login",
    ]

    listing = spec.operation("get", "/pets")
    assert listing is not None
    assert listing.operation_id == "listPets" and listing.tags == ("pets",)
    (limit,) = listing.parameters
    assert (limit.name, limit.location, limit.required) == ("limit", "query", False)
    assert limit.schema == {"type": "integer", "format": "int32", "minimum": 1, "maximum": 50}
    assert listing.security == ({"api_key": ()},) and listing.secured
    assert listing.responses["200"].content_types == ("application/json",)
    assert listing.pointer == "/paths/~1pets/get" and listing.line == 15

    create = spec.operation("POST", "/pets")
    assert create is not None and create.request_body is not None
    assert create.request_body.content_type == "application/json"
    assert create.request_body.required
    assert create.request_body.schema["$ref"].endswith("petstore_v2.json#/definitions/Pet")
    assert create.parameters == ()


def test_swagger_2_parameter_merging_and_forms(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "petstore_v2.json"))
    get_pet = spec.operation("GET", "/pets/{petId}")
    delete_pet = spec.operation("DELETE", "/pets/{petId}")
    assert get_pet is not None and delete_pet is not None
    assert get_pet.parameters[0].schema == {"type": "string"}  # from the path item
    assert delete_pet.parameters[0].schema == {"type": "integer"}  # the operation's wins
    assert len(delete_pet.parameters) == 1
    assert get_pet.security == () and not get_pet.secured  # `security: []` switches it off
    assert delete_pet.deprecated and not get_pet.deprecated

    upload = spec.operation("POST", "/pets/{petId}/photo")
    assert upload is not None and upload.request_body is not None
    assert upload.request_body.content_type == "multipart/form-data"
    assert upload.request_body.schema["required"] == ["caption"]
    assert upload.request_body.schema["properties"]["file"] == {"type": "string",
                                                                "format": "binary"}
    login = spec.operation("POST", "/login")
    assert login is not None and login.request_body is not None
    assert login.request_body.content_type == "application/x-www-form-urlencoded"
    assert set(login.request_body.schema["properties"]) == {"username", "password"}
    assert [p.location for p in upload.parameters] == ["path"]


def test_openapi_30_yaml(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "api_v30.yaml"))
    assert spec.version == "3.0.3"
    assert spec.base_path == "/api/v1"
    assert spec.security_schemes == {"bearer": {"type": "http", "scheme": "bearer"}}
    listing = spec.operation("GET", "/items")
    assert listing is not None
    assert listing.summary == "List items" and listing.line == 11
    q, page = listing.parameters
    assert q.has_example and q.example == "ab"
    assert page.name == "page" and page.schema["default"] == 1  # a $ref'd parameter
    assert set(listing.responses) == {"200"}  # an unquoted YAML key is still a string
    assert listing.responses["200"].schema is not None

    create = spec.operation("POST", "/items")
    assert create is not None and create.request_body is not None
    assert create.request_body.content_type == "application/json"  # preferred over XML
    assert create.line == 32

    get_item = spec.operation("GET", "/items/{item_id}")
    assert get_item is not None
    names = [(p.name, p.location, p.required) for p in get_item.parameters]
    assert names == [("item_id", "path", True), ("X-Trace", "header", True)]
    assert get_item.parameters[1].schema["format"] == "uuid"
    assert get_item.security == ()
    assert get_item.pointer == "/paths/~1items~1{item_id}/get" and get_item.line == 56
    delete = spec.operation("DELETE", "/items/{item_id}")
    assert delete is not None and delete.deprecated
    assert delete.security == ({"bearer": ()},)


@pytest.mark.parametrize("name", ["api_v31.yaml", "api_v31.json"])
def test_openapi_31_loads(fixtures: Path, name: str) -> None:
    spec = load_spec(str(fixtures / name))
    assert spec.version == "3.1.0"
    assert spec.operations
    assert all(op.line is not None for op in spec.operations)


def test_openapi_31_details(fixtures: Path) -> None:
    users = load_spec(str(fixtures / "api_v31.yaml"))
    assert users.base_path == "/api/v2"  # relative server URL, variable default substituted
    get_user = users.operation("GET", "/users/{userId}")
    assert get_user is not None
    assert get_user.parameters[0].example == "u-1"  # first of `examples`
    patch = users.operation("PATCH", "/users/{userId}")
    assert patch is not None and patch.request_body is not None
    assert patch.request_body.content_type == "application/merge-patch+json"

    notes = load_spec(str(fixtures / "api_v31.json"))
    assert notes.base_path == ""
    create = notes.operations[0]
    assert create.security == ({"cookie": ()}, {})
    assert not create.secured  # `{}` in the list: anonymous is fine too
    assert create.request_body is not None
    assert create.request_body.content_type == "application/x-www-form-urlencoded"
    assert create.line == 11 and create.pointer == "/paths/~1notes/post"


def test_documents_are_keyed_by_absolute_uri(fixtures: Path) -> None:
    path = fixtures / "api_v30.yaml"
    spec = load_spec(str(path))
    assert list(spec.documents) == [path.resolve().as_uri()]
    create = spec.operation("POST", "/items")
    assert create is not None and create.request_body is not None
    ref = create.request_body.schema["$ref"]
    assert ref == f"{path.resolve().as_uri()}#/components/schemas/Item"
    assert spec.resolve(create.request_body.schema)["required"] == ["id", "name"]


@pytest.mark.parametrize(
    ("servers", "base_path"),
    [
        ([{"url": "https://x.example/api/v1/"}], "/api/v1"),
        ([{"url": "/"}], ""),
        ([{"url": "https://{host}/{base}", "variables": {"host": {"default": "h"},
                                                         "base": {"default": "b2"}}}], "/b2"),
        ([], ""),
    ],
)
def test_base_path_from_servers(servers: list[object], base_path: str) -> None:
    spec = parse_spec(json.dumps(minimal(servers=servers)), source="mem.json")
    assert spec.base_path == base_path


def test_relative_servers_resolve_against_a_url_source() -> None:
    doc = minimal(servers=[{"url": "/v9"}])
    spec = parse_spec(json.dumps(doc), source="https://api.example/openapi.json")
    assert spec.servers == ("https://api.example/v9",)
    assert spec.base_path == "/v9"


def test_yaml_dates_stay_strings() -> None:
    text = (
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /:\n    get:\n"
        "      parameters:\n        - {name: d, in: query, schema: {type: string}, "
        "example: 2024-02-03}\n      responses:\n        200: {description: ok}\n"
    )
    spec = parse_spec(text, source="mem.yaml")
    assert spec.operations[0].parameters[0].example == "2024-02-03"
    assert spec.operations[0].line == 5


def test_load_from_url_uses_fetch() -> None:
    seen: list[str] = []

    def fetch(url: str) -> bytes:
        seen.append(url)
        return json.dumps(minimal()).encode()

    spec = load_spec("https://api.example/openapi.json", fetch=fetch)
    assert seen == ["https://api.example/openapi.json"]
    assert spec.source == "https://api.example/openapi.json"


def test_default_fetch_over_loopback(served: str) -> None:
    spec = load_spec(f"{served}/api_v31.json")
    assert spec.version == "3.1.0"
    with pytest.raises(SpecError, match="HTTP 404"):
        load_spec(f"{served}/missing.json")


# -- broken documents ---------------------------------------------------------------------------
def test_invalid_structure_names_the_pointer(fixtures: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(str(fixtures / "invalid_structure.yaml"))
    assert caught.value.pointer == "/paths/~1items/get"
    message = str(caught.value)
    assert "responses" in message and "\n" not in message and len(message) < 300


def test_invalid_nested_value_names_the_deepest_pointer() -> None:
    doc = minimal()
    doc["paths"] = {"/items": {"get": {"responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": {"type": "objekt"}}}}}}}}
    with pytest.raises(SpecError) as caught:
        parse_spec(json.dumps(doc), source="mem.json")
    assert caught.value.pointer == (
        "/paths/~1items/get/responses/200/content/application~1json/schema/type"
    )
    assert "objekt" in str(caught.value)


def test_unresolved_path_parameter_names_the_operation() -> None:
    doc = minimal(paths={"/items/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}})
    with pytest.raises(SpecError) as caught:
        parse_spec(json.dumps(doc), source="mem.json")
    assert caught.value.pointer == "/paths/~1items~1{id}/get"


def test_broken_reference_names_where_it_is() -> None:
    doc = minimal()
    doc["paths"] = {"/": {"get": {"parameters": [
        {"name": "a", "in": "query", "schema": {"$ref": "#/components/schemas/Nope"}}],
        "responses": {"200": {"description": "ok"}}}}}
    with pytest.raises(SpecError, match="unresolvable reference #/components/schemas/Nope") as e:
        parse_spec(json.dumps(doc), source="mem.json")
    assert e.value.pointer == "/paths/~1/get/parameters/0/schema"


def test_not_yaml(fixtures: Path) -> None:
    with pytest.raises(SpecError, match="neither JSON nor YAML"):
        load_spec(str(fixtures / "not_yaml.txt"))
    with pytest.raises(SpecError, match="UTF-8"):
        parse_spec(b"\xff\xfe\x00garbage", source="bin")


def test_not_openapi(fixtures: Path) -> None:
    with pytest.raises(NotOpenApiError, match="not an OpenAPI document"):
        load_spec(str(fixtures / "not_openapi.json"))
    with pytest.raises(NotOpenApiError):
        parse_spec("just a sentence", source="text")


def test_unsupported_version(fixtures: Path) -> None:
    with pytest.raises(SpecError, match="unsupported OpenAPI version '4.1.0'"):
        load_spec(str(fixtures / "unsupported_version.json"))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read") as caught:
        load_spec(str(tmp_path / "absent.yaml"))
    assert "Traceback" not in str(caught.value)
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(str(tmp_path))  # a directory


def test_fetch_errors_are_spec_errors() -> None:
    def fetch(url: str) -> bytes:
        raise SpecError("cannot fetch the document (ConnectError)", source=url)

    with pytest.raises(SpecError, match="cannot fetch"):
        load_spec("http://127.0.0.1:9/openapi.json", fetch=fetch)
