"""inventory.*: undocumented endpoints against catch-alls, exposed docs, deprecated operations."""

from __future__ import annotations

import json

import httpx
from flask import Flask, jsonify, request

from middlebrick.models import Severity

from .explored import run_explored, wsgi

UNDOCUMENTED = "inventory.undocumented-endpoint"
DOCS = "inventory.exposed-documentation"
DEPRECATED = "inventory.deprecated-operation"
TOKEN = {"Authorization": "Bearer staff-token-42"}


def document(paths: dict[str, list[str]], *, deprecated: tuple[str, ...] = ()) -> dict:
    out: dict = {"openapi": "3.0.3", "info": {"title": "t", "version": "2"}, "paths": {}}
    for path, methods in paths.items():
        for method in methods:
            op: dict = {"responses": {"200": {"description": "ok"}}}
            if f"{method} {path}" in deprecated:
                op["deprecated"] = True
            if method in {"post", "put", "patch"}:
                schema = {"schema": {"type": "object"}}
                op["requestBody"] = {"content": {"application/json": schema}}
            params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
            if params:
                op["parameters"] = [
                    {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                    for n in params
                ]
            out["paths"].setdefault(path, {})[method] = op
    return out


def catalog_app(*, fixed: bool) -> Flask:
    """v2 is documented; v1, an internal dump and DELETE on items are the shadows."""
    app = Flask("catalog")
    items = [{"id": "i1", "title": "lamp"}, {"id": "i2", "title": "desk"}]

    @app.get("/v2/items")
    def items_v2():
        return jsonify(data=items, links={"self": "/v2/items"})

    @app.get("/v2/items/<item_id>")
    def item_v2(item_id: str):
        return jsonify(next((i for i in items if i["id"] == item_id), {}))

    if not fixed:

        @app.get("/v1/items")
        def items_v1():
            return jsonify(items)

        @app.delete("/v2/items/<item_id>")
        def delete_item(item_id: str):
            return "", 204

        @app.get("/admin/export")
        def dump():
            if request.headers.get("Authorization") != TOKEN["Authorization"]:
                return jsonify(error="unauthorized"), 401
            return jsonify(items=items, exported_by="cron")

    @app.errorhandler(404)
    def not_found(_: Exception):
        return jsonify(error="not found", path=request.path), 404

    return app


CATALOG = document({"/v2/items": ["get"], "/v2/items/{item_id}": ["get"]})


def test_shadow_version_dump_and_method_are_found():
    findings = run_explored(UNDOCUMENTED, wsgi(catalog_app(fixed=False)), CATALOG, headers_a=TOKEN)
    found = {(f.endpoint.method, f.endpoint.path): f for f in findings}
    assert set(found) == {("GET", "/v1/items"), ("GET", "/admin/export"),
                          ("DELETE", "/v2/items/{item_id}")}  # fmt: skip
    assert found[("GET", "/v1/items")].severity is Severity.MEDIUM
    assert "older API version" in found[("GET", "/v1/items")].title
    assert found[("GET", "/admin/export")].severity is Severity.MEDIUM
    assert found[("DELETE", "/v2/items/{item_id}")].severity is Severity.LOW
    assert "Allow" in found[("DELETE", "/v2/items/{item_id}")].description


def test_protected_shadow_endpoint_is_low_without_credentials():
    findings = run_explored(UNDOCUMENTED, wsgi(catalog_app(fixed=False)), CATALOG)
    dump = next(f for f in findings if f.endpoint.path == "/admin/export")
    assert dump.severity is Severity.LOW and "401" in dump.description


def test_fixed_catalog_reports_nothing():
    assert run_explored(UNDOCUMENTED, wsgi(catalog_app(fixed=True)), CATALOG, headers_a=TOKEN) == []


def spa(request: httpx.Request) -> httpx.Response:
    """A single-page app: every unknown path gets index.html; the API lives under /api/v2."""
    if request.url.path == "/api/v2/orders":
        return httpx.Response(200, json={"orders": []})
    if request.method == "OPTIONS":
        return httpx.Response(204, headers={"Allow": "GET, HEAD, OPTIONS, POST, PUT, DELETE"})
    page = f"<html><head><title>Shop</title></head><body><div id=app></div>{request.url.path}"
    return httpx.Response(200, html=page + "</body></html>")


def test_single_page_app_catch_all_reports_nothing():
    spec = document({"/api/v2/orders": ["get"]})
    assert run_explored(UNDOCUMENTED, spa, spec, headers_a=TOKEN) == []


def test_json_catch_all_still_reveals_a_real_endpoint():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/items":
            return httpx.Response(200, json=[{"id": 1}])
        if request.url.path == "/internal/backup":
            return httpx.Response(200, json={"backup": "s3://bucket/2024.tar", "size": 42})
        return httpx.Response(200, json={"status": "error", "message": "no route"})

    [finding] = run_explored(UNDOCUMENTED, handler, document({"/items": ["get"]}))
    assert finding.endpoint.path == "/internal/backup"


def test_links_in_responses_and_undocumented_get():
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/reports" and request.method == "POST":
            return httpx.Response(201, json={"id": "r1", "href": "/exports/r1/raw"},
                                  headers={"Link": '</reports?page=2>; rel="next"'})  # fmt: skip
        if path == "/reports" and request.method == "GET":
            return httpx.Response(200, json={"reports": [{"id": "r1"}]})
        if path == "/exports/r1/raw":
            return httpx.Response(200, text="col1,col2\n1,2\n")
        if request.method == "OPTIONS":
            return httpx.Response(404)
        return httpx.Response(404, text="Not Found")

    findings = run_explored(UNDOCUMENTED, handler, document({"/reports": ["post"]}))
    found = {(f.endpoint.method, f.endpoint.path): f for f in findings}
    assert set(found) == {("GET", "/exports/r1/raw"), ("GET", "/reports")}
    assert "link in the response of POST /reports" in found[("GET", "/exports/r1/raw")].description
    assert found[("GET", "/reports")].severity is Severity.MEDIUM


def test_health_endpoint_is_only_an_observation_and_no_spec_means_no_check():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path in {"/items", "/healthz"}:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(404)

    [finding] = run_explored(UNDOCUMENTED, handler, document({"/items": ["get"]}))
    assert finding.endpoint.path == "/healthz" and finding.severity is Severity.INFO
    assert run_explored(UNDOCUMENTED, handler, None) == []


# -- exposed documentation --------------------------------------------------------------------
def docs_app(*, public: bool) -> Flask:
    app = Flask("docs")
    spec = document({"/items": ["get"]})

    @app.get("/openapi.json")
    def openapi():
        if not public and "Authorization" not in request.headers:
            return jsonify(error="auth"), 401
        return jsonify(spec)

    @app.get("/docs")
    def ui():
        if not public:
            return jsonify(error="auth"), 401
        return '<html><div id="swagger-ui"></div><script>SwaggerUIBundle({})</script></html>'

    @app.get("/admin/")
    def admin():
        return "<html><head><title>Home - Admin</title></head><a href=/admin/static/x>Flask-Admin"

    return app


def test_spec_ui_and_admin_console_are_reported():
    findings = run_explored(DOCS, wsgi(docs_app(public=True)), None)
    titles = sorted(f.title for f in findings)
    assert titles == [
        "Admin console reachable without credentials at /admin/",
        "OpenAPI document publicly reachable at /openapi.json",
        "Swagger UI publicly reachable at /docs",
    ]
    severity = {f.title.split()[0]: f.severity for f in findings}
    assert severity == {"Admin": Severity.LOW, "OpenAPI": Severity.INFO, "Swagger": Severity.INFO}


def test_protected_docs_and_catch_all_pages_are_not_docs():
    app = docs_app(public=False)
    app.view_functions["admin"] = lambda: ("", 404)
    assert run_explored(DOCS, wsgi(app), None) == []
    assert run_explored(DOCS, spa, None) == []


# -- deprecated operations --------------------------------------------------------------------
def test_deprecated_operation_still_answering():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old-search":
            return httpx.Response(200, json={"hits": []})
        return httpx.Response(410 if request.url.path == "/older" else 200, json={})

    spec = document({"/old-search": ["get"], "/older": ["get"], "/search": ["get"]},
                    deprecated=("get /old-search", "get /older"))  # fmt: skip
    [finding] = run_explored(DEPRECATED, handler, spec)
    assert finding.endpoint.path == "/old-search" and finding.severity is Severity.LOW


def test_a_forgotten_route_of_the_documented_blueprint_is_found_below_its_prefix():
    app = Flask("mounted")

    @app.get("/api/v3/pets")
    def pets():
        return jsonify(items=[{"pet_id": 1}])

    @app.get("/api/v3/debug")
    def debug():
        return jsonify(threads=12, tables=["pets", "owners"])

    @app.errorhandler(404)
    def not_found(_: Exception):
        return jsonify(error={"code": "not_found", "detail": request.path}), 404

    relative = {
        "openapi": "3.0.3",
        "info": {"title": "m", "version": "3"},
        "servers": [{"url": "/api/v3"}],
        "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    found = run_explored(UNDOCUMENTED, wsgi(app), relative)
    assert [(f.endpoint.path, f.severity) for f in found] == [("/api/v3/debug", Severity.MEDIUM)]


def test_the_mount_point_is_the_folder_every_documented_path_shares():
    from middlebrick.checks.inventory_support import mount_points
    from middlebrick.spec.load import parse_spec

    def mounts(paths: list[str], server: str | None = None) -> list[str]:
        doc = document({p: ["get"] for p in paths})
        if server:
            doc["servers"] = [{"url": server}]
        return mount_points(parse_spec(json.dumps(doc), source="memory.json"))

    assert mounts(["/users", "/orders"]) == [""]
    assert mounts(["/users", "/orders/{id}"], "/api/v3") == ["", "/api/v3"]
    assert mounts(["/api/v2/users", "/api/v2/orders/{id}"]) == ["", "/api/v2"]
    assert mounts(["/catalog/items"]) == ["", "/catalog"]
    assert mounts(["/{tenant}/items", "/{tenant}/users"]) == [""]
    assert mounts(["/catalog", "/catalog/{id}"]) == [""]
