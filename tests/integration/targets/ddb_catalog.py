"""A book catalogue on PartiQL: `ExecuteStatement` for look-ups and searches, and an error handler
that answers `str(exc)` as text/plain, botocore's message and all.

Vulnerable: `GET /catalog/items?sku=` pastes the sku into `"sku" = '...'` and
`GET /catalog/search?term=` into `begins_with("title", '...')`; unpublished books are one
always-true clause away. Fixed: `?` placeholders with `Parameters=[...]` and a generic handler.
Serves no OpenAPI document: scan it with `--openapi` and the YAML in OPENAPI_YAML.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from targets.ddb_common import client, create_table, s, unique_prefix

OPENAPI_YAML = """\
openapi: 3.0.1
info: {title: catalogue, version: "1"}
paths:
  /catalog/items:
    get:
      parameters:
        - {name: sku, in: query, required: true, schema: {type: string, example: BK-0001}}
      responses: {"200": {description: matching books}}
  /catalog/search:
    get:
      parameters:
        - {name: term, in: query, required: true, schema: {type: string, minLength: 1}}
      responses: {"200": {description: matching books}}
"""
BOOKS = [
    ("BK-0001", "Dune", True), ("BK-0002", "Emma", True), ("BK-0003", "Ulysses", True),
    ("BK-0004", "Draft manuscript", False), ("BK-0005", "Embargoed memoir", False),
]  # fmt: skip


def create_app(endpoint: str, *, vulnerable: bool) -> Flask:
    ddb = client(endpoint)
    table = unique_prefix("catalog") + "books"
    items = [{"sku": s(sku), "title": s(title), "published": {"BOOL": published}}
             for sku, title, published in BOOKS]  # fmt: skip
    create_table(ddb, table, "sku", items=items)

    def select(where: str, values: list[str]) -> list[dict[str, Any]]:
        if vulnerable:
            for value in values:
                where = where.replace("?", f"'{value}'", 1)
            found = ddb.execute_statement(Statement=f'SELECT * FROM "{table}" WHERE {where}')
        else:
            found = ddb.execute_statement(
                Statement=f'SELECT * FROM "{table}" WHERE {where}',
                Parameters=[s(v) for v in values],
            )
        return [{"sku": i["sku"]["S"], "title": i["title"]["S"]} for i in found["Items"]]

    app = Flask(__name__)

    @app.get("/catalog/items")
    def by_sku() -> ResponseReturnValue:
        sku = request.args.get("sku", "")
        return jsonify(books=select('"published" = true AND "sku" = ?', [sku]))

    @app.get("/catalog/search")
    def search() -> ResponseReturnValue:
        term = request.args.get("term", "")[:64]
        return jsonify(books=select('"published" = true AND begins_with("title", ?)', [term]))

    @app.errorhandler(Exception)
    def failed(exc: Exception) -> ResponseReturnValue:
        if vulnerable:
            return str(exc), 400, {"Content-Type": "text/plain; charset=utf-8"}
        app.logger.warning("request failed: %s", type(exc).__name__)
        return jsonify(error="request failed"), 500

    return app
