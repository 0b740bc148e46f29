"""A catalogue service of class-based views (`MethodView`) on the boto3 resource API.

The vulnerable build lists entries with `Table.scan()` and follows `LastEvaluatedKey` to the end,
so every call returns the whole table; the `page_size` its OpenAPI document declares is read and
never used. The fixed build passes `Limit` and hands `LastEvaluatedKey` back as a cursor.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView

from targets import cfg_aws

ENTRIES = 60
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "catalog", "version": "1"},
    "paths": {
        "/catalog/entries": {
            "get": {
                "operationId": "listEntries",
                "parameters": [
                    {"name": "page_size", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "a page of entries"}},
            }
        },
        "/catalog/entries/{sku}": {
            "get": {
                "parameters": [{"name": "sku", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "one entry"}, "404": {"description": "none"}},
            }
        },
    },
}  # fmt: skip


def create_table(endpoint: str, name: str) -> None:
    cfg_aws.create_table(endpoint, name, "sku")
    with cfg_aws.resource(endpoint).Table(name).batch_writer() as batch:
        for n in range(ENTRIES):
            batch.put_item(Item={"sku": f"SKU-{n:04d}", "title": f"Entry {n}", "price": n * 3})


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in item.items()}


class EntryList(MethodView):
    def __init__(self, table: Any, fixed: bool) -> None:
        self.table = table
        self.fixed = fixed

    def get(self) -> ResponseReturnValue:
        page_size = request.args.get("page_size", default=25, type=int)
        if not self.fixed:
            found = self.table.scan()
            items = found["Items"]
            while "LastEvaluatedKey" in found:
                found = self.table.scan(ExclusiveStartKey=found["LastEvaluatedKey"])
                items += found["Items"]
            return jsonify(entries=[_plain(i) for i in items], total=len(items))
        if page_size is None or not 1 <= page_size <= 100:
            return jsonify(error="page_size must be an integer from 1 to 100"), 400
        params: dict[str, Any] = {"Limit": page_size}
        if cursor := request.args.get("cursor"):
            try:
                params["ExclusiveStartKey"] = {"sku": json.loads(base64.b64decode(cursor))}
            except ValueError:
                return jsonify(error="bad cursor"), 400
        found = self.table.scan(**params)
        last = found.get("LastEvaluatedKey")
        token = base64.b64encode(json.dumps(last["sku"]).encode()).decode() if last else None
        return jsonify(entries=[_plain(i) for i in found["Items"]], cursor=token)


class Entry(MethodView):
    def __init__(self, table: Any) -> None:
        self.table = table

    def get(self, sku: str) -> ResponseReturnValue:
        item = self.table.get_item(Key={"sku": sku[:64]}).get("Item")
        return (jsonify(_plain(item)), 200) if item else (jsonify(error="no such entry"), 404)


def create_app(endpoint: str, table_name: str, *, fixed: bool) -> Flask:
    app = Flask("cfg_catalog")
    table = cfg_aws.resource(endpoint).Table(table_name)
    app.add_url_rule("/catalog/entries", view_func=EntryList.as_view("entries", table, fixed))
    app.add_url_rule("/catalog/entries/<sku>", view_func=Entry.as_view("entry", table))
    app.add_url_rule("/openapi.json", "spec", lambda: jsonify(SPEC))
    return app
