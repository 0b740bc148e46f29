"""exposure.aws-credentials: AWS keys in explored responses and at the usual dump paths."""

from __future__ import annotations

import json

import httpx
from detectors import fakes
from flask import Flask, jsonify, request

from middlebrick.config import ScanConfig
from middlebrick.http.client import ClientOptions
from middlebrick.models import Confidence, Severity

from .explored import run_explored, wsgi

CHECK = "exposure.aws-credentials"
KEY_ID, SECRET, TOKEN = fakes.aws_key_id(), fakes.aws_secret(), fakes.session_token()


def evidence_text(finding) -> str:
    return json.dumps([e.to_dict() for e in finding.evidence]) + finding.title + finding.description


def assert_masked(finding, *raw: str) -> None:
    text = evidence_text(finding)
    for value in raw:
        assert value not in text


def settings_app(*, leak: bool) -> Flask:
    """A Flask service with a settings route that dumps (or, fixed, filters) its config."""
    app = Flask("settings")
    config = {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "eu-central-1",
        "TABLE": "orders",
        "LOG_LEVEL": "INFO",
    }

    @app.get("/api/settings")
    def settings():
        if leak:
            return jsonify(settings=config)
        return jsonify(settings={k: v for k, v in config.items() if not k.startswith("AWS_")})

    return app


SETTINGS_DOC = {
    "openapi": "3.0.3",
    "info": {"title": "s", "version": "1"},
    "paths": {"/api/settings": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


def test_key_pair_in_a_documented_settings_route_is_critical():
    [finding] = run_explored(CHECK, wsgi(settings_app(leak=True)), SETTINGS_DOC)
    assert finding.severity is Severity.CRITICAL and finding.confidence is Confidence.CERTAIN
    assert finding.endpoint.method == "GET" and finding.endpoint.path == "/api/settings"
    assert "secret access key" in finding.title and "eu-central-1" in finding.description
    assert finding.location is not None and finding.location.pointer == "/paths/~1api~1settings/get"
    assert_masked(finding, KEY_ID, SECRET)


def test_fixed_settings_route_reports_nothing():
    assert run_explored(CHECK, wsgi(settings_app(leak=False)), SETTINGS_DOC) == []


def dotenv_server(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/.env":
        body = f"APP_ENV=prod\nAWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n"
        return httpx.Response(200, text=body, headers={"Content-Type": "text/plain"})
    return httpx.Response(404, json={"error": "not found"})


def test_dotenv_file_found_by_probing_without_a_spec(check_runner):
    [finding] = check_runner(CHECK, dotenv_server)
    assert finding.endpoint.path == "/.env" and finding.severity is Severity.CRITICAL
    assert "anonymous request" in finding.description
    assert_masked(finding, KEY_ID, SECRET)


def test_error_page_printing_the_environment_leaks_too(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/config":
            page = f"<pre>KeyError: 'DB'\nenviron({{'AWS_ACCESS_KEY_ID': '{KEY_ID}', "
            page += f"'AWS_SECRET_ACCESS_KEY': '{SECRET}'}})</pre>"
            return httpx.Response(500, html=page)
        return httpx.Response(404)

    [finding] = check_runner(CHECK, handler)
    assert finding.endpoint.path == "/config" and finding.severity is Severity.CRITICAL
    assert_masked(finding, KEY_ID, SECRET)


def test_key_id_alone_is_high_and_arn_alone_is_low(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/debug":
            return httpx.Response(200, json={"caller": {"AccessKeyId": KEY_ID}})
        if request.url.path == "/server-info":
            arn = "arn:aws:dynamodb:eu-west-1:493817264510:table/prod-orders"
            return httpx.Response(200, json={"table_arn": arn})
        return httpx.Response(404)

    found = {f.endpoint.path: f for f in check_runner(CHECK, handler)}
    assert found["/debug"].severity is Severity.HIGH
    assert found["/server-info"].severity is Severity.LOW
    assert "493817264510" not in evidence_text(found["/server-info"])


def test_session_credentials_behind_authentication_are_found_with_the_users_token(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/admin/config":
            return httpx.Response(404)
        if request.headers.get("Authorization") != "Bearer user-token-1234":
            return httpx.Response(401, json={"error": "login"})
        creds = {"AccessKeyId": fakes.aws_key_id(prefix="ASIA"), "SecretAccessKey": SECRET,
                 "SessionToken": TOKEN}  # fmt: skip
        return httpx.Response(200, json={"Credentials": creds})

    headers = {"Authorization": "Bearer user-token-1234"}
    config = ScanConfig(target="http://api.test", headers_a=headers)
    options = ClientOptions(identities={"a": headers})
    [finding] = check_runner(CHECK, handler, config=config, options=options)
    assert finding.severity is Severity.CRITICAL and "session token" in finding.title
    assert "authenticated user" in finding.description
    assert_masked(finding, SECRET, TOKEN)


def test_presigned_urls_and_doc_samples_are_not_leaks(check_runner):
    app = Flask("files")

    @app.get("/files/<name>")
    def file(name: str):
        url = (f"https://bucket.s3.amazonaws.com/{name}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
               f"&X-Amz-Credential={KEY_ID}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
               "&X-Amz-Expires=300&X-Amz-Signature=" + "ab" * 32)  # fmt: skip
        return jsonify(download_url=url, example="AKIA" + "IOSFODNN7EXAMPLE")

    @app.get("/")
    def index():
        return jsonify(region=request.args.get("r", "us-east-1"))

    findings = check_runner(CHECK, wsgi(app), explore=[("GET", "/"), ("GET", "/files/a.pdf")])
    assert findings == []


def test_random_forty_character_values_are_not_secrets(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"request_id": fakes.chars("r", 40, fakes.BASE64),
                                         "etag": fakes.chars("e", 40, "0123456789abcdef")})

    assert check_runner(CHECK, handler) == []


def blueprint_app() -> Flask:
    """Everything under a Blueprint's /api/v3, a forgotten diagnostics route among it."""
    app = Flask("mounted")

    @app.get("/api/v3/pets")
    def pets():
        return jsonify(items=[{"pet_id": 1, "name": "Rex"}])

    @app.get("/api/v3/diagnostics")
    def diagnostics():
        return jsonify(env={"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET})

    return app


def test_a_dump_below_the_apis_mount_point_is_probed_there():
    relative = {
        "openapi": "3.0.3",
        "info": {"title": "m", "version": "1"},
        "servers": [{"url": "/api/v3"}],
        "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    [finding] = run_explored(CHECK, wsgi(blueprint_app()), relative)
    assert finding.endpoint.path == "/api/v3/diagnostics"
    assert finding.severity is Severity.CRITICAL
    assert_masked(finding, SECRET)
    # Without a document nothing says where the API is mounted: the root alone is tried.
    assert run_explored(CHECK, wsgi(blueprint_app()), None) == []
