"""authz.bola: objects every user may read by design are never reported, and ownership shown
only by the users' listings still is."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask, abort, g, jsonify, request

from middlebrick.models import Confidence

from .authz_fakes import found, json_body, ok, openapi, path_id, scan_mock, where, wsgi

A = {"Authorization": "Bearer tok-a"}
B = {"Authorization": "Bearer tok-b"}


# -- objects both users may read by design -------------------------------------------------------
SHOP_SPEC = openapi(
    {
        "/account": {"get": {"responses": ok()}},
        "/products": {
            "get": {"responses": ok()},
            "post": {
                "requestBody": json_body({"name": {"type": "string"}}, ["name"]),
                "responses": ok(status="201"),
            },
        },
        "/products/{product_id}": {
            "parameters": [path_id("product_id")],
            "get": {"responses": ok()},
        },
        "/profiles/{account_id}": {
            "parameters": [path_id("account_id")],
            "get": {"responses": ok()},
        },
    }
)


def shop_app(*, listing_page: int = 2) -> Flask:
    """A catalogue every signed-in user reads (objects carry `created_by`), public profiles."""
    app = Flask("shop")
    accounts = {"Bearer tok-a": "acc-alice", "Bearer tok-b": "acc-bob"}
    products = {
        "p-1": {"product_id": "p-1", "name": "kettle", "created_by": "acc-admin"},
        "p-2": {"product_id": "p-2", "name": "teapot", "created_by": "acc-admin"},
        "p-3": {"product_id": "p-3", "name": "mug", "created_by": "acc-bob"},
    }
    serial = itertools.count(10)

    @app.before_request
    def identify() -> None:
        g.account = accounts.get(request.headers.get("Authorization", ""))
        if g.account is None and not request.path.startswith(("/profiles/", "/openapi")):
            if request.path != "/":
                abort(401)

    @app.get("/")
    def index() -> Any:
        return {"shop": True}

    @app.get("/openapi.json")
    def spec() -> Any:
        return SHOP_SPEC

    @app.get("/account")
    def account() -> Any:
        return {"account_id": g.account, "display_name": g.account.split("-")[1]}

    @app.get("/products")
    def listing() -> Any:
        return jsonify(items=list(products.values())[:listing_page])  # only the first page

    @app.post("/products")
    def create() -> Any:
        pid = f"p-{next(serial)}"
        products[pid] = {"product_id": pid, "name": request.json["name"], "created_by": g.account}
        return products[pid], 201

    @app.get("/products/<pid>")
    def product(pid: str) -> Any:
        return products[pid] if pid in products else abort(404)

    @app.get("/profiles/<account_id>")
    def profile(account_id: str) -> Any:
        return {"account_id": account_id, "display_name": account_id.split("-")[-1]}

    return app


def test_catalogue_and_public_profiles_are_not_reported():
    # A's own product (created_by = A, missing from B's first page) and A's public profile are
    # readable by B by design: B's listing shows others' objects, anonymous reads the profile.
    result = scan_mock(wsgi(shop_app()), checks="authz.bola", a=A, b=B)
    assert found(result, "authz.bola") == []
    assert result.stats.requests > 10  # it did look: B really read A's product and profile


# -- ownership shown only by the listings --------------------------------------------------------
DOCS_SPEC = openapi(
    {
        "/me": {"get": {"responses": ok()}},
        "/documents": {"get": {"responses": ok()}},
        "/documents/{doc}": {"parameters": [path_id("doc")], "get": {"responses": ok()}},
    }
)


def docs_app(*, fixed: bool) -> Flask:
    """Documents with no owner field: only each user's listing says whose they are."""
    app = Flask("docs")
    users = {"Bearer tok-a": "u-a", "Bearer tok-b": "u-b"}
    owners = {"d-a1": "u-a", "d-a2": "u-a", "d-b1": "u-b"}

    @app.before_request
    def identify() -> None:
        g.user = users.get(request.headers.get("Authorization", ""))
        if g.user is None and request.path not in {"/", "/openapi.json"}:
            abort(401)

    @app.get("/")
    def index() -> Any:
        return {}

    @app.get("/openapi.json")
    def spec() -> Any:
        return DOCS_SPEC

    @app.get("/me")
    def me() -> Any:
        return {"uid": g.user, "email": f"{g.user}@example.test"}

    @app.get("/documents")
    def listing() -> Any:
        return jsonify([{"doc": d, "title": d.upper()} for d, o in owners.items() if o == g.user])

    @app.get("/documents/<doc>")
    def read(doc: str) -> Any:
        if doc not in owners or (fixed and owners[doc] != g.user):
            abort(404)
        return {"doc": doc, "title": doc.upper(), "body": "text of " + doc}

    return app


def test_listing_scoped_documents_without_owner_field():
    findings = found(scan_mock(wsgi(docs_app(fixed=False)), checks="authz.bola", a=A, b=B),
                     "authz.bola")
    assert where(findings) == {("GET", "/documents/{doc}")}
    assert findings[0].confidence is Confidence.FIRM
    assert "A's listing /documents holds it" in findings[0].description
    assert found(scan_mock(wsgi(docs_app(fixed=True)), checks="authz.bola", a=A, b=B),
                 "authz.bola") == []
