"""An invoicing API documented as /api/v2, still serving its old /api/v1 (in the vulnerable
version), behind a single-page app whose catch-all route answers every other GET with 200 HTML.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

INDEX = (
    "<!doctype html><html><head><title>Invoices</title>"
    '<script src="/static/app.js"></script></head><body><div id="root"></div></body></html>'
)
INVOICES = [{"number": f"INV-{n}", "total_cents": n * 1250, "currency": "EUR"} for n in range(1, 4)]
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "invoices", "version": "2.0"},
    "paths": {
        "/api/v2/invoices": {"get": {"responses": {"200": {"description": "invoices"}}}},
        "/api/v2/invoices/{number}": {
            "get": {
                "parameters": [{"name": "number", "in": "path", "required": True,
                                "schema": {"type": "string"}}],  # fmt: skip
                "responses": {"200": {"description": "one"}, "404": {"description": "none"}},
            }
        },
    },
}


def create_app(*, fixed: bool) -> Flask:
    app = Flask(__name__)

    @app.get("/api/v2/invoices")
    def invoices() -> Any:
        return jsonify(items=INVOICES, count=len(INVOICES))

    @app.get("/api/v2/invoices/<number>")
    def invoice(number: str) -> Any:
        found = next((i for i in INVOICES if i["number"] == number), None)
        return (jsonify(found), 200) if found else (jsonify(detail="not found"), 404)

    if not fixed:

        @app.get("/api/v1/invoices")
        def invoices_v1() -> Any:  # the old shape, with no pagination and every field
            return jsonify([{**i, "internal_notes": "legacy"} for i in INVOICES])

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(SPEC)

    @app.get("/")
    @app.get("/<path:anything>")
    def spa(anything: str = "") -> Any:
        return INDEX

    return app
