"""A small Flask inventory API with an OpenAPI 3.0 document, recording every request it gets.

Used to test the engine itself: id learning, the request budget and safe mode.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from flask import Flask, abort, jsonify, request

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "inventory", "version": "1"},
    "paths": {
        "/items": {
            "get": {"operationId": "listItems", "responses": {"200": {"description": "items"}}},
            "post": {
                "operationId": "createItem",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string", "maxLength": 40},
                                    "qty": {"type": "integer", "minimum": 0},
                                },
                            }
                        }
                    },
                },
                "responses": {"201": {"description": "created"}},
            },
        },
        "/items/{item_id}": {
            "parameters": [
                {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {"operationId": "getItem", "responses": {"200": {"description": "item"}}},
            "put": {
                "operationId": "replaceItem",
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "object"}}}
                },
                "responses": {"200": {"description": "replaced"}},
            },
            "delete": {"operationId": "deleteItem", "responses": {"204": {"description": "gone"}}},
        },
    },
}


def create_app(*, expose_spec: bool = True) -> Flask:
    app = Flask(__name__)
    seq = itertools.count(100)
    items: dict[str, dict[str, Any]] = {
        "it-1": {"id": "it-1", "name": "hammer", "qty": 3},
        "it-2": {"id": "it-2", "name": "saw", "qty": 1},
    }
    lock = threading.Lock()
    app.config["LOG"] = log = []  # (method, path) of every request
    app.config["ITEMS"] = items

    @app.before_request
    def record() -> None:
        with lock:
            log.append((request.method, request.path))

    if expose_spec:

        @app.get("/openapi.json")
        def openapi() -> Any:
            return jsonify(SPEC)

    @app.get("/")
    def index() -> Any:
        return jsonify({"service": "inventory"})

    @app.get("/items")
    def list_items() -> Any:
        return jsonify({"items": list(items.values())})

    @app.post("/items")
    def create_item() -> Any:
        body = request.get_json(silent=True) or {}
        new_id = f"it-{next(seq)}"
        items[new_id] = {"id": new_id, "name": str(body.get("name", "")), "qty": 0}
        return jsonify(items[new_id]), 201

    @app.get("/items/<item_id>")
    def get_item(item_id: str) -> Any:
        if item_id not in items:
            abort(404)
        return jsonify(items[item_id])

    @app.put("/items/<item_id>")
    def replace_item(item_id: str) -> Any:
        if item_id not in items:
            abort(404)
        items[item_id].update(request.get_json(silent=True) or {})
        return jsonify(items[item_id])

    @app.delete("/items/<item_id>")
    def delete_item(item_id: str) -> Any:
        items.pop(item_id, None)
        return "", 204

    return app
