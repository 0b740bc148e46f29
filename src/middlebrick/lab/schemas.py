"""JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the lab shop's requests and responses."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: list[str], properties: dict[str, Any], *, closed: bool = False) -> Any:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if closed:  # request bodies: anything not listed is refused
        schema["additionalProperties"] = False
    return schema


def _page(item: str, key: str) -> Any:
    return _object(
        [key, "next"],
        {
            key: {"type": "array", "items": _ref(item)},
            "next": {"type": ["string", "null"], "description": "Cursor of the next page"},
        },
    )


_STRING = {"type": "string"}
_CENTS = {"type": "integer", "minimum": 0, "description": "In cents"}
_TIME = {"type": "string", "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Id": {"type": "string", "maxLength": 64, "examples": ["ord_2c1f0d9e8a7b"]},
    "Error": _object(["error"], {"error": _STRING}),
    "Health": _object(["status"], {"status": {"type": "string", "enum": ["ok"]}}),
    "Login": _object(
        ["username", "password"],
        {
            "username": {"type": "string", "maxLength": 64},
            "password": {"type": "string", "format": "password", "maxLength": 128},
        },
        closed=True,
    ),
    "Token": _object(
        ["token", "token_type", "user_id"],
        {"token": _STRING, "token_type": {"const": "Bearer"}, "user_id": _ref("Id")},
    ),
    "Registration": _object(
        ["username", "password"],
        {
            "username": {"type": "string", "pattern": "^[a-z0-9_]{3,32}$"},
            "password": {"type": "string", "format": "password", "minLength": 8, "maxLength": 128},
            "email": {"type": "string", "format": "email"},
            "display_name": {"type": "string", "maxLength": 64},
        },
        closed=True,
    ),
    "UserUpdate": _object(
        [],
        {
            "display_name": {"type": "string", "maxLength": 64},
            "email": {"type": "string", "format": "email"},
        },
        closed=True,
    ),
    "PublicUser": _object(
        ["user_id", "username", "display_name"],
        {"user_id": _ref("Id"), "username": _STRING, "display_name": _STRING},
    ),
    "User": _object(
        ["user_id", "username", "role"],
        {
            "user_id": _ref("Id"),
            "username": _STRING,
            "display_name": _STRING,
            "email": _STRING,
            "role": {"type": "string", "enum": ["user", "admin"]},
            "created_at": _TIME,
        },
    ),
    "UserList": _page("PublicUser", "users"),
    "AdminUserList": _page("User", "users"),
    "Product": _object(
        ["product_id", "name", "category", "price"],
        {
            "product_id": _ref("Id"),
            "name": _STRING,
            "category": _STRING,
            "price": _CENTS,
            "stock": {"type": "integer", "minimum": 0},
        },
    ),
    "ProductCreate": _object(
        ["name", "category", "price", "stock"],
        {
            "name": {"type": "string", "maxLength": 100},
            "category": {"type": "string", "maxLength": 40},
            "price": _CENTS,
            "stock": {"type": "integer", "minimum": 0},
        },
        closed=True,
    ),
    "ProductList": _page("Product", "products"),
    "ProductSearch": _object(
        ["products"], {"products": {"type": "array", "items": _ref("Product")}}
    ),
    "Order": _object(
        ["order_id", "owner_id", "product_id", "quantity", "price", "total", "status"],
        {
            "order_id": _ref("Id"),
            "owner_id": _ref("Id"),
            "product_id": _ref("Id"),
            "product_name": _STRING,
            "quantity": {"type": "integer", "minimum": 1},
            "price": _CENTS,
            "total": _CENTS,
            "status": {"type": "string", "enum": ["placed", "shipped", "delivered"]},
            "shipping_address": _STRING,
            "created_at": _TIME,
        },
    ),
    "OrderCreate": _object(
        ["product_id"],
        {"product_id": _ref("Id"), "quantity": {"type": "integer", "minimum": 1, "maximum": 10}},
        closed=True,
    ),
    "OrderList": _page("Order", "orders"),
    "Invoice": _object(
        ["order_id", "total"],
        {
            "order_id": _ref("Id"),
            "owner_id": _ref("Id"),
            "product_name": _STRING,
            "quantity": {"type": "integer"},
            "price": _CENTS,
            "total": _CENTS,
            "bill_to": _STRING,
        },
    ),
    "Report": _object(
        ["table", "count", "items"],
        {
            "table": _STRING,
            "count": {"type": "integer"},
            "items": {"type": "array", "items": _ref("Product")},
            "next": {"type": ["string", "null"]},
        },
    ),
    "Config": _object(
        ["debug", "env"],
        {
            "debug": {"type": "boolean"},
            "env": {"type": "object", "additionalProperties": _STRING},
            "tables": {"type": "array", "items": _STRING},
        },
    ),
}
