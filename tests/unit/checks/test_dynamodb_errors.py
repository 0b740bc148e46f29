"""dynamodb.raw-sdk-error: botocore/DynamoDB error text in replies, seen in exploration or
provoked with inputs DynamoDB refuses; look-alikes (docs, an app's own ValidationException,
generic 500s) stay silent."""

from __future__ import annotations

import json

import httpx
import pytest

from middlebrick.checks._dynamodb import find, mask_account_ids, sdk_errors
from middlebrick.http.client import ClientOptions
from middlebrick.models import Confidence, Severity

from .dynamodb_fakes import SERVERS, failure, get, missing_table, path, query, spec

RAW = "dynamodb.raw-sdk-error"
ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/shop_users"
KEY_EMPTY = (
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
    "contain an empty string value. Key: user_id"
)
API = spec({
    "/users/{user_id}": get(path("user_id")),
    "/users": {
        **get(query("username")),
        "post": {
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"username": {"type": "string"}, "age": {"type": "integer"}},
            }}}},
            "responses": {"201": {"description": "created"}},
        },
    },
})  # fmt: skip


def keyed_service(style: str, *, server: str = "aws", seen: list[str] | None = None):
    """Refuses what DynamoDB refuses: empty key values, keys over 2048 bytes, floats."""

    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            body = json.loads(request.content or b"{}")
            if isinstance(body.get("age"), float):
                message = "Float types are not supported. Use Decimal types instead."
                return httpx.Response(500, json={"error": f"TypeError: {message}"})
            if body.get("username") == "":
                return failure(style, "ValidationException", "PutItem", KEY_EMPTY)
            return httpx.Response(201, json={"user_id": "u1"})
        name = request.url.path.rsplit("/", 1)[-1]
        if request.url.path.startswith("/users/") and len(name) > 2048:
            said = "Hash primary key values must be under 2048 bytes"
            return failure(style, "ValidationException", "GetItem", said)
        if request.url.params.get("username") == "":
            return failure(style, "ValidationException", "Query", KEY_EMPTY)
        if name == "users":
            return httpx.Response(200, json={"users": []})
        return httpx.Response(404, json={"error": "no such user"})

    return handle


@pytest.mark.parametrize("style", ["botocore", "text"])
def test_provoked_sdk_errors_one_finding_per_operation(check_runner, style):
    findings = check_runner(RAW, keyed_service(style), spec=API)
    assert {f"{f.endpoint.method} {f.endpoint.path}" for f in findings} == {
        "GET /users/{user_id}", "GET /users", "POST /users"
    }  # fmt: skip
    for finding in findings:
        assert finding.severity is Severity.MEDIUM and finding.confidence is Confidence.CERTAIN
        assert finding.category.value == "misconfiguration" and finding.cwe == "CWE-209"
    notes = {f.endpoint.path + f.endpoint.method: f.evidence[0].note for f in findings}
    assert "ValidationException from the Query operation" in notes["/usersGET"]


def test_messages_without_botocores_prefix_are_firm(check_runner):
    # The app's own envelope carries DynamoDB's message but not botocore's wording.
    [finding] = check_runner(RAW, _only_get_user(keyed_service("envelope")), spec=API)
    assert finding.confidence is Confidence.FIRM


def _only_get_user(handler):
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/users/"):
            return handler(request)
        return httpx.Response(404, json={"error": "not found"})

    return handle


@pytest.mark.parametrize("server", SERVERS)
def test_errors_seen_during_exploration(check_runner, server):
    said = missing_table(server, "shop_orders")

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/orders":
            return failure("botocore", "ResourceNotFoundException", "Scan", said)
        return httpx.Response(200, json={"ok": True})

    [finding] = check_runner(RAW, handle, explore=[("GET", "/"), ("GET", "/orders")])
    assert finding.endpoint is not None and finding.endpoint.path == "/orders"
    assert "ResourceNotFoundException from the Scan operation" in (finding.evidence[0].note or "")


def test_account_ids_in_arns_are_partly_masked(check_runner):
    message = f"User: {ARN.replace('dynamodb', 'iam')} is not authorized to perform: " \
              f"dynamodb:Scan on resource: {ARN}"  # fmt: skip

    def handle(request: httpx.Request) -> httpx.Response:
        return failure("botocore", "AccessDeniedException", "Scan", message)

    [finding] = check_runner(RAW, handle, explore=[("GET", "/export")])
    text = json.dumps([e.to_dict() for e in finding.evidence])
    assert "123456789012" not in text and "1234********" in text
    assert "a table ARN with the AWS account id" in (finding.evidence[0].note or "")
    assert mask_account_ids(ARN) == "arn:aws:dynamodb:eu-west-1:1234********:table/shop_users"


LOOKALIKES = {
    "docs": (200, "text/html", "<p>On ValidationException (An error occurred "
             "(ValidationException) when calling the Query operation) retry with a valid key.</p>"),
    "own exception": (400, "application/json",
                      json.dumps({"error": "ValidationException", "message": "name required"})),
    "bare 500": (500, "text/html", "<h1>Internal Server Error</h1>"),
    "generic json": (500, "application/json", json.dumps({"error": "internal error"})),
    "restaurant": (422, "application/json",
                   json.dumps({"error": "ValidationException", "message": "table 7 is full"})),
}  # fmt: skip


@pytest.mark.parametrize("name", list(LOOKALIKES))
def test_lookalikes_are_not_sdk_errors(check_runner, name):
    status, kind, body = LOOKALIKES[name]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=body, headers={"Content-Type": kind})

    assert check_runner(RAW, handle, spec=API, explore=[("GET", "/"), ("GET", "/docs")]) == []


def test_read_only_mode_sends_no_body_probes(check_runner):
    seen: list[str] = []
    options = ClientOptions(read_only=True)
    findings = check_runner(RAW, keyed_service("botocore", seen=seen), spec=API, options=options)
    assert all(not entry.startswith("POST") for entry in seen)
    assert {f.endpoint.method for f in findings} == {"GET"}


def test_probes_are_bounded(check_runner):
    seen: list[str] = []
    many = spec({f"/r{i}/{{id}}": get(path("id"), query("a"), query("b")) for i in range(30)})
    assert check_runner(RAW, keyed_service("botocore", seen=seen), spec=many, explore=()) == []
    assert len(seen) <= 32


def test_signature_catalogue_reads_each_servers_words():
    wordings = {
        "An error occurred (ValidationException) when calling the Query operation: x": "sdk",
        "Parameter validation failed:\nInvalid type for parameter Key.pk, value: 1": "sdk",
        "Cannot do operations on a non-existent table": "table",
        "Requested resource not found: Table: shop_x not found": "table",
        'Invalid FilterExpression: Syntax error; token: ")", near: "a) ="': "expression",
        "Bad Filter Expression: Bad comparison ) = :value": "expression",
        "Query condition missed key schema element: sk": "expression",
        "Statement wasn't well formed, can't be processed: Unexpected keyword": "partiql",
        "Hash primary key values must be under 2048 bytes": "value",
    }
    for text, kind in wordings.items():
        assert kind in {s.kind for s in find(text)}, text
    assert find("ValidationException: name is required") == []
    [error] = sdk_errors("An error occurred (ResourceNotFoundException) when calling the Scan "
                         "operation: Requested resource not found")  # fmt: skip
    assert (error.code, error.operation) == ("ResourceNotFoundException", "Scan")
