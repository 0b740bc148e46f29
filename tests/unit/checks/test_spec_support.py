"""The spec checks' access rules inside a scan: a document that leaves authentication out is
only a documentation gap (info) when the service refuses anonymous callers, and stands when the
service really serves them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from middlebrick.models import Severity

from .explored import run_explored

KEY = {"X-Api-Key": "k-alice"}
NOTE = {"note_id": "n-1", "title": "groceries", "owner": "alice"}


def document(*, schemes: bool) -> dict[str, Any]:
    """A notes API whose document (as many generated ones do) requires no security anywhere."""
    param = {"name": "note_id", "in": "path", "required": True, "schema": {"type": "string"}}
    ok = {"200": {"description": "ok"}}
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "notes", "version": "1"},
        "paths": {
            "/notes": {"get": {"responses": ok}},
            "/notes/{note_id}": {
                "get": {"parameters": [param], "responses": ok},
                "delete": {"parameters": [param], "responses": {"204": {"description": "gone"}}},
            },
        },
    }
    if schemes:
        doc["components"] = {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                                         "name": "X-Api-Key"}}}  # fmt: skip
    return doc


def service(*, enforced: bool, sent: list[str]) -> Any:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path} {request.headers.get('X-Api-Key')}")
        if enforced and request.headers.get("X-Api-Key") != "k-alice":
            return httpx.Response(401, json={"error": "no key"})
        if request.url.path == "/notes":
            return httpx.Response(200, json=[NOTE])
        if request.url.path == "/notes/n-1":
            return httpx.Response(200, json=NOTE)
        return httpx.Response(404, json={"error": "not found"})

    return handle


def severities(findings: list[Any]) -> dict[str, Severity]:
    return {f"{f.endpoint.method} {f.endpoint.path}" if f.endpoint else "-": f.severity
            for f in findings}  # fmt: skip


@pytest.mark.parametrize("check_id", ["spec.no-security-schemes", "spec.unsecured-object-id"])
def test_a_service_refusing_anonymous_callers_makes_the_claim_a_document_gap(check_id):
    sent: list[str] = []
    findings = run_explored(check_id, service(enforced=True, sent=sent),
                            document(schemes=False), headers_a=KEY)  # fmt: skip
    assert findings and {f.severity for f in findings} == {Severity.INFO}
    assert all("refused an anonymous request" in f.description for f in findings)
    anonymous = [s for s in sent if s.endswith(" None")]
    assert anonymous and len(anonymous) <= 8  # a few GETs, nothing else
    assert all(s.startswith("GET ") for s in anonymous)


def test_a_service_serving_anonymous_callers_keeps_the_finding():
    sent: list[str] = []
    findings = run_explored("spec.unsecured-object-id", service(enforced=False, sent=sent),
                            document(schemes=True), headers_a=KEY)  # fmt: skip
    assert severities(findings) == {
        "GET /notes/{note_id}": Severity.MEDIUM,
        "DELETE /notes/{note_id}": Severity.HIGH,
    }
    assert [s for s in sent if s.startswith("DELETE")] == []  # weighed with GETs only


def test_without_credentials_exploration_already_tells():
    sent: list[str] = []
    findings = run_explored("spec.unsecured-operation", service(enforced=True, sent=sent),
                            document(schemes=True))  # fmt: skip
    assert severities(findings) == {"GET /notes": Severity.INFO}
    explored: list[str] = []  # a rule that sends nothing: the exploration alone
    run_explored("spec.unbounded-string", service(enforced=True, sent=explored),
                 document(schemes=True))  # fmt: skip
    assert sent == explored
