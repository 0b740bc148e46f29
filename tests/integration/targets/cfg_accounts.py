"""An accounts service: app factory, a blueprint under /api/v1, login state in `flask.session`.

The vulnerable build keeps `SECRET_KEY = "changeme"` from its template and trusts the
`is_admin` flag it put in the session at login; the fixed one takes a random key and reads the
flag from the users table on every request. Users live in DynamoDB (low-level client API),
found by email through a global secondary index.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request, session
from flask.typing import ResponseReturnValue

from targets import cfg_aws

EMAIL_INDEX = "by-email"
USERS = (
    ("acc-ada", "ada@example.org", "ada-password", False),
    ("acc-bert", "bert@example.org", "bert-password", False),
    ("acc-root", "root@example.org", "root-password", True),
)
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "accounts", "version": "2.1"},
    "components": {
        "securitySchemes": {"cookie": {"type": "apiKey", "in": "cookie", "name": "session"}}
    },
    "security": [{"cookie": []}],
    "paths": {
        "/api/v1/sessions": {
            "post": {
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["email", "password"],
                                "properties": {
                                    "email": {"type": "string", "format": "email"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "signed in"}, "401": {"description": "no"}},
            }
        },
        "/api/v1/whoami": {"get": {"responses": {"200": {"description": "the account"}}}},
        "/api/v1/admin/accounts": {
            "get": {
                "parameters": [
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 50}},
                    {"name": "next_token", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "accounts"}, "403": {"description": "no"}},
            }
        },
    },
}  # fmt: skip


def digest(password: str) -> str:
    return hashlib.sha256(b"cfg-accounts:" + password.encode()).hexdigest()


def create_table(endpoint: str, name: str) -> None:
    cfg_aws.create_table(
        endpoint,
        name,
        "uid",
        attributes=[{"AttributeName": "email", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": EMAIL_INDEX,
                "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    dynamodb = cfg_aws.client(endpoint)
    for uid, email, password, admin in USERS:
        item = {
            "uid": {"S": uid},
            "email": {"S": email},
            "password": {"S": digest(password)},
            "is_admin": {"BOOL": admin},
        }
        dynamodb.put_item(TableName=name, Item=item)


accounts = Blueprint("accounts", __name__)


def _users() -> tuple[Any, str]:
    return current_app.extensions["cfg_dynamodb"], current_app.config["USERS_TABLE"]


def _account(uid: str) -> dict[str, Any] | None:
    dynamodb, table = _users()
    item = dynamodb.get_item(TableName=table, Key={"uid": {"S": uid}}).get("Item")
    if item is None:
        return None
    return {"uid": uid, "email": item["email"]["S"], "is_admin": item["is_admin"]["BOOL"]}


def _is_admin() -> bool:
    if current_app.config["TRUST_SESSION_ROLE"]:
        return bool(session.get("is_admin"))
    account = _account(str(session.get("uid", "")))
    return bool(account and account["is_admin"])


@accounts.post("/sessions")
def sign_in() -> ResponseReturnValue:
    body = request.get_json(silent=True) or {}
    dynamodb, table = _users()
    found = dynamodb.query(
        TableName=table,
        IndexName=EMAIL_INDEX,
        KeyConditionExpression="email = :e",
        ExpressionAttributeValues={":e": {"S": str(body.get("email", "")) or "-"}},
        Limit=1,
    )["Items"]
    if not found or found[0]["password"]["S"] != digest(str(body.get("password", ""))):
        return jsonify(message="bad credentials"), 401
    session["uid"] = found[0]["uid"]["S"]
    session["is_admin"] = found[0]["is_admin"]["BOOL"]
    return jsonify(uid=session["uid"])


@accounts.get("/whoami")
def whoami() -> ResponseReturnValue:
    if "uid" not in session:
        return jsonify(message="sign in first"), 401
    account = _account(session["uid"]) or {"uid": session["uid"], "email": None}
    return jsonify({**account, "is_admin": _is_admin()})


@accounts.get("/admin/accounts")
def list_accounts() -> ResponseReturnValue:
    if "uid" not in session:
        return jsonify(message="sign in first"), 401
    if not _is_admin():
        return jsonify(message="administrators only"), 403
    limit = request.args.get("limit", default=20, type=int)
    if not 1 <= limit <= 50:
        return jsonify(message="limit must be 1..50"), 400
    dynamodb, table = _users()
    params: dict[str, Any] = {"TableName": table, "Limit": limit}
    if token := request.args.get("next_token"):
        params["ExclusiveStartKey"] = {"uid": {"S": token}}
    page = dynamodb.scan(**params)
    rows = [{"uid": i["uid"]["S"], "email": i["email"]["S"]} for i in page["Items"]]
    last = page.get("LastEvaluatedKey")
    return jsonify(accounts=rows, next_token=last["uid"]["S"] if last else None)


def create_app(endpoint: str, table: str, *, fixed: bool) -> Flask:
    """The service; `fixed` picks a random SECRET_KEY and roles read from the table."""
    app = Flask("cfg_accounts")
    app.config.from_mapping(
        SECRET_KEY=secrets.token_hex(32) if fixed else "changeme",
        USERS_TABLE=table,
        TRUST_SESSION_ROLE=not fixed,
    )
    app.extensions["cfg_dynamodb"] = cfg_aws.client(endpoint)
    app.register_blueprint(accounts, url_prefix="/api/v1")
    app.add_url_rule("/openapi.json", "spec", lambda: jsonify(SPEC))
    return app
