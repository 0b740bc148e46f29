"""The OpenAPI 3.1 document both twins serve, built from one table of operations.

Both twins document the same intended API; the hardened one also declares its 429 answers.
The vulnerable twin's undocumented route is simply not in this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from middlebrick.lab.schemas import SCHEMAS


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One documented operation; `auth` is "none", "user" or "admin"."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    result: str
    auth: str = "user"
    status: int = 200
    body: str | None = None
    params: tuple[str, ...] = ()
    not_found: bool = False
    forbidden: bool = False
    conflict: bool = False
    rate_limited: bool = False


_PARAMETERS: dict[str, dict[str, Any]] = {
    "limit": {"in": "query", "description": "Page size.",
              "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 20}},
    "next": {"in": "query", "description": "The `next` cursor of the previous page.",
             "schema": {"type": "string", "maxLength": 512}},
    "field": {"in": "query", "description": "Attribute to filter on.",
              "schema": {"type": "string", "enum": ["category", "name"]}},
    "value": {"in": "query", "description": "Value the filter attribute must equal.",
              "schema": {"type": "string", "maxLength": 100}},
    "q": {"in": "query", "required": True, "description": "Text the product name contains.",
          "schema": {"type": "string", "minLength": 1, "maxLength": 64}},
    "since": {"in": "query", "description": "Only orders created on or after this date.",
              "schema": {"type": "string", "format": "date", "examples": ["2024-03-01"]}},
    "date_field": {"in": "query", "description": "The date attribute `since` applies to.",
                   "schema": {"type": "string", "enum": ["created_at"], "default": "created_at"}},
    "product_id": {"in": "path", "required": True, "schema": {"$ref": "#/components/schemas/Id"}},
    "order_id": {"in": "path", "required": True, "schema": {"$ref": "#/components/schemas/Id"}},
    "table": {"in": "path", "required": True, "description": "The report to produce.",
              "schema": {"type": "string", "enum": ["products"]}},
}  # fmt: skip

PAGE = ("limit", "next")
OPERATIONS: tuple[Operation, ...] = (
    Operation(method="get", path="/health", operation_id="getHealth", summary="Liveness probe",
              tag="service", result="Health", auth="none"),
    Operation(method="post", path="/auth/login", operation_id="login", tag="auth",
              summary="Exchange a username and password for a bearer token", result="Token",
              auth="none", body="Login", rate_limited=True),
    Operation(method="post", path="/users", operation_id="registerUser", tag="users",
              summary="Create an account", result="User", auth="none", status=201,
              body="Registration", conflict=True),
    Operation(method="get", path="/users/me", operation_id="getCurrentUser", tag="users",
              summary="The signed-in user's profile", result="User"),
    Operation(method="patch", path="/users/me", operation_id="updateCurrentUser", tag="users",
              summary="Change the signed-in user's display name or email", result="User",
              body="UserUpdate"),
    Operation(method="get", path="/users", operation_id="listUsers", tag="users",
              summary="The user directory", result="UserList", params=PAGE),
    Operation(method="get", path="/products", operation_id="listProducts", tag="products",
              summary="Published products, optionally filtered", result="ProductList",
              auth="none", params=("field", "value", *PAGE)),
    Operation(method="get", path="/products/{product_id}", operation_id="getProduct",
              tag="products", summary="One published product", result="Product", auth="none",
              params=("product_id",), not_found=True),
    Operation(method="post", path="/products", operation_id="createProduct", tag="products",
              summary="Add a product (admin)", result="Product", auth="admin", status=201,
              body="ProductCreate"),
    Operation(method="get", path="/search", operation_id="searchProducts", tag="products",
              summary="Search published products by name", result="ProductSearch",
              auth="none", params=("q",), rate_limited=True),
    Operation(method="get", path="/orders", operation_id="listOrders", tag="orders",
              summary="The signed-in user's orders", result="OrderList",
              params=("since", "date_field", *PAGE)),
    Operation(method="post", path="/orders", operation_id="createOrder", tag="orders",
              summary="Order a product", result="Order", status=201, body="OrderCreate",
              not_found=True),
    Operation(method="get", path="/orders/{order_id}", operation_id="getOrder", tag="orders",
              summary="One of the signed-in user's orders", result="Order",
              params=("order_id",), not_found=True),
    Operation(method="get", path="/orders/{order_id}/invoice", operation_id="getOrderInvoice",
              tag="orders", summary="The invoice of one of the signed-in user's orders",
              result="Invoice", params=("order_id",), not_found=True, forbidden=True),
    Operation(method="get", path="/reports/{table}", operation_id="getReport", tag="reports",
              summary="A catalogue report", result="Report", params=("table", *PAGE),
              not_found=True),
    Operation(method="get", path="/admin/users", operation_id="adminListUsers", tag="admin",
              summary="Every account with its role and email (admin)", result="AdminUserList",
              auth="admin", params=PAGE),
    Operation(method="get", path="/debug/config", operation_id="getConfig", tag="admin",
              summary="Runtime configuration (admin)", result="Config", auth="admin"),
)  # fmt: skip


def build_document(*, hardened: bool) -> dict[str, Any]:
    """The twin's OpenAPI 3.1 document as a JSON-ready dict."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, hardened=hardened)
    name = "hardened" if hardened else "vulnerable"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"middlebrick lab shop ({name} twin)",
            "version": "1.0.0",
            "description": "A small multi-user shop on DynamoDB, bundled with middlebrick.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": t} for t in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": _RESPONSES,
        },
    }


def _operation(op: Operation, *, hardened: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {
        str(op.status): {"description": "Success", "content": _json(op.result)}
    }
    if op.body or op.params:
        responses["400"] = {"$ref": "#/components/responses/BadRequest"}
    if op.auth != "none" or op.operation_id == "login":
        responses["401"] = {"$ref": "#/components/responses/Unauthorized"}
    if op.auth == "admin" or op.forbidden:
        responses["403"] = {"$ref": "#/components/responses/Forbidden"}
    if op.not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    if op.conflict:
        responses["409"] = {"$ref": "#/components/responses/Conflict"}
    if op.rate_limited and hardened:
        responses["429"] = {"$ref": "#/components/responses/TooManyRequests"}
    result: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": responses,
    }
    if op.auth == "none":
        result["security"] = []
    if op.params:
        result["parameters"] = [{"name": p, **_PARAMETERS[p]} for p in op.params]
    if op.body:
        result["requestBody"] = {"required": True, "content": _json(op.body)}
    return result


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json("Error")}


_RESPONSES: dict[str, Any] = {
    "BadRequest": _error("The request is malformed"),
    "Unauthorized": _error("No valid credentials"),
    "Forbidden": _error("The caller may not do this"),
    "NotFound": _error("No such object (or not the caller's)"),
    "Conflict": _error("The object already exists"),
    "TooManyRequests": {
        **_error("Rate limit exceeded"),
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before retrying",
                "schema": {"type": "integer"},
            }
        },
    },
}
