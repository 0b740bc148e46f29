"""The vulnerable twin: a plausible Flask + DynamoDB shop with every flaw in ground_truth.yaml.

Each deliberate flaw is marked `# VULN <ground-truth id>`. Do not copy any of this.
"""

from __future__ import annotations

import base64
import hashlib
import traceback
from typing import Any

from botocore.exceptions import ClientError
from flask import Flask, Response, g, jsonify, request, session
from flask.typing import ResponseReturnValue
from werkzeug.debug import DebuggedApplication
from werkzeug.security import check_password_hash

from middlebrick.lab import common
from middlebrick.lab.common import error, pick, require_admin, require_user
from middlebrick.lab.dynamodb import REGION, DynamoClient
from middlebrick.lab.seed import hash_password
from middlebrick.lab.store import OWNER_INDEX, Tables, from_item, to_item

SECRET_KEY = "dev"  # VULN weak-secret-key: the value from Flask's tutorial


def fake_aws_credentials() -> tuple[str, str]:
    """A correctly shaped but fake AWS key pair, derived here so no key-like string is committed."""
    key_id = "AKIA" + base64.b32encode(hashlib.sha256(b"mb-lab-key-id").digest()).decode()[:16]
    secret = base64.b64encode(hashlib.sha256(b"mb-lab-secret").digest()).decode()[:40]
    return key_id, secret


def create_vulnerable_app(client: DynamoClient, tables: Tables) -> Flask:
    """The vulnerable twin as a Flask app (its WSGI callable already wraps the debugger)."""
    app = Flask("middlebrick_lab_vulnerable")
    app.config["SECRET_KEY"] = SECRET_KEY
    app.debug = True  # VULN werkzeug-debugger-console, debug-traceback: errors reach it
    app.wsgi_app = DebuggedApplication(  # type: ignore[method-assign]
        app.wsgi_app, evalex=True, pin_logging=False
    )
    common.serve_openapi(app, hardened=False)

    @app.before_request
    def identify() -> None:
        g.user = None
        # VULN weak-secret-key: every visitor gets a session (for a cart) signed with "dev".
        session.setdefault("cart", [])
        if (token := common.bearer_token()) is not None:
            subject = common.token_subject(SECRET_KEY, token, max_age=None)
            g.user = common.find_user(client, tables, subject) if subject else None
        elif "user_id" in session:
            # VULN weak-secret-key: the signed cookie is trusted, role included.
            stored = common.find_user(client, tables, session["user_id"]) or {}
            g.user = {**stored, "user_id": session["user_id"], "role": session.get("role")}

    # VULN missing-security-headers: no response sets nosniff, framing, CSP, referrer or caching.
    # VULN server-version-disclosure: the lab serves this twin with Werkzeug's own request
    # handler, whose Server header names the Werkzeug and Python versions.
    @app.after_request
    def cors(response: Response) -> Response:
        # VULN cors-reflection: any Origin is echoed back, with credentials allowed.
        if origin := request.headers.get("Origin"):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE"
        return response

    @app.errorhandler(ClientError)
    def sdk_error(exc: ClientError) -> ResponseReturnValue:
        # VULN raw-sdk-errors: botocore's message and our stack trace go to the client.
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        trace = "".join(traceback.format_exception(exc))
        return jsonify(error=code, message=str(exc), traceback=trace), 500

    @app.get("/health")
    def health() -> ResponseReturnValue:
        return jsonify(status="ok")

    @app.post("/auth/login")
    def login() -> ResponseReturnValue:
        # VULN login-no-rate-limit: guess passwords as fast as the server answers.
        body = common.json_body() or {}
        user = common.find_username(client, tables, str(body.get("username", "")))
        password = str(body.get("password", ""))
        if user is None or not check_password_hash(user["password_hash"], password):
            return error(401, "invalid username or password")
        session["user_id"], session["role"] = user["user_id"], user["role"]
        token = common.issue_token(SECRET_KEY, user["user_id"])
        return jsonify(token=token, token_type="Bearer", user_id=user["user_id"])

    @app.post("/users")
    def register() -> ResponseReturnValue:
        body = common.json_body() or {}
        username, password = str(body.get("username", "")), str(body.get("password", ""))
        if not username or not password:
            return error(400, "username and password are required")
        if common.find_username(client, tables, username) is not None:
            return error(409, "username taken")
        user = {
            "user_id": common.new_id("usr"),
            "username": username,
            "email": str(body.get("email", "")),
            "display_name": str(body.get("display_name", username)),
            "role": "user",
            "password_hash": hash_password(password, common.new_id("s")),
            "created_at": common.now(),
        }
        client.put_item(TableName=tables.users, Item=to_item(user))
        return jsonify(pick(user, common.PROFILE_FIELDS)), 201

    @app.get("/users/me")
    @require_user
    def me() -> ResponseReturnValue:
        return jsonify(pick(g.user, common.PROFILE_FIELDS))

    @app.patch("/users/me")
    @require_user
    def update_me() -> ResponseReturnValue:
        # VULN mass-assignment-role: every field of the body is written, `role` included.
        body = common.json_body() or {}
        if not body:
            return error(400, "nothing to update")
        names = {f"#f{i}": k for i, k in enumerate(body)}
        values = {f":v{i}": to_item({"v": v})["v"] for i, v in enumerate(body.values())}
        updated = client.update_item(
            TableName=tables.users,
            Key={"user_id": {"S": g.user["user_id"]}},
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(body))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return jsonify(pick(from_item(updated["Attributes"]), common.PROFILE_FIELDS))

    @app.get("/users")
    @require_user
    def list_users() -> ResponseReturnValue:
        # VULN unbounded-scan: no Limit, the whole table in one answer.
        # VULN password-hash-exposure: items go out as stored, password hashes included.
        items = [from_item(i) for i in client.scan(TableName=tables.users)["Items"]]
        return jsonify(users=items, next=None)

    @app.get("/products")
    def list_products() -> ResponseReturnValue:
        limit = int(request.args.get("limit", "20"))  # VULN debug-traceback: "abc" crashes
        values: dict[str, Any] = {":public": {"S": "public"}}
        condition = "visibility = :public"
        if field := request.args.get("field"):
            # VULN filter-expression-injection: the attribute name is pasted into the filter.
            condition += f" AND {field} = :value"
            values[":value"] = {"S": request.args.get("value", "")}
        found = client.scan(
            TableName=tables.products,
            FilterExpression=condition,
            ExpressionAttributeValues=values,
        )
        items = [pick(from_item(i), common.PRODUCT_FIELDS) for i in found["Items"]]
        return jsonify(products=items[:limit], next=None)

    @app.get("/products/<product_id>")
    def get_product(product_id: str) -> ResponseReturnValue:
        found = client.get_item(TableName=tables.products, Key={"product_id": {"S": product_id}})
        item = from_item(found["Item"]) if "Item" in found else None
        if item is None or item.get("visibility") != "public":
            return error(404, "no such product")
        return jsonify(pick(item, common.PRODUCT_FIELDS))

    @app.post("/products")
    @require_admin
    def create_product() -> ResponseReturnValue:
        body = common.json_body() or {}
        product = {
            "product_id": common.new_id("prd"),
            "name": str(body.get("name", "")),
            "category": str(body.get("category", "")),
            "price": int(body.get("price", 0)),
            "stock": int(body.get("stock", 0)),
            "visibility": "public",
        }
        client.put_item(TableName=tables.products, Item=to_item(product))
        return jsonify(pick(product, common.PRODUCT_FIELDS)), 201

    @app.get("/search")
    def search() -> ResponseReturnValue:
        # VULN partiql-injection: the search text is pasted into the PartiQL statement.
        text = request.args.get("q", "")
        statement = (
            f'SELECT * FROM "{tables.products}" '
            f"WHERE \"visibility\" = 'public' AND contains(\"name\", '{text}')"
        )
        found = client.execute_statement(Statement=statement)
        return jsonify(products=[pick(from_item(i), common.PRODUCT_FIELDS) for i in found["Items"]])

    _register_order_routes(app, client, tables)
    _register_admin_routes(app, client, tables)
    return app


def _register_order_routes(app: Flask, client: DynamoClient, tables: Tables) -> None:
    @app.get("/orders")
    @require_user
    def list_orders() -> ResponseReturnValue:
        condition = "owner_id = :owner"
        values = {":owner": {"S": g.user["user_id"]}}
        if since := request.args.get("since"):
            # VULN key-condition-injection: the sort attribute's name comes from the client.
            condition += f" AND {request.args.get('date_field', 'created_at')} >= :since"
            values[":since"] = {"S": since}
        found = client.query(
            TableName=tables.orders,
            IndexName=OWNER_INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
        )
        return jsonify(orders=[from_item(i) for i in found["Items"]], next=None)

    @app.post("/orders")
    @require_user
    def create_order() -> ResponseReturnValue:
        body = common.json_body() or {}
        found = client.get_item(
            TableName=tables.products, Key={"product_id": {"S": str(body.get("product_id"))}}
        )
        if "Item" not in found:
            return error(404, "no such product")
        product = from_item(found["Item"])
        order = {
            "order_id": common.new_id("ord"),
            "owner_id": g.user["user_id"],
            "product_id": product["product_id"],
            "product_name": product["name"],
            "quantity": 1,
            "price": product["price"],
            "status": "placed",
            "shipping_address": "on file",
            "created_at": common.now(),
        }
        order.update(body)  # VULN mass-assignment-order: owner_id, price and status included
        order["total"] = int(order["price"]) * int(order["quantity"])
        client.put_item(TableName=tables.orders, Item=to_item(order))
        return jsonify(order), 201

    @app.get("/orders/<order_id>")
    @require_user
    def get_order(order_id: str) -> ResponseReturnValue:
        # VULN bola-order: any signed-in user can read any order by its id.
        found = client.get_item(TableName=tables.orders, Key={"order_id": {"S": order_id}})
        if "Item" not in found:
            return error(404, "no such order")
        return jsonify(from_item(found["Item"]))

    @app.get("/orders/<order_id>/invoice")
    @require_user
    def get_invoice(order_id: str) -> ResponseReturnValue:
        found = client.get_item(TableName=tables.orders, Key={"order_id": {"S": order_id}})
        if "Item" not in found:
            return error(404, "no such order")
        order = from_item(found["Item"])
        # VULN header-identity: the "owner" is whoever the client says it is.
        caller = request.headers.get("X-User-ID", g.user["user_id"])
        if order["owner_id"] != caller:
            return error(403, "not your order")
        return jsonify(common.invoice(order))

    @app.get("/internal/export")
    @require_user
    def export_orders() -> ResponseReturnValue:
        # VULN undocumented-endpoint: a forgotten batch export, absent from /openapi.json.
        found = client.scan(TableName=tables.orders)
        return jsonify(orders=[from_item(i) for i in found["Items"]])


def _register_admin_routes(app: Flask, client: DynamoClient, tables: Tables) -> None:
    @app.get("/reports/<table>")
    @require_user
    def report(table: str) -> ResponseReturnValue:
        # VULN table-name-injection: the client names the table; only "products" was meant.
        found = client.scan(TableName=f"{tables.prefix}{table}", Limit=100)
        items = [from_item(i) for i in found["Items"]]
        return jsonify(table=table, count=len(items), items=items)

    @app.get("/admin/users")
    @require_user
    def admin_users() -> ResponseReturnValue:
        # VULN bfla-admin-users: signed in is enough; the role is never checked.
        found = client.scan(TableName=tables.users, Limit=50)
        items = [pick(from_item(i), common.PROFILE_FIELDS) for i in found["Items"]]
        return jsonify(users=items, next=None)

    @app.get("/debug/config")
    def debug_config() -> ResponseReturnValue:
        # VULN credentials-leak: the environment, AWS credentials included, for anyone.
        key_id, secret = fake_aws_credentials()
        env = {
            "AWS_ACCESS_KEY_ID": key_id,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": REGION,
            "FLASK_DEBUG": "1",
            "TABLE_PREFIX": tables.prefix,
        }
        return jsonify(debug=True, env=env, tables=list(tables.all()))
