"""The hardened twin: the vulnerable twin's API done right, route for route."""

from __future__ import annotations

import logging
import os
import re
import secrets
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.security import check_password_hash

from middlebrick.lab import common
from middlebrick.lab.common import error, pick, require_admin, require_user
from middlebrick.lab.dynamodb import REGION, DynamoClient
from middlebrick.lab.hardened_orders import register_order_routes
from middlebrick.lab.hardening import BadInput, int_arg, json_object, page, text_arg
from middlebrick.lab.ratelimit import RateLimiter
from middlebrick.lab.seed import hash_password
from middlebrick.lab.store import Tables, from_item, to_item

TOKEN_TTL_S = 24 * 3600
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Cross-Origin-Resource-Policy": "same-origin",
}
PRODUCT_FILTERS = {"category", "name"}
REPORT_TABLES = {"products"}
_USERNAME = re.compile(r"[a-z0-9_]{3,32}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")
log = logging.getLogger(__name__)


def create_hardened_app(
    client: DynamoClient,
    tables: Tables,
    *,
    secret_key: str | None = None,
    allowed_origins: frozenset[str] = frozenset(),
) -> Flask:
    """The hardened twin as a Flask app; the secret comes from the caller, the env, or `secrets`."""
    app = Flask("middlebrick_lab_hardened")
    secret = secret_key or os.environ.get("MIDDLEBRICK_LAB_SECRET") or secrets.token_urlsafe(32)
    app.config.update(SECRET_KEY=secret, DEBUG=False, PROPAGATE_EXCEPTIONS=False)
    login_limit = RateLimiter(limit=5, window=60.0)
    search_limit = RateLimiter(limit=120, window=60.0)
    # Compared against when the username is unknown, so timing does not reveal which exist.
    decoy_hash = hash_password(secrets.token_hex(8), "decoy")
    common.serve_openapi(app, hardened=True)

    @app.before_request
    def identify() -> None:
        g.user = None
        if (token := common.bearer_token()) is not None:
            subject = common.token_subject(secret, token, max_age=TOKEN_TTL_S)
            g.user = common.find_user(client, tables, subject) if subject else None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        origin = request.headers.get("Origin")
        if origin and origin in allowed_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
        return response

    @app.errorhandler(BadInput)
    def bad_input(exc: BadInput) -> ResponseReturnValue:
        return error(400, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        response = jsonify(error=(exc.name or "error").lower())
        response.status_code = exc.code or 500
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error(500, "internal error")

    @app.get("/health")
    def health() -> ResponseReturnValue:
        return jsonify(status="ok")

    @app.post("/auth/login")
    def login() -> ResponseReturnValue:
        body = json_object({"username", "password"})
        username, password = text_arg(body, "username", 64), text_arg(body, "password", 128)
        if (wait := login_limit.hit(f"{request.remote_addr}|{username.lower()}")) is not None:
            return _too_many(wait)
        user = common.find_username(client, tables, username)
        valid = check_password_hash(user["password_hash"] if user else decoy_hash, password)
        if user is None or not valid:
            return error(401, "invalid username or password")
        token = common.issue_token(secret, user["user_id"])
        return jsonify(token=token, token_type="Bearer", user_id=user["user_id"])

    @app.post("/users")
    def register() -> ResponseReturnValue:
        body = json_object({"username", "password", "email", "display_name"})
        username, password = text_arg(body, "username", 32), text_arg(body, "password", 128)
        if not _USERNAME.fullmatch(username) or len(password) < 8:
            raise BadInput("username must be 3-32 of a-z0-9_, password at least 8 characters")
        user = {
            "user_id": common.new_id("usr"),
            "username": username,
            "email": _email(body),
            "display_name": text_arg(body, "display_name", 64, default=username),
            "role": "user",
            "password_hash": hash_password(password, secrets.token_hex(8)),
            "created_at": common.now(),
        }
        if common.find_username(client, tables, username) is not None:
            return error(409, "username taken")
        client.put_item(TableName=tables.users, Item=to_item(user))
        return jsonify(pick(user, common.PROFILE_FIELDS)), 201

    @app.get("/users/me")
    @require_user
    def me() -> ResponseReturnValue:
        return jsonify(pick(g.user, common.PROFILE_FIELDS))

    @app.patch("/users/me")
    @require_user
    def update_me() -> ResponseReturnValue:
        body = json_object({"display_name", "email"})  # the only fields a user may change
        changes: dict[str, Any] = {}
        if "display_name" in body:
            changes["display_name"] = text_arg(body, "display_name", 64)
        if "email" in body:
            changes["email"] = _email(body)
        if not changes:
            raise BadInput("nothing to update")
        updated = client.update_item(
            TableName=tables.users,
            Key={"user_id": {"S": g.user["user_id"]}},
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in changes),
            ExpressionAttributeNames={f"#{k}": k for k in changes},
            ExpressionAttributeValues={f":{k}": {"S": v} for k, v in changes.items()},
            ReturnValues="ALL_NEW",
        )
        return jsonify(pick(from_item(updated["Attributes"]), common.PROFILE_FIELDS))

    @app.get("/users")
    @require_user
    def list_users() -> ResponseReturnValue:
        items, cursor = page(client, {"TableName": tables.users}, {"user_id"})
        return jsonify(users=[pick(i, common.PUBLIC_USER_FIELDS) for i in items], next=cursor)

    @app.get("/products")
    def list_products() -> ResponseReturnValue:
        scan: dict[str, Any] = {
            "TableName": tables.products,
            "FilterExpression": "visibility = :public",
            "ExpressionAttributeValues": {":public": {"S": "public"}},
        }
        if field := request.args.get("field"):
            if field not in PRODUCT_FILTERS:
                raise BadInput(f"field must be one of {sorted(PRODUCT_FILTERS)}")
            scan["FilterExpression"] += " AND #field = :value"
            scan["ExpressionAttributeNames"] = {"#field": field}
            value = text_arg(request.args, "value", 100)
            scan["ExpressionAttributeValues"][":value"] = {"S": value}
        items, cursor = page(client, scan, {"product_id"})
        return jsonify(products=[pick(i, common.PRODUCT_FIELDS) for i in items], next=cursor)

    @app.get("/products/<product_id>")
    def get_product(product_id: str) -> ResponseReturnValue:
        if len(product_id) > 64:
            return error(404, "no such product")
        found = client.get_item(TableName=tables.products, Key={"product_id": {"S": product_id}})
        item = from_item(found["Item"]) if "Item" in found else None
        if item is None or item.get("visibility") != "public":
            return error(404, "no such product")
        return jsonify(pick(item, common.PRODUCT_FIELDS))

    @app.post("/products")
    @require_admin
    def create_product() -> ResponseReturnValue:
        body = json_object({"name", "category", "price", "stock"})
        product = {
            "product_id": common.new_id("prd"),
            "name": text_arg(body, "name", 100),
            "category": text_arg(body, "category", 40),
            "price": int_arg(body, "price", 0, 10_000_000),
            "stock": int_arg(body, "stock", 0, 100_000),
            "visibility": "public",
        }
        client.put_item(TableName=tables.products, Item=to_item(product))
        return jsonify(pick(product, common.PRODUCT_FIELDS)), 201

    @app.get("/search")
    def search() -> ResponseReturnValue:
        if (wait := search_limit.hit(str(request.remote_addr))) is not None:
            return _too_many(wait)
        text = text_arg(request.args, "q", 64)
        found = client.execute_statement(
            Statement=f'SELECT * FROM "{tables.products}" '
            'WHERE "visibility" = ? AND contains("name", ?)',
            Parameters=[{"S": "public"}, {"S": text}],
            Limit=50,
        )
        return jsonify(products=[pick(from_item(i), common.PRODUCT_FIELDS) for i in found["Items"]])

    @app.get("/reports/<table>")
    @require_user
    def report(table: str) -> ResponseReturnValue:
        if table not in REPORT_TABLES:  # the client picks a report, never a table
            return error(404, "no such report")
        scan = {
            "TableName": tables.products,
            "FilterExpression": "visibility = :public",
            "ExpressionAttributeValues": {":public": {"S": "public"}},
        }
        items, cursor = page(client, scan, {"product_id"})
        products = [pick(i, common.PRODUCT_FIELDS) for i in items]
        return jsonify(table=table, count=len(products), items=products, next=cursor)

    @app.get("/admin/users")
    @require_admin
    def admin_users() -> ResponseReturnValue:
        items, cursor = page(client, {"TableName": tables.users}, {"user_id"})
        return jsonify(users=[pick(i, common.PROFILE_FIELDS) for i in items], next=cursor)

    @app.get("/debug/config")
    @require_admin
    def debug_config() -> ResponseReturnValue:
        return jsonify(debug=False, env={"AWS_REGION": REGION}, tables=list(tables.all()))

    register_order_routes(app, client, tables)
    return app


def _email(body: dict[str, Any]) -> str:
    email = text_arg(body, "email", 254, default="")
    if email and not _EMAIL.fullmatch(email):
        raise BadInput("email is not an email address")
    return email


def _too_many(wait: int) -> ResponseReturnValue:
    response, status = error(429, "too many requests")
    response.headers["Retry-After"] = str(wait)
    return response, status
