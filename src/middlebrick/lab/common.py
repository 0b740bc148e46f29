"""What both twins share: bearer tokens, user look-ups, the public views of items, JSON helpers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from flask import Flask, Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from middlebrick.lab.dynamodb import DynamoClient
from middlebrick.lab.openapi import build_document
from middlebrick.lab.store import USERNAME_INDEX, Item, Tables, from_item

P = ParamSpec("P")
View = Callable[P, ResponseReturnValue]
_TOKEN_SALT = "middlebrick-lab-bearer"

PUBLIC_USER_FIELDS = ("user_id", "username", "display_name")
PROFILE_FIELDS = (*PUBLIC_USER_FIELDS, "email", "role", "created_at")
PRODUCT_FIELDS = ("product_id", "name", "category", "price", "stock")


def issue_token(secret_key: str, user_id: str) -> str:
    """A bearer token for `user_id`, signed with the twin's secret key."""
    return URLSafeTimedSerializer(secret_key, salt=_TOKEN_SALT).dumps({"sub": user_id})


def token_subject(secret_key: str, token: str, max_age: int | None) -> str | None:
    """The user id a token was issued to, or None if it is forged, malformed or expired."""
    try:
        claims = URLSafeTimedSerializer(secret_key, salt=_TOKEN_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) else None


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer ...` request header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def find_user(client: DynamoClient, tables: Tables, user_id: str) -> Item | None:
    """The user item with this id, or None."""
    found = client.get_item(TableName=tables.users, Key={"user_id": {"S": user_id}})
    return from_item(found["Item"]) if "Item" in found else None


def find_username(client: DynamoClient, tables: Tables, username: str) -> Item | None:
    """The user with this username (through the username index), or None."""
    found = client.query(
        TableName=tables.users,
        IndexName=USERNAME_INDEX,
        KeyConditionExpression="username = :u",
        ExpressionAttributeValues={":u": {"S": username}},
        Limit=1,
    )
    items = found.get("Items", [])
    return from_item(items[0]) if items else None


def pick(item: Item, fields: tuple[str, ...]) -> Item:
    """Only the named fields of an item (a view safe to return)."""
    return {k: item[k] for k in fields if k in item}


def invoice(order: Item) -> Item:
    """The invoice view of an order."""
    fields = ("order_id", "owner_id", "product_name", "quantity", "price", "total")
    return {**pick(order, fields), "bill_to": order.get("shipping_address")}


def error(status: int, message: str) -> tuple[Response, int]:
    """A JSON error body, the one shape both twins use for errors they expect."""
    return jsonify(error=message), status


def new_id(kind: str) -> str:
    """A fresh random id for an object created at run time."""
    return f"{kind}_{uuid.uuid4().hex[:12]}"


def now() -> str:
    """The current UTC time in the format the seed data uses."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def require_user(view: View[P]) -> View[P]:
    """Answer 401 unless the twin's `before_request` hook put an identity in `g.user`."""

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if g.get("user") is None:
            return error(401, "authentication required")
        return view(*args, **kwargs)

    return guarded


def require_admin(view: View[P]) -> View[P]:
    """Answer 401 without an identity and 403 unless its role is admin."""

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if g.get("user") is None:
            return error(401, "authentication required")
        if g.user.get("role") != "admin":
            return error(403, "admin role required")
        return view(*args, **kwargs)

    return guarded


def json_body() -> dict[str, Any] | None:
    """The request's JSON object, or None if the body is not a JSON object."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def serve_openapi(app: Flask, *, hardened: bool) -> None:
    """Serve the twin's OpenAPI 3.1 document at /openapi.json."""
    document = build_document(hardened=hardened)

    @app.get("/openapi.json")
    def openapi() -> ResponseReturnValue:
        return jsonify(document)
