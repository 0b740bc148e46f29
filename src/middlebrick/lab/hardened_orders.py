"""The hardened twin's order routes: every read and write scoped to the caller's verified id."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g, jsonify, request
from flask.typing import ResponseReturnValue

from middlebrick.lab import common
from middlebrick.lab.common import error, require_user
from middlebrick.lab.dynamodb import DynamoClient
from middlebrick.lab.hardening import BadInput, int_arg, json_object, page, text_arg
from middlebrick.lab.store import OWNER_INDEX, Item, Tables, from_item, to_item

ORDER_FIELDS = (
    "order_id", "owner_id", "product_id", "product_name", "quantity", "price", "total",
    "status", "shipping_address", "created_at",
)  # fmt: skip
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?")
MAX_QUANTITY = 10


def register_order_routes(app: Flask, client: DynamoClient, tables: Tables) -> None:
    """Add /orders, /orders/{order_id} and /orders/{order_id}/invoice to the hardened twin."""

    def owned_order(order_id: str) -> Item | None:
        # Someone else's order is "not found": its existence is not the caller's business.
        if len(order_id) > 64:
            return None
        found = client.get_item(TableName=tables.orders, Key={"order_id": {"S": order_id}})
        order = from_item(found["Item"]) if "Item" in found else None
        return order if order and order["owner_id"] == g.user["user_id"] else None

    @app.get("/orders")
    @require_user
    def list_orders() -> ResponseReturnValue:
        if request.args.get("date_field", "created_at") != "created_at":
            raise BadInput("date_field must be created_at")
        condition = "owner_id = :owner"
        values = {":owner": {"S": g.user["user_id"]}}
        if (since := request.args.get("since")) is not None:
            if not _DATE.fullmatch(since):
                raise BadInput("since must be a date such as 2024-05-01")
            condition += " AND created_at >= :since"
            values[":since"] = {"S": since}
        query = {
            "TableName": tables.orders,
            "IndexName": OWNER_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        items, cursor = page(client, query, {"order_id", "owner_id", "created_at"}, query=True)
        return jsonify(orders=[common.pick(i, ORDER_FIELDS) for i in items], next=cursor)

    @app.post("/orders")
    @require_user
    def create_order() -> ResponseReturnValue:
        body = json_object({"product_id", "quantity"})
        product_id = text_arg(body, "product_id", 64)
        quantity = int_arg(body, "quantity", 1, MAX_QUANTITY, default=1)
        found = client.get_item(TableName=tables.products, Key={"product_id": {"S": product_id}})
        product = from_item(found["Item"]) if "Item" in found else None
        if product is None or product.get("visibility") != "public":
            return error(404, "no such product")
        # Owner, price and status are the server's to decide, never the client's.
        order: dict[str, Any] = {
            "order_id": common.new_id("ord"),
            "owner_id": g.user["user_id"],
            "product_id": product_id,
            "product_name": product["name"],
            "quantity": quantity,
            "price": product["price"],
            "total": product["price"] * quantity,
            "status": "placed",
            "shipping_address": "on file",
            "created_at": common.now(),
        }
        client.put_item(TableName=tables.orders, Item=to_item(order))
        return jsonify(order), 201

    @app.get("/orders/<order_id>")
    @require_user
    def get_order(order_id: str) -> ResponseReturnValue:
        order = owned_order(order_id)
        return jsonify(common.pick(order, ORDER_FIELDS)) if order else error(404, "no such order")

    @app.get("/orders/<order_id>/invoice")
    @require_user
    def get_invoice(order_id: str) -> ResponseReturnValue:
        order = owned_order(order_id)  # identity from the verified token; X-User-ID is ignored
        return jsonify(common.invoice(order)) if order else error(404, "no such order")
