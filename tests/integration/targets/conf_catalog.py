"""A widget catalogue (Flask Blueprint under /api, camelCase JSON, API-key auth, OpenAPI 3.1).

`create_app(conforming=True)` answers exactly as its document says. With `conforming=False` it
drifts in known ways:
- POST /widgets answers 202 where the document declares 201 (undeclared status);
- GET /widgets sends its JSON as text/html (content type);
- GET /widgets/{widgetId} sends `price` as a string where a number is declared (schema);
- GET /stats crashes when its optional `since` date is given (500 on valid input; exploration
  leaves optional parameters out, so only the conformance checks' extra request sends it);
- GET /accounts/me carries `passwordHash` (sensitive) and `lastSeen` (harmless), undeclared.
"""

from __future__ import annotations

import datetime
import json
import threading
from typing import Any

from flask import Blueprint, Flask, Response, abort, jsonify, request

API_KEY = "k-alice-3f9a"
_ERROR = {"$ref": "#/components/responses/Error"}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


DOC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "widget catalogue", "version": "2.3.0"},
    "servers": [{"url": "/api"}],
    "security": [{"apiKey": []}],
    "paths": {
        "/widgets": {
            "get": {
                "operationId": "listWidgets",
                "responses": {"200": {"description": "a page", "content": _json("WidgetPage")},
                              "401": _ERROR},
            },
            "post": {
                "operationId": "createWidget",
                "requestBody": {"required": True, "content": _json("WidgetInput")},
                "responses": {"201": {"description": "created", "content": _json("Widget")},
                              "400": _ERROR, "401": _ERROR},
            },
        },
        "/widgets/{widgetId}": {
            "get": {
                "operationId": "getWidget",
                "parameters": [{"name": "widgetId", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": "^w-[0-9]+$"}}],
                "responses": {"200": {"description": "one", "content": _json("Widget")},
                              "401": _ERROR, "404": _ERROR},
            },
        },
        "/accounts/me": {
            "get": {
                "operationId": "getAccount",
                "responses": {"200": {"description": "me", "content": _json("Account")},
                              "401": _ERROR},
            },
        },
        "/stats": {
            "get": {
                "operationId": "getStats",
                "parameters": [{"name": "since", "in": "query",
                                "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": {"description": "counts", "content": _json("Stats")},
                              "400": _ERROR, "401": _ERROR},
            },
        },
    },
    "components": {
        "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
        "responses": {"Error": {"description": "failure", "content": _json("Problem")}},
        "schemas": {
            "Problem": {"type": "object", "required": ["message"],
                        "properties": {"message": {"type": "string"}}},
            "Widget": {
                "type": "object",
                "required": ["widgetId", "name", "price"],
                "properties": {
                    "widgetId": {"type": "string"},
                    "name": {"type": "string"},
                    "price": {"type": "number", "minimum": 0},
                    "colour": {"type": ["string", "null"]},
                },
            },
            "WidgetInput": {
                "type": "object",
                "required": ["name", "price"],
                "additionalProperties": False,
                "properties": {"name": {"type": "string", "maxLength": 60},
                               "price": {"type": "number", "minimum": 0, "maximum": 10000}},
            },
            "WidgetPage": {
                "type": "object",
                "required": ["items"],
                "properties": {"items": {"type": "array",
                                         "items": {"$ref": "#/components/schemas/Widget"}},
                               "nextCursor": {"type": ["string", "null"]}},
            },
            "Account": {
                "type": "object",
                "required": ["accountId", "displayName"],
                "properties": {"accountId": {"type": "string"},
                               "displayName": {"type": "string"},
                               "plan": {"enum": ["free", "pro"]}},
            },
            "Stats": {"type": "object", "required": ["widgets"],
                      "properties": {"widgets": {"type": "integer"}}},
        },
    },
}


def create_app(*, conforming: bool) -> Flask:
    app = Flask("conf_catalog")
    lock = threading.Lock()
    widgets: dict[str, dict[str, Any]] = {
        "w-1": {"widgetId": "w-1", "name": "sprocket", "price": 12.5, "colour": None},
        "w-2": {"widgetId": "w-2", "name": "flange", "price": 3.0, "colour": "red"},
    }
    api = Blueprint("api", __name__)

    @api.before_request
    def authenticate() -> Any:
        if request.path.endswith("/openapi.json"):
            return None
        if request.headers.get("X-Api-Key") != API_KEY:
            return jsonify(message="missing or wrong API key"), 401
        return None

    @api.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(DOC)

    @api.get("/widgets")
    def list_widgets() -> Any:
        page = {"items": list(widgets.values()), "nextCursor": None}
        if conforming:
            return jsonify(page)
        return Response(json.dumps(page), mimetype="text/html")

    @api.post("/widgets")
    def create_widget() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or set(body) - {"name", "price"} or "name" not in body:
            return jsonify(message="invalid widget"), 400
        with lock:
            widget_id = f"w-{len(widgets) + 1}"
            widgets[widget_id] = {"widgetId": widget_id, "name": str(body["name"]),
                                  "price": float(body.get("price", 0)), "colour": None}
        return jsonify(widgets[widget_id]), 201 if conforming else 202

    @api.get("/widgets/<widget_id>")
    def get_widget(widget_id: str) -> Any:
        widget = widgets.get(widget_id)
        if widget is None:
            return jsonify(message="no such widget"), 404
        if conforming:
            return jsonify(widget)
        return jsonify({**widget, "price": f"{widget['price']:.2f}"})

    @api.get("/accounts/me")
    def account() -> Any:
        me = {"accountId": "acc-7", "displayName": "Alice", "plan": "pro"}
        if not conforming:
            me |= {"passwordHash": "pbkdf2:sha256:600000$x$y", "lastSeen": "2024-05-01"}
        return jsonify(me)

    @api.get("/stats")
    def stats() -> Any:
        since = request.args.get("since")
        if since is not None:
            fmt = "%Y-%m-%d" if conforming else "%d/%m/%Y"  # the drift: the wrong format
            try:
                datetime.datetime.strptime(since, fmt)
            except ValueError:
                if conforming:
                    abort(400)
                raise
        return jsonify(widgets=len(widgets))

    @app.errorhandler(400)
    def bad_request(_: Exception) -> Any:
        return jsonify(message="bad request"), 400

    app.register_blueprint(api, url_prefix="/api")
    return app
