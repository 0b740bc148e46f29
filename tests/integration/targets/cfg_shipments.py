"""A shipments service run the way `flask run --debug` runs it, with its own route names.

It validates what it thinks of (a JSON object, a string `ref`) and crashes on what it does not:
a float weight reaches the boto3 resource API's serializer (`TypeError: Float types are not
supported`), a reference over DynamoDB's 2048-byte key limit reaches `GetItem` (a
`ValidationException`). With debug on, the crash renders Werkzeug's debugger (evalex off: there
is no console, only the traceback page on error). The fixed build runs without debug and
answers 400 / a generic 500.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.debug import DebuggedApplication
from werkzeug.exceptions import HTTPException

from targets import cfg_aws

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "shipments", "version": "2"},
    "paths": {
        "/v2/shipments": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["ref", "destination", "weight_kg"],
                        "properties": {
                            "ref": {"type": "string", "example": "SHP-NEW"},
                            "destination": {"type": "string", "example": "Lisbon"},
                            "weight_kg": {"type": "integer", "example": 12},
                        },
                    }}},
                },
                "responses": {"201": {"description": "booked"}, "400": {"description": "bad"}},
            }
        },
        "/v2/shipments/{ref}": {
            "get": {
                "parameters": [{"name": "ref", "in": "path", "required": True,
                                "schema": {"type": "string", "example": "SHP-1"}}],
                "responses": {"200": {"description": "a shipment"}, "404": {"description": "no"}},
            }
        },
        "/v2/health": {"get": {"responses": {"200": {"description": "up"}}}},
    },
}  # fmt: skip
log = logging.getLogger(__name__)


def create_table(endpoint: str, name: str) -> None:
    cfg_aws.create_table(endpoint, name, "ref")
    table = cfg_aws.resource(endpoint).Table(name)
    for n in (1, 2, 3):
        table.put_item(Item={"ref": f"SHP-{n}", "destination": "Porto", "weight_kg": n * 4})


def create_app(endpoint: str, table_name: str, *, fixed: bool) -> Any:
    """The WSGI callable: in the vulnerable build, the app inside Werkzeug's debugger."""
    app = Flask("cfg_shipments")
    app.debug = not fixed
    table = cfg_aws.resource(endpoint).Table(table_name)

    @app.get("/v2/health")
    def health() -> ResponseReturnValue:
        return jsonify(up=True)

    @app.post("/v2/shipments")
    def book() -> ResponseReturnValue:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("ref"), str):
            return jsonify(problem="a JSON object with a string ref is required"), 400
        weight = body.get("weight_kg", 0)
        if fixed and (not isinstance(weight, int) or isinstance(weight, bool) or weight < 0):
            return jsonify(problem="weight_kg must be a whole number"), 400
        if fixed and not 0 < len(body["ref"]) <= 64:
            return jsonify(problem="ref must be 1 to 64 characters"), 400
        item = {
            "ref": body["ref"],
            "destination": str(body.get("destination")),
            "weight_kg": weight,
        }
        table.put_item(Item=item)
        return jsonify(ref=item["ref"]), 201

    @app.get("/v2/shipments/<ref>")
    def track(ref: str) -> ResponseReturnValue:
        if fixed and len(ref) > 64:
            return jsonify(problem="no such shipment"), 404
        item = table.get_item(Key={"ref": ref}).get("Item")
        if item is None:
            return jsonify(problem="no such shipment"), 404
        return jsonify({k: int(v) if isinstance(v, Decimal) else v for k, v in item.items()})

    @app.get("/openapi.json")
    def spec() -> ResponseReturnValue:
        return jsonify(SPEC)

    if fixed:

        @app.errorhandler(Exception)
        def crash(exc: Exception) -> ResponseReturnValue:
            if isinstance(exc, HTTPException):
                return exc
            log.exception("unhandled error")
            return jsonify(problem="internal error"), 500

        return app
    return DebuggedApplication(app, evalex=False)
