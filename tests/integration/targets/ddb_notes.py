"""A notes service: a Flask blueprint under /api/v2, an API key header, the low-level client, and
errors wrapped in its own envelope `{"ok": false, "problem": {...}}`.

Vulnerable: `GET /api/v2/records?collection=notes` scans `<prefix><collection>`, so any table
under the prefix (accounts, with its API key hashes) is one query string away; ClientError
details go out in the envelope. Fixed: a collection allow-list and an envelope without details.
Serves its OpenAPI 3.0 document at /api/v2/_meta/openapi (no usual discovery path).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from flask import Blueprint, Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue

from targets.ddb_common import client, create_table, s, unique_prefix

API_KEY = "notes-key-1"
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "notes", "version": "2.0"},
    "servers": [{"url": "/api/v2"}],
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                                "name": "X-Api-Key"}}},
    "security": [{"key": []}],
    "tags": [{"name": "records"}, {"name": "accounts"}],
    "paths": {
        "/records": {"get": {
            "tags": ["records"],
            "parameters": [
                {"name": "collection", "in": "query", "required": True,
                 "schema": {"type": "string", "example": "notes"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}},
            ],
            "responses": {"200": {"description": "records"}},
        }},
        "/records/{recordId}": {"get": {
            "tags": ["records"],
            "parameters": [{"name": "recordId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "a record"}, "404": {"description": "none"}},
        }},
        "/accounts/me": {"get": {"tags": ["accounts"],
                                 "responses": {"200": {"description": "the caller"}}}},
    },
}  # fmt: skip


def create_app(endpoint: str, *, vulnerable: bool) -> Flask:
    ddb = client(endpoint)
    prefix = unique_prefix("notes")
    notes = [
        {"noteId": s(f"n{i}"), "owner": s(owner), "title": s(f"note {i}"), "body": s("...")}
        for i, owner in enumerate(["ann", "ann", "bo"])
    ]
    accounts = [
        {"accountId": s(name), "email": s(f"{name}@example.test"), "apiKeyHash": s("9f" * 16)}
        for name in ("ann", "bo")
    ]
    create_table(ddb, f"{prefix}notes", "noteId", items=notes)
    create_table(ddb, f"{prefix}accounts", "accountId", items=accounts)
    collections = {"notes": f"{prefix}notes"}

    api = Blueprint("api", __name__, url_prefix="/api/v2")

    @api.before_request
    def key() -> None:
        if request.headers.get("X-Api-Key") != API_KEY and request.endpoint != "api.spec":
            abort(401)

    @api.get("/_meta/openapi")
    def spec() -> ResponseReturnValue:
        return jsonify(SPEC)

    @api.get("/records")
    def records() -> ResponseReturnValue:
        name = request.args.get("collection", "")
        if vulnerable:
            table = prefix + name
        elif name in collections:
            table = collections[name]
        else:
            return _problem(404, "unknown_collection")
        limit = min(int(request.args.get("limit", "50")), 50)
        found = ddb.scan(TableName=table, Limit=limit)["Items"]
        return jsonify(ok=True, data={"records": [_plain(i) for i in found]})

    @api.get("/records/<record_id>")
    def record(record_id: str) -> ResponseReturnValue:
        if len(record_id) > 200:
            return _problem(404, "not_found")
        found = ddb.get_item(TableName=f"{prefix}notes", Key={"noteId": s(record_id)})
        if "Item" not in found:
            return _problem(404, "not_found")
        return jsonify(ok=True, data=_plain(found["Item"]))

    @api.get("/accounts/me")
    def me() -> ResponseReturnValue:
        return jsonify(ok=True, data={"accountId": "ann", "email": "ann@example.test"})

    @api.errorhandler(ClientError)
    def client_error(exc: ClientError) -> ResponseReturnValue:
        error = exc.response.get("Error", {})
        if vulnerable:
            detail = {"code": error.get("Code"), "detail": error.get("Message")}
            return jsonify(ok=False, problem=detail), 400
        return _problem(500, "storage_unavailable")

    app = Flask(__name__)
    app.register_blueprint(api)
    return app


def _problem(status: int, code: str) -> tuple[Any, int]:
    return jsonify(ok=False, problem={"code": code}), status


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: next(iter(v.values())) for k, v in item.items()}
