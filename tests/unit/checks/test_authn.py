"""authn.missing-authentication: open secured operations and bypasses, against look-alikes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from flask import Flask, g, jsonify, request

from middlebrick.models import Severity

from .test_authn_support import document, operation, scan_check, wsgi

CHECK = "authn.missing-authentication"
A = {"Authorization": "Bearer tok-alice"}
TOKENS = {"tok-alice": "alice", "tok-bob": "bob"}
NOTE = {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"}}}
NOTES_DOC = document(
    {
        "/me": {"get": operation()},
        "/notes": {"get": operation(response={"type": "array", "items": NOTE})},
        "/reports/summary": {"get": operation()},
        "/catalog": {"get": operation(secured=False)},
    }
)


def notes_app(*, open_reports: bool = False, presence_only: bool = False, head: bool = False):
    """A Flask API that authenticates in before_request, with one optional mistake."""
    app = Flask("notes")
    public = {"catalog", "index"}

    @app.before_request
    def authenticate() -> Any:
        g.user = None
        if request.endpoint in public or (head and request.method == "HEAD"):
            return None  # the HEAD mistake: "HEAD is only a probe, let it through"
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        g.user = "alice" if presence_only and token else TOKENS.get(token)
        if g.user is None and not (open_reports and request.endpoint == "reports"):
            return jsonify(error="authentication required"), 401
        return None

    @app.get("/")
    def index() -> Any:
        return {"service": "notes"}

    @app.get("/me")
    def me() -> Any:
        return {"user": g.user or "anonymous", "plan": "pro", "quota": {"notes": 100}}

    @app.get("/notes")
    def notes() -> Any:
        return jsonify([{"id": f"n-{i}", "text": f"note {i}", "tags": ["x"]} for i in range(3)])

    @app.get("/reports/summary")
    def reports() -> Any:
        return {"revenue": 1234, "orders": 56, "by_region": {"eu": 12, "us": 44}}

    @app.get("/catalog")
    def catalog() -> Any:
        return {"products": [{"sku": "p-1", "name": "Pen", "price": 3}], "next": None}

    return app


def summary(findings) -> list[tuple[str, str, str, Severity]]:
    return sorted(
        (f.title, f.endpoint.method if f.endpoint else "", f.endpoint.path if f.endpoint else "",
         f.severity)
        for f in findings
    )  # fmt: skip


def test_a_documented_secured_operation_served_anonymously_is_reported():
    findings = scan_check(CHECK, wsgi(notes_app(open_reports=True)), NOTES_DOC, headers_a=A)
    assert summary(findings) == [
        ("Operation documented as secured answers without credentials", "GET",
         "/reports/summary", Severity.HIGH),
    ]  # fmt: skip
    finding = findings[0]
    assert finding.cwe == "CWE-306" and finding.category.value == "authentication"
    anonymous, as_alice = finding.evidence
    assert "authorization" not in anonymous.request["headers"]
    assert as_alice.request["headers"]["authorization"].startswith("Bearer ")
    assert "tok-alice" not in str(finding.evidence)  # the credential is masked


def test_a_protected_api_with_a_public_catalog_is_clean():
    sent: list = []
    assert scan_check(CHECK, wsgi(notes_app()), NOTES_DOC, headers_a=A, sent=sent) == []
    # The bypass probes were really tried (and failed) on the protected operations.
    assert any(x.method == "HEAD" for x in sent)
    assert any(x.request_headers.get("x-original-url") for x in sent)


def test_a_check_of_presence_not_validity_is_found():
    findings = scan_check(CHECK, wsgi(notes_app(presence_only=True)), NOTES_DOC, headers_a=A)
    assert [f.title for f in findings] == ["Any credential value is accepted"]
    assert findings[0].evidence[0].request["headers"]["authorization"].startswith("Bearer ")


def test_a_head_request_that_skips_authentication_is_found():
    findings = scan_check(CHECK, wsgi(notes_app(head=True)), NOTES_DOC, headers_a=A)
    assert [(f.title, f.severity) for f in findings] == [
        ("Authentication bypassed with HEAD", Severity.MEDIUM)
    ]
    assert findings[0].evidence[0].request["method"] == "HEAD"


ACCOUNT = {"id": "u-1", "name": "Alice", "plan": "pro", "limits": {"seats": 5, "storage": 10}}
RAW_DOC = document({"/account": {"get": operation()}, "/invoices": {"get": operation()}})


def raw_api(bypass: str | None):
    """A hand-written service whose access rule and router disagree in one way."""
    data = {"/account": ACCOUNT, "/invoices": {"invoices": [{"id": "i-1", "total": 9}]}}

    def handler(req: httpx.Request) -> httpx.Response:
        path, method = req.url.path, req.method
        authed = req.headers.get("authorization") == "Bearer tok-alice"
        if bypass == "slash":
            guarded = path in data  # exact match, but the router ignores a trailing slash
        elif bypass == "case":
            guarded = path.startswith(("/account", "/invoices"))  # the router lowercases
        elif bypass == "override":
            guarded = method in ("GET", "HEAD") and path in data  # the real method only
        elif bypass == "rewrite":
            guarded = path != "/"  # the proxy rule sees "/", the app routes X-Original-URL
        else:
            guarded = path != "/"
        if guarded and not authed:
            return httpx.Response(401, json={"message": "Unauthorized"})
        if bypass == "override":
            method = req.headers.get("x-http-method-override", method).upper()
        if bypass == "rewrite":
            path = req.headers.get("x-original-url", path)
        route = {"slash": path.rstrip("/"), "case": path.lower()}.get(bypass or "", path)
        if route in data and method in ("GET", "HEAD"):
            return httpx.Response(200, json=data[route])
        if path == "/":
            return httpx.Response(200, json={"service": "billing"})
        return httpx.Response(404 if route not in data else 405, json={"message": "Not Found"})

    return handler


@pytest.mark.parametrize(
    ("bypass", "title"),
    [
        ("slash", "Authentication bypassed with a trailing slash"),
        ("case", "Authentication bypassed by changing the path's case"),
        ("override", "Authentication bypassed with X-HTTP-Method-Override"),
        ("rewrite", "Authentication bypassed with X-Original-URL / X-Rewrite-URL"),
    ],
)
def test_path_method_and_rewrite_bypasses_are_found_once(bypass, title):
    findings = scan_check(CHECK, raw_api(bypass), RAW_DOC, headers_a=A)
    assert [f.title for f in findings] == [title]
    assert findings[0].severity is Severity.HIGH


def test_a_strict_raw_service_is_clean_and_read_only_sends_no_post():
    sent: list = []
    assert scan_check(CHECK, raw_api(None), RAW_DOC, headers_a=A) == []
    assert (
        scan_check(CHECK, raw_api("override"), RAW_DOC, headers_a=A, read_only=True, sent=sent)
        == []
    )
    assert {x.method for x in sent} <= {"GET", "HEAD"}


def test_a_polite_refusal_with_200_or_an_html_page_is_not_data():
    def handler(req: httpx.Request) -> httpx.Response:
        authed = req.headers.get("authorization") == "Bearer tok-alice"
        if req.url.path == "/account" and not authed:
            return httpx.Response(200, json={"ok": False, "error": "please sign in"})
        if req.url.path == "/invoices" and not authed:
            return httpx.Response(200, text="<html><body>app shell</body></html>",
                                  headers={"content-type": "text/html"})  # fmt: skip
        return raw_api(None)(req)

    assert scan_check(CHECK, handler, RAW_DOC, headers_a=A) == []


def test_without_credentials_the_declared_schema_is_the_reference():
    doc = document(
        {
            "/account": {"get": operation(response={
                "type": "object",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                               "plan": {"type": "string"}},
            })},
            "/status": {"get": operation(secured=False)},
            "/invoices": {"get": operation()},
        }
    )  # fmt: skip

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/account":
            return httpx.Response(200, json=ACCOUNT)  # no check at all
        if req.url.path == "/status":
            return httpx.Response(200, json={"status": "ok", "version": "1.2"})
        if req.url.path == "/invoices":
            return httpx.Response(401, json={"message": "Unauthorized"})
        return httpx.Response(404)

    findings = scan_check(CHECK, handler, doc)
    assert summary(findings) == [
        ("Operation documented as secured answers without credentials", "GET", "/account",
         Severity.HIGH),
    ]  # fmt: skip
    assert "spec declares" in (findings[0].evidence[0].note or "")


def test_a_health_probe_under_document_wide_security_is_only_info():
    doc = document(
        {"/health": {"get": operation(secured=None)}, "/account": {"get": operation(secured=None)}},
        security=[{"bearer": []}],
    )

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/health":
            return httpx.Response(200, json={"status": "ok", "checks": {"db": "ok"}})
        return raw_api(None)(req)

    findings = scan_check(CHECK, handler, doc, headers_a=A)
    assert summary(findings) == [
        ("Operation documented as secured answers without credentials", "GET", "/health",
         Severity.INFO),
    ]  # fmt: skip


def test_a_session_cookie_the_client_picked_up_never_rides_on_anonymous_probes():
    """Signing up logs the new account in with a cookie; httpx keeps it in its jar."""
    doc = document(
        {
            "/signup": {"post": operation(secured=False, body={"type": "object"})},
            "/account": {"get": operation()},
        }
    )

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/signup":
            return httpx.Response(201, json={"id": "u-9"}, headers={"Set-Cookie": "sid=u-9"})
        cookie_user = "sid=u-9" in req.headers.get("cookie", "")
        bearer_user = req.headers.get("authorization") == "Bearer tok-alice"
        if req.url.path == "/account" and (cookie_user or bearer_user):
            return httpx.Response(200, json=ACCOUNT)
        if req.url.path == "/account":
            return httpx.Response(401, json={"message": "Unauthorized"})
        return httpx.Response(404)

    sent: list = []
    assert scan_check(CHECK, handler, doc, headers_a=A, sent=sent) == []
    anonymous = [
        x for x in sent if x.path == "/account" and "authorization" not in x.request_headers
    ]
    assert anonymous and all("sid=" not in x.request_headers.get("cookie", "") for x in anonymous)


# -- a document that says nothing about security (no scheme, no requirement) ------------------
BARE = {"openapi": "3.0.3", "info": {"title": "bare", "version": "1"}, "paths": {
    path: {"get": {"responses": {"200": {"description": "ok"}}}}
    for path in ("/account", "/orders", "/orders/export", "/catalog")
}}  # fmt: skip
B = {"Authorization": "Bearer tok-bob"}


def shop_app(*, forgot_export: bool, authenticates: bool = True) -> Flask:
    """Orders behind a token, except (when forgot_export) the export, and a public catalogue."""
    app = Flask("shop")
    orders = [{"order_id": f"o-{who}-{i}", "customer_id": who, "total": 10 * i}
              for who in ("u-alice", "u-bob") for i in range(2)]  # fmt: skip
    open_views = {"catalog", "index"} | ({"export"} if forgot_export else set())

    @app.before_request
    def authenticate() -> Any:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        g.user = {"tok-alice": "u-alice", "tok-bob": "u-bob"}.get(token)
        if authenticates and g.user is None and request.endpoint not in open_views:
            return jsonify(error="authentication required"), 401
        return None

    @app.get("/")
    def index() -> Any:
        return {"service": "shop"}

    @app.get("/account")
    def account() -> Any:
        return {"customer_id": g.user, "email_verified": True, "tier": "gold"}

    @app.get("/orders")
    def list_orders() -> Any:
        return jsonify(orders=[o for o in orders if o["customer_id"] == g.user])

    @app.get("/orders/export")
    def export() -> Any:
        return jsonify(orders=orders)  # everyone's, to whoever asks

    @app.get("/catalog")
    def catalog() -> Any:
        return jsonify(items=[{"sku": f"s-{i}", "name": f"item {i}", "price": i} for i in range(3)])

    return app


def test_an_export_that_forgot_authentication_is_found_without_any_security_documented():
    findings = scan_check(CHECK, wsgi(shop_app(forgot_export=True)), BARE, headers_a=A,
                          headers_b=B)  # fmt: skip
    assert [(f.endpoint.path, f.severity, f.title) for f in findings] == [
        ("/orders/export", Severity.HIGH, "Operation serves a user's objects without credentials")
    ]


@pytest.mark.parametrize("forgot_export, authenticates", [(False, True), (True, False)])
def test_undocumented_public_parts_or_an_api_without_authentication_are_not_reported(
    forgot_export, authenticates
):
    # A catalogue open to all, or an API with no authentication at all: nothing was forgotten.
    app = shop_app(forgot_export=forgot_export, authenticates=authenticates)
    assert scan_check(CHECK, wsgi(app), BARE, headers_a=A, headers_b=B) == []
