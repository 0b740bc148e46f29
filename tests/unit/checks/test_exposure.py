"""exposure.sensitive-data and exposure.anonymous-bulk-data against services in several styles."""

from __future__ import annotations

import hashlib
import json

import httpx
from detectors import fakes
from flask import Flask, jsonify, request

from middlebrick.models import Confidence, Severity

from .explored import run_explored, wsgi

SENSITIVE = "exposure.sensitive-data"
BULK = "exposure.anonymous-bulk-data"
TOKEN = {"Authorization": "Bearer member-token-0001"}


def doc(*paths: tuple[str, str], secured: bool = False) -> dict:
    document: dict = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    for method, path in paths:
        operation: dict = {"responses": {"200": {"description": "ok"}}}
        if method == "post":
            schema = {"type": "object", "properties": {"name": {"type": "string"}}}
            operation["requestBody"] = {"content": {"application/json": {"schema": schema}}}
        document["paths"].setdefault(path, {})[method] = operation
    if secured:
        document["components"] = {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}}
        document["security"] = [{"b": []}]
    return document


def text_of(finding) -> str:
    return json.dumps([e.to_dict() for e in finding.evidence]) + finding.title + finding.description


def members_app(*, fixed: bool) -> Flask:
    """Members stored with bcrypt hashes under `pwd_hash`, listed as `members`."""
    app = Flask("members")
    rows = [
        {"member_no": i, "handle": f"m{i}", "mail": f"m{i}@club.example",
         "pwd_hash": fakes.bcrypt_hash(str(i))}
        for i in range(8)
    ]  # fmt: skip

    @app.get("/members")
    def members():
        if request.headers.get("Authorization") != TOKEN["Authorization"]:
            return jsonify(error="unauthorized"), 401
        public = ("member_no", "handle")
        return jsonify(members=[{k: r[k] for k in public} if fixed else r for r in rows])

    return app


def test_bcrypt_hashes_in_a_member_list_are_one_high_finding_per_kind():
    findings = run_explored(SENSITIVE, wsgi(members_app(fixed=False)), doc(("get", "/members")),
                            headers_a=TOKEN)  # fmt: skip
    by_kind = {f.id: f for f in findings}
    assert len(by_kind) == 2
    hashes = next(f for f in findings if "password hash" in f.title)
    assert hashes.severity is Severity.HIGH and hashes.confidence is Confidence.CERTAIN
    assert hashes.title.startswith("8 password hashes") and hashes.endpoint.path == "/members"
    emails = next(f for f in findings if "email" in f.title)
    assert emails.severity is Severity.MEDIUM and emails.confidence is Confidence.TENTATIVE
    for finding in findings:
        assert "$2b$12$" + fakes.chars("3", 53, fakes.ALNUM + "./")[:10] not in text_of(finding)
        assert "m3@club.example" not in text_of(finding)


def test_fixed_member_list_reports_nothing():
    findings = run_explored(SENSITIVE, wsgi(members_app(fixed=True)), doc(("get", "/members")),
                            headers_a=TOKEN)  # fmt: skip
    assert findings == []


def test_callers_own_credentials_are_not_exposure():
    """A login's JWT, a new key's secret, the caller's own profile: all legitimately theirs."""
    jwt = fakes.jwt()
    api_secret = fakes.chars("new-key", 40)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/login":
            return httpx.Response(200, json={"access_token": jwt, "token_type": "Bearer"})
        if request.url.path == "/keys":
            return httpx.Response(201, json={"key_id": "k1", "client_secret": api_secret})
        if request.url.path == "/me":
            return httpx.Response(200, json={"email": "me@corp.example", "api_key": api_secret,
                                             "token": TOKEN["Authorization"].split()[1]})
        return httpx.Response(200, json={"files": [
            {"name": f"f{i}.bin", "sha256": hashlib.sha256(bytes([i])).hexdigest(),
             "etag": hashlib.md5(bytes([i])).hexdigest(), "id": f"3f2c1a9e-8b7d-4c6e-9f1a-{i:012d}"}
            for i in range(10)]})  # fmt: skip

    document = doc(("post", "/login"), ("post", "/keys"), ("get", "/me"), ("get", "/files"))
    assert run_explored(SENSITIVE, handler, document, headers_a=TOKEN) == []


def test_other_users_tokens_and_secrets_in_a_list_are_reported():
    def handler(request: httpx.Request) -> httpx.Response:
        users = [{"id": i, "api_key": fakes.chars(f"key{i}", 32), "session": fakes.jwt({"sub": i})}
                 for i in range(3)]  # fmt: skip
        return httpx.Response(200, json={"users": users})

    findings = run_explored(SENSITIVE, handler, doc(("get", "/users")), headers_a=TOKEN)
    assert {f.title.split(" exposed")[0] for f in findings} == {
        "3 API key or tokens", "3 JSON Web Tokens"
    }
    assert {f.severity for f in findings} == {Severity.HIGH, Severity.MEDIUM}


def test_server_secrets_cards_and_private_keys_in_one_config_response():
    card = fakes.card("5425")
    key = fakes.pem_private_key()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={
            "stripe": {"secret": fakes.stripe_key()}, "tls": {"key": key},
            "FLASK_SECRET_KEY": "f1a5k-s3cr3t-v4lue", "billing": {"card_number": card},
        })  # fmt: skip

    findings = run_explored(SENSITIVE, handler, doc(("get", "/config")))
    severities = {f.title.split(" exposed")[0]: f.severity for f in findings}
    assert severities == {
        "Stripe live secret key": Severity.CRITICAL,
        "Private key": Severity.CRITICAL,
        "Secret": Severity.CRITICAL,
        "Payment card number": Severity.HIGH,
    }
    for finding in findings:
        assert card not in text_of(finding) and "f1a5k-s3cr3t-v4lue" not in text_of(finding)
        assert "anonymous request" in finding.description


def test_aws_keys_are_left_to_the_aws_check():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"AWS_ACCESS_KEY_ID": fakes.aws_key_id(),
                                         "AWS_SECRET_ACCESS_KEY": fakes.aws_secret()})  # fmt: skip

    assert run_explored(SENSITIVE, handler, doc(("get", "/env"))) == []


def test_echoed_input_is_not_exposure():
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = {"Content-Type": "application/json"}
        return httpx.Response(201, content=request.content, headers=echoed)

    document = doc(("post", "/signup"))
    password = {"type": "string", "example": "Sup3r-s3cret!"}
    body = document["paths"]["/signup"]["post"]["requestBody"]["content"]["application/json"]
    body["schema"] = {"type": "object", "properties": {"password": password}}
    assert run_explored(SENSITIVE, handler, document) == []
    stored = {"password": "Sup3r-s3cret!"}
    leaky = run_explored(
        SENSITIVE, lambda r: httpx.Response(200, json=stored if r.url.path == "/me" else {}),
        doc(("get", "/me")),
    )  # fmt: skip
    assert [f.severity for f in leaky] == [Severity.CRITICAL]


# -- anonymous bulk data ----------------------------------------------------------------------
def directory_app(*, public: bool) -> Flask:
    app = Flask("directory")
    people = [{"uid": f"p{i}", "full_name": f"Person {i}", "email": f"p{i}@town.example",
               "phone": f"+3120555{i:04d}", "city": "Utrecht"} for i in range(12)]  # fmt: skip

    @app.get("/people")
    def listing():
        if not public and "Authorization" not in request.headers:
            return jsonify(error="sign in"), 401
        return jsonify(people)

    @app.get("/products")
    def products():
        return jsonify([{"sku": f"s{i}", "name": f"Chair {i}"} for i in range(20)])

    return app


def test_directory_open_to_anonymous_callers_is_high():
    document = doc(("get", "/people"), ("get", "/products"))
    [finding] = run_explored(BULK, wsgi(directory_app(public=True)), document, headers_a=TOKEN)
    assert finding.severity is Severity.HIGH and finding.endpoint.path == "/people"
    assert finding.title.startswith("12 records")
    [evidence] = finding.evidence
    assert "authorization" not in {k.lower() for k in evidence.request["headers"]}
    assert "p3@town.example" not in json.dumps(evidence.to_dict())


def test_directory_needing_credentials_is_not_anonymous_bulk():
    document = doc(("get", "/people"), ("get", "/products"))
    assert run_explored(BULK, wsgi(directory_app(public=False)), document, headers_a=TOKEN) == []


def test_small_lists_are_not_bulk():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"team": [{"name": "A", "email": f"{c}@x.example"}
                                                  for c in "abc"]})  # fmt: skip

    assert run_explored(BULK, handler, doc(("get", "/team"))) == []
