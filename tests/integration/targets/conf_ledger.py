"""A ledger API in another style: Swagger 2.0, Flask MethodView classes, snake_case, bearer auth.

`create_app(conforming=True)` keeps to its document (`x-nullable` values included). With
`conforming=False`:
- GET /balance answers 204 where only 200 is declared (undeclared status);
- GET /entries items carry `card_number` (sensitive), `internal_ref` (internal) and `memo`
  (harmless), none declared;
- GET /entries/{entry_id} leaves out the required `amount` (schema violation);
- POST /entries reads the optional `note` with `body["note"]`: a valid body without it
  crashes (500 on valid input).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from flask.views import MethodView

TOKEN = "t0k-ledger-alice"

DOC: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "ledger", "version": "1"},
    "basePath": "/",
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "securityDefinitions": {"bearer": {"type": "apiKey", "in": "header", "name": "Authorization"}},
    "security": [{"bearer": []}],
    "paths": {
        "/entries": {
            "get": {
                "responses": {
                    "200": {"description": "entries",
                            "schema": {"type": "array", "items": {"$ref": "#/definitions/Entry"}}},
                    "401": {"description": "no token", "schema": {"$ref": "#/definitions/Error"}},
                },
            },
            "post": {
                "parameters": [{"name": "entry", "in": "body", "required": True,
                                "schema": {"$ref": "#/definitions/NewEntry"}}],
                "responses": {
                    "201": {"description": "created", "schema": {"$ref": "#/definitions/Entry"}},
                    "400": {"description": "invalid", "schema": {"$ref": "#/definitions/Error"}},
                    "401": {"description": "no token", "schema": {"$ref": "#/definitions/Error"}},
                },
            },
        },
        "/entries/{entry_id}": {
            "get": {
                "parameters": [{"name": "entry_id", "in": "path", "required": True,
                                "type": "string", "maxLength": 20}],
                "responses": {
                    "200": {"description": "entry", "schema": {"$ref": "#/definitions/Entry"}},
                    "401": {"description": "no token", "schema": {"$ref": "#/definitions/Error"}},
                    "404": {"description": "unknown", "schema": {"$ref": "#/definitions/Error"}},
                },
            },
        },
        "/balance": {
            "get": {
                "responses": {
                    "200": {"description": "balance", "schema": {"$ref": "#/definitions/Balance"}},
                    "401": {"description": "no token", "schema": {"$ref": "#/definitions/Error"}},
                },
            },
        },
    },
    "definitions": {
        "Error": {"type": "object", "required": ["error"],
                  "properties": {"error": {"type": "string"}}},
        "Entry": {
            "type": "object",
            "required": ["entry_id", "amount", "currency"],
            "properties": {
                "entry_id": {"type": "string"},
                "amount": {"type": "integer", "minimum": -1000000, "maximum": 1000000,
                           "exclusiveMaximum": True},
                "currency": {"type": "string", "enum": ["EUR", "USD"]},
                "settled_at": {"type": "string", "format": "date-time", "x-nullable": True},
                "note": {"type": "string"},
            },
        },
        "NewEntry": {
            "type": "object",
            "required": ["amount", "currency"],
            "additionalProperties": False,
            "properties": {
                "amount": {"type": "integer", "minimum": -1000000, "maximum": 1000000},
                "currency": {"type": "string", "enum": ["EUR", "USD"]},
                "note": {"type": "string", "maxLength": 140},
            },
        },
        "Balance": {"type": "object", "required": ["total"],
                    "properties": {"total": {"type": "integer"}}},
    },
}


class _Entries(MethodView):
    def __init__(self, store: dict[str, dict[str, Any]], conforming: bool) -> None:
        self.store, self.conforming = store, conforming

    def _public(self, entry: dict[str, Any]) -> dict[str, Any]:
        if self.conforming:
            return entry
        return {**entry, "card_number": "4111111111111111", "internal_ref": "gl-4471",
                "memo": "imported"}

    def get(self) -> Any:
        return jsonify([self._public(e) for e in self.store.values()])

    def post(self) -> Any:
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("amount"), int) or body.get("currency") not in ("EUR", "USD"):
            return jsonify(error="amount and currency are required"), 400
        note = body.get("note") if self.conforming else body["note"]  # the drift: KeyError
        entry_id = f"e{len(self.store) + 1}"
        self.store[entry_id] = {"entry_id": entry_id, "amount": body["amount"],
                                "currency": body["currency"], "settled_at": None}
        if note:
            self.store[entry_id]["note"] = note
        return jsonify(self.store[entry_id]), 201


class _Entry(MethodView):
    def __init__(self, store: dict[str, dict[str, Any]], conforming: bool) -> None:
        self.store, self.conforming = store, conforming

    def get(self, entry_id: str) -> Any:
        entry = self.store.get(entry_id)
        if entry is None:
            return jsonify(error="unknown entry"), 404
        if self.conforming:
            return jsonify(entry)
        return jsonify({k: v for k, v in entry.items() if k != "amount"})


def create_app(*, conforming: bool) -> Flask:
    app = Flask("conf_ledger")
    store: dict[str, dict[str, Any]] = {
        "e1": {"entry_id": "e1", "amount": 1250, "currency": "EUR", "settled_at": None},
        "e2": {"entry_id": "e2", "amount": -300, "currency": "USD",
               "settled_at": "2024-02-01T10:00:00Z", "note": "refund"},
    }

    @app.before_request
    def authenticate() -> Any:
        if request.path == "/swagger.json":
            return None
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return jsonify(error="no valid token"), 401
        return None

    @app.get("/swagger.json")
    def swagger() -> Any:
        return jsonify(DOC)

    @app.get("/balance")
    def balance() -> Any:
        if not conforming:
            return "", 204
        return jsonify(total=sum(e["amount"] for e in store.values()))

    entries = _Entries.as_view("entries", store, conforming)
    app.add_url_rule("/entries", view_func=entries, methods=["GET", "POST"])
    app.add_url_rule("/entries/<entry_id>", view_func=_Entry.as_view("entry", store, conforming))
    return app
