"""Discovery: the usual spec paths, in order, through the scan client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

import httpx
import yaml

from middlebrick.http.client import ClientOptions, ScanClient
from middlebrick.spec.discover import DISCOVERY_PATHS, DiscoveryResult, discover_spec

VALID = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
         "paths": {"/items": {"get": {"responses": {"200": {"description": "ok"}}}}}}
INVALID = {"openapi": "3.0.3", "info": {"title": "t"}, "paths": {}}


def run(routes: Mapping[str, httpx.Response], options: ClientOptions | None = None,
        seen: list[str] | None = None) -> DiscoveryResult:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request.url.path)
        return routes.get(request.url.path, httpx.Response(404, text="not found"))

    async def go() -> DiscoveryResult:
        transport = httpx.MockTransport(handler)
        async with ScanClient("http://api.test", options, transport=transport) as client:
            return await discover_spec(client)

    return asyncio.run(go())


def test_paths_are_unique_and_start_with_the_common_ones() -> None:
    assert len(set(DISCOVERY_PATHS)) == len(DISCOVERY_PATHS)
    assert DISCOVERY_PATHS[:2] == ("/openapi.json", "/swagger.json")
    for path in ("/apispec_1.json", "/v3/api-docs", "/swagger/v1/swagger.json", "/api-docs"):
        assert path in DISCOVERY_PATHS


def test_finds_swagger_json_when_openapi_json_is_missing() -> None:
    seen: list[str] = []
    found = run({"/swagger.json": httpx.Response(200, json=VALID)}, seen=seen)
    assert found.spec is not None and found.url == "http://api.test/swagger.json"
    assert found.tried == ("/openapi.json", "/swagger.json")
    assert seen == ["/openapi.json", "/swagger.json"]  # stops at the first valid document
    assert [op.key for op in found.spec.operations] == ["GET /items"]


def test_yaml_documents_are_found_too() -> None:
    found = run({"/openapi.yaml": httpx.Response(200, text=yaml.safe_dump(VALID))})
    assert found.spec is not None and found.url == "http://api.test/openapi.yaml"


def test_nothing_there() -> None:
    found = run({"/": httpx.Response(200, text="<html>hello</html>")})
    assert found.spec is None and found.url is None
    assert found.tried == DISCOVERY_PATHS
    assert found.notes == ()


def test_html_and_other_json_are_skipped_quietly() -> None:
    found = run({
        "/openapi.json": httpx.Response(200, text="<!doctype html><html></html>"),
        "/swagger.json": httpx.Response(200, json={"status": "ok"}),
        "/v3/api-docs": httpx.Response(200, json=VALID),
    })
    assert found.url == "http://api.test/v3/api-docs"
    assert found.notes == ()


def test_an_invalid_document_is_noted_and_discovery_goes_on() -> None:
    found = run({
        "/openapi.json": httpx.Response(200, json=INVALID),
        "/apispec_1.json": httpx.Response(200, content=json.dumps(VALID).encode()),
    })
    assert found.spec is not None and found.url == "http://api.test/apispec_1.json"
    (note,) = found.notes
    assert note.startswith("/openapi.json: invalid OpenAPI document")
    assert "#/info" in note


def test_stops_quietly_when_the_budget_runs_out() -> None:
    found = run({}, options=ClientOptions(max_requests=3))
    assert found.spec is None
    assert len(found.tried) == 3
    assert found.notes and found.notes[-1].startswith("discovery stopped")


def test_external_refs_are_not_fetched_during_discovery() -> None:
    with_ref = {**VALID, "paths": {"/items": {"get": {"responses": {"200": {
        "description": "ok",
        "content": {"application/json": {"schema": {"$ref": "http://elsewhere.test/s.json#/A"}}},
    }}}}}}
    seen: list[str] = []
    found = run({"/openapi.json": httpx.Response(200, json=with_ref),
                 "/swagger.json": httpx.Response(200, json=VALID)}, seen=seen)
    assert found.url == "http://api.test/swagger.json"
    assert "not followed" in found.notes[0]
    assert all(not path.startswith("/s.json") for path in seen)


def test_connection_failures_end_discovery() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async def go() -> DiscoveryResult:
        async with ScanClient("http://api.test", transport=httpx.MockTransport(refuse)) as client:
            return await discover_spec(client)

    found = asyncio.run(go())
    assert found.spec is None
    assert len(found.tried) == 2
    assert "ConnectError" in found.notes[-1]
