"""Fake Flask + DynamoDB services for the DynamoDB check unit tests (httpx.MockTransport handlers).

Each flaw is answered in the styles real services use: the words of Amazon DynamoDB, DynamoDB
Local or moto; quoted raw by botocore's `str(ClientError)`, wrapped in an app's own envelope,
hidden behind a bare 500, or swallowed into an empty 200. DynamoDB's reading of an expression
fragment or a PartiQL statement is simulated closely enough for the payloads the checks send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from middlebrick.spec.load import parse_spec
from middlebrick.spec.model import ApiSpec

Handler = Callable[[httpx.Request], httpx.Response]
SERVERS = ("aws", "local", "moto")
STYLES = ("botocore", "envelope", "text", "plain", "silent")
PRODUCTS = [
    {"product_id": f"p{i}", "name": name, "category": cat, "visible": vis}
    for i, (name, cat, vis) in enumerate([
        ("keyboard", "peripherals", True), ("hub", "peripherals", True),
        ("headphones", "audio", True), ("speaker", "audio", True),
        ("prototype glasses", "devices", False), ("test sku", "devices", False),
    ])
]  # fmt: skip
USERS = [{"user_id": f"u{i}", "username": f"user{i}", "password_hash": "x" * 12} for i in range(4)]
RESERVED = frozenset({"status", "name", "data", "date", "size", "count", "value", "key"})
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# `attribute_exists(f) OR attribute_exists(f) OR f`: every item; the same with AND: as before.
_WIDEN = re.compile(r"attribute_exists\((\w+)\) (OR|AND) attribute_exists\(\1\) \2 (\w+)")


def spec(paths: dict[str, Any], version: str = "3.0.3") -> ApiSpec:
    document = {"openapi": version, "info": {"title": "fake", "version": "1"}, "paths": paths}
    return parse_spec(json.dumps(document), source="memory://openapi.json")


def get(*params: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"parameters": list(params), "responses": {"200": {"description": "ok"}}}}


def query(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": "string", **schema}}


def path(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", **schema}}


def items(key: str, rows: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={key: rows, "next": None})


def failure(style: str, code: str, operation: str, message: str) -> httpx.Response:
    """How an app answers a botocore ClientError, in one of STYLES."""
    said = f"An error occurred ({code}) when calling the {operation} operation: {message}"
    if style == "botocore":
        return httpx.Response(500, json={"error": code, "message": said})
    if style == "envelope":
        return httpx.Response(422, json={"ok": False, "problem": {"kind": code, "detail": message}})
    if style == "text":
        return httpx.Response(400, text=said, headers={"Content-Type": "text/plain"})
    if style == "plain":
        return httpx.Response(500, text="<h1>Internal Server Error</h1>",
                              headers={"Content-Type": "text/html"})  # fmt: skip
    return httpx.Response(200, json={"products": [], "orders": [], "next": None})


def fragment(text: str, server: str, expression: str, after: str) -> tuple[str, str]:
    """How DynamoDB reads `<text> <after>` inside an expression: (outcome, error message).

    Outcomes: "plain" (one attribute name), "widen"/"narrow" (the always-true/false clause),
    "error" (then the server's message).
    """
    flat = " ".join(text.split())
    match = _WIDEN.fullmatch(flat)
    if match and expression == "Filter":
        return ("narrow" if match.group(2) == "AND" else "widen"), match.group(3)
    if match:
        return "error", "Invalid operator used in KeyConditionExpression: OR"
    inner = flat[1:-1] if flat.startswith("(") and flat.endswith(")") else flat
    if _IDENT.fullmatch(inner) and not (server == "moto" and inner != flat):
        if inner.lower() in RESERVED:
            where = "Condition" if server == "moto" else expression
            return "error", f"Invalid {where}Expression: Attribute name is a reserved keyword; " \
                            f"reserved keyword: {inner}"  # fmt: skip
        return "plain", inner
    token = next((c for c in flat if not (c.isalnum() or c in "_ ")), flat[-1:] or "=")
    if server == "moto" and expression == "Filter":
        return "error", f"Bad Filter Expression: Bad comparison {token} {after}"
    if server == "moto":
        return "error", "Query condition missed key schema element: created_at"
    near = f"{flat[-6:]} {after.split()[0]}"
    said = f'Syntax error; token: "{token}", near: "{near}"'
    return "error", f"Invalid {expression}Expression: {said}"


def filter_service(server: str, style: str, *, guard: str | None = None) -> Handler:
    """GET /products?field=&value=: `visible = :v AND {field} = :value` in a Scan's filter.

    guard: None (pasted as is), "allow-list" (exact names only), "strip-allow-list" (strip,
    then the allow-list), "strip-lookup" (strip, then a dict lookup that raises on unknowns).
    """
    fields = {"category": "category", "name": "name"}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/products":
            return httpx.Response(404, json={"error": "not found"})
        field = request.url.params.get("field", "")
        value = request.url.params.get("value", "")
        if guard == "allow-list" and field not in fields:
            return httpx.Response(400, json={"error": "field must be category or name"})
        if guard in ("strip-allow-list", "strip-lookup"):
            stripped = field.strip()
            if stripped not in fields and guard == "strip-allow-list":
                return httpx.Response(400, json={"error": "unknown field"})
            if stripped not in fields:
                return httpx.Response(500, text="KeyError", headers={"Content-Type": "text/plain"})
            field = stripped
        public = [p for p in PRODUCTS if p["visible"]]
        if not field:
            return items("products", public)
        outcome, said = fragment(field, server, "Filter", "= :value")
        if outcome == "error":
            return failure(style, "ValidationException", "Scan", said)
        if outcome == "widen":
            return items("products", PRODUCTS)
        if outcome == "narrow":
            return items("products", [p for p in public if p.get(said) == value])
        return items("products", [p for p in public if p.get(said) == value])

    return handle


VISITS = [
    {"visit_id": f"v{i}", "owner": owner, "urgency": urgency}
    for i, (owner, urgency) in enumerate([
        ("me", "routine"), ("me", "urgent"), ("me", "routine"),
        ("other", "routine"), ("other", "urgent"), ("other", "routine"),
    ])
]  # fmt: skip


def structured_filter_service(server: str, style: str, *, guard: bool = False) -> Handler:
    """GET /visits?filter=urgency:routine: `owner = :me AND {attr} = :v`, the attribute name
    being what precedes the first colon (guard: an allow-list of attribute names)."""

    def handle(request: httpx.Request) -> httpx.Response:
        attr, sep, value = request.url.params.get("filter", "").partition(":")
        if not sep:
            return httpx.Response(400, json={"error": {"code": "bad_filter", "detail": "a:v"}})
        if guard and attr not in ("urgency", "vet"):
            return httpx.Response(400, json={"error": {"code": "bad_filter", "detail": attr}})
        mine = [v for v in VISITS if v["owner"] == "me"]
        outcome, said = fragment(attr, server, "Filter", "= :v")
        if outcome == "error":
            return failure(style, "ValidationException", "Scan", said)
        if outcome == "widen":
            return items("visits", VISITS)
        return items("visits", [v for v in mine if v.get(said) == value])

    return handle


def key_service(server: str, style: str) -> Handler:
    """GET /orders?since=&date_field=: `owner = :o AND {date_field} >= :since` in a Query."""
    orders = [{"order_id": f"o{i}", "created_at": f"2024-0{i + 1}-01"} for i in range(3)]

    def handle(request: httpx.Request) -> httpx.Response:
        field = request.url.params.get("date_field", "created_at")
        since = request.url.params.get("since", "")
        outcome, said = fragment(field, server, "KeyCondition", ">= :since")
        if outcome == "plain" and said != "created_at":
            outcome, said = "error", "Query condition missed key schema element"
        if outcome == "error":
            return failure(style, "ValidationException", "Query", said)
        return items("orders", [o for o in orders if o["created_at"] >= since])

    return handle


def partiql(template: str, value: str, server: str) -> tuple[str, list[str]]:
    """How DynamoDB reads `template` with `value` pasted in: ("ok"|"all"|"error", literals)."""
    statement = template.replace("{}", value)
    literals: list[str] = []

    def literal(match: re.Match[str]) -> str:
        literals.append(match.group(1).replace("''", "'"))
        return "?"

    skeleton = " ".join(re.sub(r"'((?:[^']|'')*)'", literal, statement).split())
    expected = re.sub(r"'((?:[^']|'')*)'", "?", template.replace("{}", "x"))
    if skeleton == expected:
        return "ok", literals
    if server == "moto":
        # moto's parser skips what it cannot read, and fails on parenthesised OR clauses
        return ("error" if "(?" in skeleton else "ok"), literals[:-1] + [value]
    if skeleton in (f"{expected} OR ?<>?", f"{expected} OR (?<>?)"):
        return ("all" if literals[-2] != literals[-1] else "ok"), literals[:-2]
    if skeleton in (f"{expected} OR ?=?", f"{expected} OR (?=?)"):
        return ("all" if literals[-2] == literals[-1] else "ok"), literals[:-2]
    return "error", literals


def search_service(server: str, style: str, *, context: str = "fn", safe: bool = False) -> Handler:
    """GET /search?q=: ExecuteStatement with q pasted into `contains("name", '...')` ("fn") or
    `"name" = '...'` ("eq"); `safe` passes q as a statement parameter instead."""
    where = "contains(\"name\", '{}')" if context == "fn" else "\"name\" = '{}'"
    template = f'SELECT * FROM "products" WHERE "visible" = \'true\' AND {where}'

    def handle(request: httpx.Request) -> httpx.Response:
        q = request.url.params.get("q", "")
        public = [p for p in PRODUCTS if p["visible"]]
        if safe:
            outcome, literals = "ok", ["true", q]
        else:
            outcome, literals = partiql(template, q, server)
        if outcome == "error" and server == "moto":
            return failure(style, "500", "ExecuteStatement", "<!doctype html><title>500</title>")
        if outcome == "error":
            said = f"Statement wasn't well formed, can't be processed: {template[:40]}"
            return failure(style, "ValidationException", "ExecuteStatement", said)
        if outcome == "all":
            return items("products", PRODUCTS)
        text = literals[-1] if literals else ""
        hits = [p for p in public if (text in p["name"] if context == "fn" else p["name"] == text)]
        return items("products", hits)

    return handle


def missing_table(server: str, name: str) -> str:
    """What each server says about a table that does not exist."""
    if server == "local":
        return "Cannot do operations on a non-existent table"
    if server == "aws":
        return f"Requested resource not found: Table: {name} not found"
    return "Requested resource not found"


def table_service(server: str, style: str, *, safe: bool = False, prefix: str = "shop_") -> Handler:
    """GET /reports/{table} (or /reports?collection=): a Scan of `prefix + name`; GET /config
    lists the tables; GET /items/{item_id} answers 404 for ids it does not know."""
    tables = {f"{prefix}products": PRODUCTS, f"{prefix}users": USERS, f"{prefix}orders": []}

    def handle(request: httpx.Request) -> httpx.Response:
        parts = request.url.path.strip("/").split("/")
        if parts == ["config"]:
            return httpx.Response(200, json={"region": "us-east-1", "tables": sorted(tables)})
        if parts[0] == "items":
            found = [p for p in PRODUCTS if p["product_id"] == parts[-1]]
            if not found:
                return httpx.Response(404, json={"error": "not found"})
            return httpx.Response(200, json=found[0])
        if parts[0] != "reports":
            return httpx.Response(404, json={"error": "not found"})
        name = parts[1] if len(parts) > 1 else request.url.params.get("collection", "")
        if safe and name != "products":
            return httpx.Response(404, json={"error": "no such report"})
        table = prefix + name
        if not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", table) and server != "moto":
            said = (
                "Invalid table/index name.  Table/index names must be between 3 and 255 "
                "characters long" if server == "local" else
                f"1 validation error detected: Value '{table}' at 'tableName' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern"
            )  # fmt: skip
            return failure(style, "ValidationException", "Scan", said)
        if table not in tables:
            return failure(style, "ResourceNotFoundException", "Scan", missing_table(server, table))
        return httpx.Response(200, json={"report": name, "items": tables[table]})

    return handle


TABLE_SPEC_PATHS: dict[str, Any] = {
    "/reports/{table}": get(path("table", enum=["products"])),
    "/reports": get(query("collection")),
    "/items/{item_id}": get(path("item_id")),
    "/config": get(),
}
