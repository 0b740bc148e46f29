"""The spec audit rules on 2.0, 3.0 and 3.1 documents with known problems, and on clean ones."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from middlebrick.audit import RULES, AuditDocument, audit
from middlebrick.audit.rule import findings
from middlebrick.models import Category, Severity
from middlebrick.spec.load import load_spec, parse_spec
from middlebrick.spec.model import ApiSpec

FIXTURES = Path(__file__).parent / "fixtures"


def run(name: str) -> dict[tuple[str, str], str]:
    """{(check, pointer): severity} of every finding on a fixture."""
    found = audit(load_spec(str(FIXTURES / name)))
    for f in found:
        assert f.category is Category.SPEC and f.location is not None
        assert f.location.file == str(FIXTURES / name)
        assert f.evidence == ()
    return {(f.check, f.location.pointer): f.severity.value for f in found if f.location}


def above_info(found: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    return {k: v for k, v in found.items() if v != "info"}


EXPECTED_V30 = {
    ("spec.http-server", "/servers/0"): "medium",
    ("spec.non-production-server", "/servers/1"): "low",
    ("spec.non-production-server", "/servers/2"): "low",
    ("spec.unsecured-operation", "/paths/~1items/get"): "medium",
    ("spec.unbounded-string", "/paths/~1items/get/parameters/0"): "low",
    ("spec.unbounded-array", "/paths/~1items/get/parameters/1"): "low",
    ("spec.missing-error-responses", "/paths/~1items/post/responses"): "low",
    ("spec.open-request-body", "/components/schemas/ItemCreate"): "low",
    ("spec.unbounded-string", "/components/schemas/ItemCreate/properties/name"): "low",
    ("spec.unsecured-object-id", "/paths/~1items~1{item_id}/delete"): "high",
    ("spec.sensitive-response-property", "/components/schemas/User/properties/passwordHash"):
        "high",
    ("spec.missing-error-responses", "/paths/~1login/post/responses"): "low",
}


def test_openapi_30_problems_are_found_at_their_nodes():
    found = run("problems_v30.yaml")
    assert above_info(found) == EXPECTED_V30
    # Explicitly public sign-in: an observation, not a problem.
    assert found[("spec.unsecured-operation", "/paths/~1login/post")] == "info"


def test_openapi_30_look_alikes_are_left_alone():
    pointers = {pointer for _, pointer in run("problems_v30.yaml")}
    schemas = "/components/schemas"
    for fine in (
        f"{schemas}/ItemCreate/properties/nickname",  # nullable, but bounded
        f"{schemas}/ItemCreate/properties/sku",  # format: uuid
        f"{schemas}/ItemCreate/properties/created_by",  # readOnly: never sent
        f"{schemas}/User/properties/password_changed_at",  # describes a password, is none
        f"{schemas}/User/properties/token_type",
        "/paths/~1users~1{user_id}/get",  # secured, with 401 declared
    ):
        assert fine not in pointers


def test_swagger_20_problems_are_found_at_their_nodes():
    assert above_info(run("problems_v2.json")) == {
        ("spec.no-security-schemes", "/securityDefinitions"): "medium",
        ("spec.http-server", "/schemes/0"): "low",  # no credentials to leak, still clear text
        ("spec.non-production-server", "/host"): "low",
        ("spec.unsecured-object-id", "/paths/~1accounts~1{accountId}/get"): "medium",
        ("spec.unbounded-string", "/paths/~1accounts~1{accountId}/get/parameters/1"): "low",
        ("spec.unbounded-array", "/definitions/NewAccount/properties/emails"): "low",
        ("spec.sensitive-response-property", "/definitions/Account/properties/ssn"): "high",
    }


def test_openapi_31_problems_are_found_at_their_nodes():
    assert above_info(run("problems_v31.yaml")) == {
        # {scheme}://{host} with defaults http and 10.0.0.5
        ("spec.http-server", "/servers/1"): "medium",
        ("spec.non-production-server", "/servers/1"): "low",
        # type: ["string", "null"] inside an allOf branch of a recursive schema
        ("spec.unbounded-string", "/components/schemas/Note/allOf/1/properties/title"): "low",
        # `security: [{}, ...]` on a delete by id: anyone may delete
        ("spec.unsecured-object-id", "/paths/~1notes~1{note_id}/delete"): "medium",
        ("spec.sensitive-response-property", "/components/schemas/Me/properties/apiKey"):
            "medium",
        ("spec.missing-error-responses", "/paths/~1me/get/responses"): "low",
    }


@pytest.mark.parametrize("name", ["clean_v31.yaml", "clean_v2.json"])
def test_clean_documents_have_nothing_above_info(name):
    assert above_info(run(name)) == {}


def test_lines_point_at_the_node_in_the_source():
    text = (FIXTURES / "problems_v30.yaml").read_text().splitlines()
    found = {f.location.pointer: f.location.line for f in audit(load_spec(
        str(FIXTURES / "problems_v30.yaml"))) if f.location}
    assert text[found["/components/schemas/User/properties/passwordHash"] - 1].strip() == (
        "passwordHash:"
    )
    assert text[found["/paths/~1items/get/parameters/0"] - 1].strip() == "- name: q"
    assert text[found["/servers/0"] - 1].strip() == "- url: http://api.shop.example.com/v1"
    assert text[found["/paths/~1login/post/responses"] - 1].strip() == "responses:"


def test_json_documents_get_lines_too():
    text = (FIXTURES / "problems_v2.json").read_text().splitlines()
    found = {f.location.pointer: f.location.line for f in audit(load_spec(
        str(FIXTURES / "problems_v2.json"))) if f.location}
    assert '"ssn"' in text[found["/definitions/Account/properties/ssn"] - 1]


def test_a_shared_schema_is_reported_once():
    found = audit(load_spec(str(FIXTURES / "problems_v2.json")))
    ssn = [f for f in found if f.check == "spec.sensitive-response-property"]
    assert len(ssn) == 1  # Account is returned by two operations


def test_findings_have_stable_ids_and_endpoints():
    first = audit(load_spec(str(FIXTURES / "problems_v30.yaml")))
    second = audit(load_spec(str(FIXTURES / "problems_v30.yaml")))
    assert [f.id for f in first] == [f.id for f in second]
    assert len({f.id for f in first}) == len(first)
    by_pointer = {f.location.pointer: f for f in first if f.location}
    endpoint = by_pointer["/paths/~1items~1{item_id}/delete"].endpoint
    assert endpoint is not None and endpoint.method == "DELETE"
    assert endpoint.url == "http://api.shop.example.com/v1/items/{item_id}"
    assert by_pointer["/servers/0"].endpoint is None


def test_in_a_scan_hygiene_is_info_and_exposure_keeps_its_severity():
    spec = load_spec(str(FIXTURES / "problems_v30.yaml"))
    doc = AuditDocument(spec, base_url="http://127.0.0.1:9")
    scanned = [f for rule in RULES for f in findings(rule, doc, in_scan=True)]
    severities = {(f.check, f.severity) for f in scanned}
    assert ("spec.unbounded-string", Severity.INFO) in severities
    assert ("spec.unbounded-string", Severity.LOW) not in severities
    assert ("spec.unsecured-object-id", Severity.HIGH) in severities
    assert ("spec.sensitive-response-property", Severity.HIGH) in severities
    delete = next(f for f in scanned if f.check == "spec.unsecured-object-id")
    assert delete.endpoint is not None
    assert delete.endpoint.url == "http://127.0.0.1:9/v1/items/{item_id}"


def test_recursive_documents_finish():
    # A self-referencing schema, reached from a request body and a response.
    started = time.monotonic()
    found = run("problems_v31.yaml")
    assert time.monotonic() - started < 5
    assert found


def test_a_document_without_operations_has_nothing_to_secure():
    spec = parse_spec(b'{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, '
                      b'"paths": {}}', source="empty.json")
    assert audit(spec) == []


def test_a_hand_built_spec_with_local_refs_works():
    document = {
        "openapi": "3.0.3",
        "paths": {"/x/{id}": {"put": {
            "requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/X"}}}},
            "responses": {"200": {"description": "ok"}},
        }}},
        "components": {"schemas": {"X": {"type": "object",
                                         "properties": {"tags": {"type": "array"}}}}},
    }
    spec = ApiSpec(source="inline", version="3.0.3", document=document, operations=())
    pointers = {(f.check, f.location.pointer) for f in audit(spec) if f.location}
    assert ("spec.unbounded-array", "/components/schemas/X/properties/tags") in pointers
    assert ("spec.open-request-body", "/components/schemas/X") in pointers
    assert ("spec.unsecured-object-id", "/paths/~1x~1{id}/put") in pointers


def test_findings_in_a_referenced_file_name_that_file_and_line():
    found = audit(load_spec(str(FIXTURES / "split" / "main.yaml")))
    located = {(f.check, f.location.file, f.location.pointer, f.location.line)
               for f in found if f.location and f.severity is not Severity.INFO}
    parts = str(FIXTURES / "split" / "parts.yaml")
    assert located == {
        ("spec.unbounded-string", parts, "/parameters/MemberId", 2),
        ("spec.sensitive-response-property", parts, "/schemas/Member/properties/card_number", 13),
    }
