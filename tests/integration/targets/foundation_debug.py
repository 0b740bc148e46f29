"""A small Flask items API that fails only on bad input, with or without the Werkzeug debugger.

The handlers have the everyday bugs that surface the debugger: `int()` on a query parameter and
`json.loads()` on the raw body, both raising on a malformed request instead of answering 400.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from werkzeug.debug import DebuggedApplication

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "foundation items", "version": "1"},
    "paths": {
        "/items": {
            "get": {
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "items"}},
            },
            "post": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {"201": {"description": "created"}},
            },
        }
    },
}


def create_app(*, debug: bool) -> Flask:
    app = Flask("foundation_debug")
    app.debug = debug  # lets exceptions reach the debugger instead of Flask's 500 page
    items = [{"id": "1", "name": "first"}, {"id": "2", "name": "second"}]

    @app.get("/")
    def index() -> dict[str, str]:
        return {"service": "items"}

    @app.get("/items")
    def list_items() -> dict[str, Any]:
        limit = int(request.args.get("limit", "10"))
        return {"items": items[:limit]}

    @app.post("/items")
    def create_item() -> tuple[dict[str, Any], int]:
        data = json.loads(request.get_data())
        return {"id": str(len(items) + 1), "name": str(data.get("name"))}, 201

    return app


def debug_wsgi(*, evalex: bool = True) -> DebuggedApplication:
    """What `flask run --debug` / `app.run(debug=True)` serve: the app inside the debugger."""
    return DebuggedApplication(create_app(debug=True), evalex=evalex)
