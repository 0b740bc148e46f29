"""`$ref`s: absolute rewriting, relative files, URLs, recursion and limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from middlebrick.errors import SpecError
from middlebrick.spec.load import load_spec, parse_spec
from middlebrick.spec.refs import MAX_DOCUMENTS, absolutize, follow, resolve_pointer


def doc_with_schema(schema: dict[str, object], **extra: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"post": {
            "requestBody": {"content": {"application/json": {"schema": schema}}},
            "responses": {"200": {"description": "ok"}},
        }}},
    }
    doc.update(extra)
    return doc


def test_follow_chains_and_stops_on_loops() -> None:
    documents = {"file:///a.json": {
        "A": {"$ref": "file:///a.json#/B"},
        "B": {"type": "string"},
        "L1": {"$ref": "file:///a.json#/L2"},
        "L2": {"$ref": "file:///a.json#/L1"},
        "S~/": {"type": "integer"},
    }}
    assert follow(documents, {"$ref": "file:///a.json#/A"}, max_hops=5) == {"type": "string"}
    assert follow(documents, {"$ref": "file:///a.json#/L1"}, max_hops=32) == {}
    assert follow(documents, {"$ref": "file:///other.json#/A"}, max_hops=5) == {}
    assert follow(documents, {"$ref": "file:///a.json#/A"}, max_hops=0) == {}
    assert follow(documents, {"$ref": "file:///a.json#/S~0~1"}, max_hops=1) == {"type": "integer"}
    assert follow(documents, None, max_hops=3) == {}
    assert follow(documents, {"type": "boolean"}, max_hops=3) == {"type": "boolean"}


def test_resolve_pointer_handles_lists_and_misses() -> None:
    node = {"a": [{"b": 1}]}
    assert resolve_pointer(node, "/a/0/b") == 1
    assert resolve_pointer(node, "/a/1") is None
    assert resolve_pointer(node, "/missing") is None
    assert resolve_pointer(node, "") is node


def test_absolutize_rewrites_but_leaves_examples_alone() -> None:
    doc = {"a": {"$ref": "#/b"}, "c": {"$ref": "other.yaml#/d"},
           "example": {"$ref": "#/not-a-ref"}}
    targets = absolutize(doc, "file:///dir/main.yaml", source="main")
    assert doc["a"] == {"$ref": "file:///dir/main.yaml#/b"}
    assert doc["c"] == {"$ref": "file:///dir/other.yaml#/d"}
    assert doc["example"] == {"$ref": "#/not-a-ref"}
    assert targets == {"file:///dir/main.yaml", "file:///dir/other.yaml"}


def test_relative_file_refs_are_loaded(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "multi" / "main.yaml"))
    schemas_uri = (fixtures / "multi" / "schemas.yaml").resolve().as_uri()
    assert set(spec.documents) == {(fixtures / "multi" / "main.yaml").resolve().as_uri(),
                                   schemas_uri}
    listing = spec.operation("GET", "/things")
    assert listing is not None
    schema = listing.responses["200"].schema
    assert schema is not None
    assert schema["items"]["$ref"] == f"{schemas_uri}#/Item"
    item = spec.resolve(schema["items"])
    # Refs inside the second document point into that document, absolutely.
    assert item["properties"]["tag"]["$ref"] == f"{schemas_uri}#/Tag"
    assert spec.resolve(item["properties"]["tag"]) == {"type": "string", "enum": ["red", "blue"]}


def test_url_refs_are_loaded_from_loopback(tmp_path: Path, served: str) -> None:
    main = tmp_path / "main.json"
    schema = {"$ref": f"{served}/remote.json#/Widget"}
    main.write_text(json.dumps(doc_with_schema(schema)))
    spec = load_spec(str(main))
    assert f"{served}/remote.json" in spec.documents
    op = spec.operations[0]
    assert op.request_body is not None
    widget = spec.resolve(op.request_body.schema)
    assert widget["required"] == ["size"]
    assert spec.resolve(widget["properties"]["part"]) == {"type": "string", "format": "uuid"}


def test_a_url_document_may_not_pull_in_local_files() -> None:
    remote = doc_with_schema({"$ref": "file:///etc/hostname#/x"})

    def fetch(url: str) -> bytes:
        return json.dumps(remote).encode()

    with pytest.raises(SpecError, match="remote document refers to a local file"):
        load_spec("https://api.example/openapi.json", fetch=fetch)


def test_each_document_is_loaded_once_and_the_count_is_capped() -> None:
    fetched: list[str] = []

    def chain(url: str) -> bytes:
        fetched.append(url)
        number = int(url.rsplit("/", 1)[-1].split(".")[0][1:])
        return json.dumps({"S": {"$ref": f"d{number + 1}.json#/S"},
                           "T": {"$ref": f"d{number + 1}.json#/S"}}).encode()

    main = doc_with_schema({"$ref": "https://h.example/d1.json#/S"})
    with pytest.raises(SpecError, match=f"more than {MAX_DOCUMENTS} documents"):
        parse_spec(json.dumps(main), source="https://h.example/openapi.json", fetch=chain)
    assert len(fetched) == len(set(fetched)) == MAX_DOCUMENTS - 1


def test_recursive_refs_load_without_inlining(fixtures: Path) -> None:
    spec = load_spec(str(fixtures / "recursive.yaml"))
    node = spec.resolve({"$ref": f"{(fixtures / 'recursive.yaml').resolve().as_uri()}"
                                 "#/components/schemas/Node"})
    assert node["properties"]["parent"]["$ref"].endswith("#/components/schemas/Node")


def test_self_containing_yaml_is_refused() -> None:
    text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx: &loop\n  - *loop\n"
    with pytest.raises(SpecError, match="contains itself"):
        parse_spec(text, source="loop.yaml")


def test_alias_bombs_are_refused() -> None:
    lines = ["openapi: 3.0.3", "info: {title: t, version: '1'}", "paths: {}", "a0: &a0 [x, x]"]
    for level in range(1, 30):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 4)}]")
    with pytest.raises(SpecError, match="too large"):
        parse_spec("\n".join(lines), source="bomb.yaml")


def test_relative_refs_of_a_url_document_are_fetched(served: str) -> None:
    spec = load_spec(f"{served}/multi/main.yaml")
    assert set(spec.documents) == {f"{served}/multi/main.yaml", f"{served}/multi/schemas.yaml"}
    listing = spec.operation("GET", "/things")
    assert listing is not None and listing.responses["200"].schema is not None
    item = spec.resolve(listing.responses["200"].schema["items"])
    assert item["required"] == ["label", "tag"]


def test_schemas_recursing_through_all_of_and_items_are_accepted() -> None:
    from middlebrick.spec.generate import plan_request

    tree = {"allOf": [{"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}]}
    doc = doc_with_schema({"$ref": "#/components/schemas/Tree"},
                          components={"schemas": {"Tree": tree}})
    spec = parse_spec(json.dumps(doc), source="tree.json")
    assert plan_request(spec, spec.operations[0]).json == [[]]
