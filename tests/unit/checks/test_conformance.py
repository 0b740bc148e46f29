"""The conformance checks against mock APIs whose answers drift from their documents."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from middlebrick.checks import CHECKS, CheckContext
from middlebrick.config import ScanConfig
from middlebrick.http.client import ClientOptions, ScanClient
from middlebrick.models import Category, Finding, Severity
from middlebrick.spec.generate import plan_request
from middlebrick.spec.ids import IdStore
from middlebrick.spec.load import parse_spec

BASE = "http://api.test"
ALL = ("conformance.undeclared-status", "conformance.content-type",
       "conformance.schema-violation", "conformance.server-error",
       "conformance.undeclared-field")


def _ok(schema: str) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "mock", "version": "1"},
    "paths": {
        "/profile": {"get": {"responses": {"200": _ok("Profile"), "404": _ok("Error")}}},
        "/things": {"get": {
            "parameters": [{"name": "colour", "in": "query",
                            "schema": {"type": "string", "enum": ["red", "blue"]}},
                           {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": _ok("Things")}}},
        "/session": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"user": {"type": "string"},
                                                 "password": {"type": "string"}}}}}},
            "responses": {"200": _ok("Session")}}},
    },
    "components": {"schemas": {
        "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
        "Profile": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "age": {"type": "integer", "nullable": True}}},
        "Things": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}}}},
        "Session": {"type": "object", "properties": {"user": {"type": "string"}}},
    }},
}

Handler = Callable[[httpx.Request], httpx.Response]


def conforming(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/profile":
        return httpx.Response(200, json={"name": "ann", "age": None})
    if request.url.path == "/things":
        return httpx.Response(200, json=[{"id": "t1"}])
    return httpx.Response(200, json={"user": "ann"},
                          headers={"content-type": "application/json; charset=utf-8"})


def run(
    handler: Handler,
    *,
    checks: tuple[str, ...] = ALL,
    document: dict[str, Any] | None = None,
    options: ClientOptions | None = None,
) -> tuple[dict[str, list[Finding]], list[httpx.Request]]:
    """Explore every operation once (as the engine does), then run the checks together."""
    spec = parse_spec(json.dumps(document or DOCUMENT), source="mock.json")
    sent: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return handler(request)

    async def go() -> dict[str, list[Finding]]:
        config = ScanConfig(target=BASE)
        transport = httpx.MockTransport(recording)
        async with ScanClient(BASE, options or config.client, transport=transport) as client:
            seen = []
            for op in spec.operations:
                plan = plan_request(spec, op, include_optional=False)
                seen.append(await client.request(plan.method, plan.path, params=plan.query,
                                                 json=plan.json, operation=op))
            contexts = [CheckContext(check=CHECKS.get(c), config=config, client=client,
                                     spec=spec, ids=IdStore(), exchanges=tuple(seen))
                        for c in checks]
            results = await asyncio.gather(*(ctx.check.function(ctx) for ctx in contexts))
            return dict(zip(checks, results, strict=True))

    return asyncio.run(go()), sent


def test_a_conforming_api_has_no_findings():
    found, _ = run(conforming)
    assert found == {c: [] for c in ALL}


def test_undeclared_status_once_per_operation_and_status():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/profile":
            return httpx.Response(410, json={"error": "gone"})
        if request.url.path == "/session":
            return httpx.Response(429, json={})  # load-dependent: not reported
        return conforming(request)

    found, _ = run(handler, checks=("conformance.undeclared-status",))
    (finding,) = found["conformance.undeclared-status"]
    assert finding.title == "Undeclared status 410 from GET /profile"
    assert finding.category is Category.MISCONFIGURATION and finding.severity is Severity.LOW
    assert finding.location is not None and finding.location.pointer == "/paths/~1profile/get"
    assert finding.evidence[0].response["status"] == 410


@pytest.mark.parametrize("status", [401, 403, 404, 409])
def test_undeclared_refusals_that_depend_on_the_caller_are_a_document_gap(status):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/things":  # declares 200 only
            return httpx.Response(status, json={"error": "refused"})
        return conforming(request)

    found, _ = run(handler, checks=("conformance.undeclared-status",))
    (finding,) = found["conformance.undeclared-status"]
    assert finding.title == f"Undeclared status {status} from GET /things"
    assert finding.severity is Severity.INFO and "declare it in the document" in finding.description


def test_wrong_content_type():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/things":
            return httpx.Response(200, text='[{"id": "t1"}]', headers={"content-type": "text/html"})
        return conforming(request)

    found, _ = run(handler, checks=("conformance.content-type",))
    (finding,) = found["conformance.content-type"]
    assert finding.endpoint is not None and finding.endpoint.path == "/things"
    assert "text/html" in finding.description and "application/json" in finding.description


def test_sensitive_values_are_masked_in_evidence_but_validated_as_sent():
    document = json.loads(json.dumps(DOCUMENT))
    document["components"]["schemas"]["Profile"]["properties"]["pin"] = {"type": "integer"}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/profile":
            return httpx.Response(200, json={"name": 7, "pin": 4321})
        return conforming(request)

    found, _ = run(handler, document=document, checks=("conformance.schema-violation",))
    (finding,) = found["conformance.schema-violation"]
    # The integer pin is valid as sent; only the evidence shows it masked.
    assert "`name` is an integer, declared string" in finding.description
    assert "pin" not in finding.description
    assert "4321" not in finding.evidence[0].response["body"]


def test_schema_violation_and_nullable_is_fine():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/profile":
            return httpx.Response(200, json={"age": "forty"})
        return conforming(request)

    found, _ = run(handler, checks=("conformance.schema-violation",))
    (finding,) = found["conformance.schema-violation"]
    assert "lacks the required property `name`" in finding.description
    assert "`age` is a string, declared integer or null" in finding.description
    assert "forty" not in finding.description


def test_server_errors_but_not_gateway_answers():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/profile":
            return httpx.Response(500, text="Internal Server Error")
        if request.url.path == "/things":
            return httpx.Response(503, text="busy")
        return conforming(request)

    found, _ = run(handler)
    (finding,) = found["conformance.server-error"]
    assert finding.endpoint is not None and finding.endpoint.path == "/profile"
    assert finding.severity is Severity.MEDIUM
    assert found["conformance.undeclared-status"] == []  # 5xx is the server-error check's


def test_requests_without_their_required_body_prove_nothing():
    document = json.loads(json.dumps(DOCUMENT))
    document["paths"]["/upload"] = {"post": {
        "requestBody": {"required": True, "content": {"application/xml": {
            "schema": {"type": "object"}}}},
        "responses": {"200": {"description": "ok"}}}}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/upload":  # no XML body could be generated: the server fails
            return httpx.Response(500 if not request.content else 200)
        return conforming(request)

    found, sent = run(handler, document=document)
    assert any(r.url.path == "/upload" for r in sent)
    assert found == {c: [] for c in ALL}


def test_undeclared_fields_sensitive_or_not():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/profile":
            return httpx.Response(200, json={"name": "ann", "passwordHash": "x", "theme": "dark",
                                             "ssn": "078-05-1120"})
        if request.url.path == "/session":
            return httpx.Response(200, json={"user": "ann", "access_token": "abc"})
        return conforming(request)

    found, _ = run(handler, checks=("conformance.undeclared-field",))
    by_title = {f.title: f for f in found["conformance.undeclared-field"]}
    assert set(by_title) == {"Undeclared response field `passwordHash`",
                             "Undeclared response field `theme`",
                             "Undeclared response field `ssn`",
                             "Undeclared response field `access_token`"}
    leak = by_title["Undeclared response field `passwordHash`"]
    assert (leak.category, leak.severity) == (Category.DATA_EXPOSURE, Severity.HIGH)
    assert by_title["Undeclared response field `theme`"].severity is Severity.INFO
    assert by_title["Undeclared response field `ssn`"].severity is Severity.HIGH
    body = leak.evidence[0].response["body"]
    assert "078-05-1120" not in body and "dark" in body  # sensitive values masked, others kept
    # A sign-in handing out a token is not a leak, only a gap in the document.
    assert by_title["Undeclared response field `access_token`"].severity is Severity.INFO


def test_one_shared_extra_request_fills_optional_parameters_but_no_cursor():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/things" and request.url.params.get("colour"):
            return httpx.Response(500, text="boom")
        return conforming(request)

    found, sent = run(handler)
    extra = [r for r in sent if r.url.params.get("colour")]
    assert len(extra) == 1  # five checks, one extra request between them
    assert "cursor" not in extra[0].url.params
    assert extra[0].method == "GET"
    (finding,) = found["conformance.server-error"]
    assert finding.evidence[0].request["url"].endswith("colour=red")


def test_the_request_budget_stops_extra_requests_quietly():
    found, sent = run(conforming, options=ClientOptions(max_requests=3))
    assert len(sent) == 3
    assert found == {c: [] for c in ALL}


def test_no_document_no_findings(check_runner):
    assert check_runner("conformance.undeclared-field", conforming) == []
    assert check_runner("conformance.server-error", lambda r: httpx.Response(500)) == []
