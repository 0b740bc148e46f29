"""What the review_clinic target's views share: the error envelope, views of DynamoDB items,
page/per_page pagination with `Link` headers, reading whole tables, its error handlers, and a
loopback server that (for the fixed build) does not name its software."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server


class Problem(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def envelope(status: int, code: str, detail: str) -> tuple[Response, int]:
    return jsonify(error={"code": code, "detail": detail}), status


def plain(item: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A view of an item with DynamoDB's Decimals turned back into ints and floats."""
    out: dict[str, Any] = {}
    for name in fields:
        if name in item:
            value = item[name]
            is_decimal = isinstance(value, Decimal)
            out[name] = (int(value) if value == value.to_integral() else float(value)) \
                if is_decimal else value  # fmt: skip
    return out


OWNER = ("owner_id", "full_name", "email", "phone", "role")
PET = ("pet_id", "owner_id", "pet_name", "species", "weight_kg", "microchip")
VISIT = ("visit_id", "owner_id", "pet_id", "urgency", "vet", "diagnosis", "invoice_cents")
SLOT = ("slot_id", "vet", "free")


def _number(name: str, default: int, high: int | None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or (high is not None and int(raw) > high):
        raise Problem(400, "bad_parameter", f"{name} must be an integer from 1 to {high}")
    return int(raw)


def paginate(rows: list[dict[str, Any]], fields: tuple[str, ...], *, cap: int | None) -> Response:
    """Page `rows` by page/per_page and link the next page (RFC 8288)."""
    page, per_page = _number("page", 1, 1000), _number("per_page", 20, cap)
    start = (page - 1) * per_page
    body = jsonify(items=[plain(r, fields) for r in rows[start : start + per_page]],
                   page=page, per_page=per_page)  # fmt: skip
    if start + per_page < len(rows):
        following = f"{request.base_url}?page={page + 1}&per_page={per_page}"
        body.headers["Link"] = f'<{following}>; rel="next"'
    return body


def scan_all(table: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a Scan or Query, following LastEvaluatedKey."""
    call = table.query if "KeyConditionExpression" in kwargs else table.scan
    found = call(**kwargs)
    rows = list(found["Items"])
    while "LastEvaluatedKey" in found:
        found = call(ExclusiveStartKey=found["LastEvaluatedKey"], **kwargs)
        rows += found["Items"]
    return rows


def fake_aws_keys() -> tuple[str, str]:
    """Correctly shaped, made-up keys (derived here so no key-like string is committed)."""
    digest = hashlib.sha256(b"review-clinic").digest()
    key_id = "AKIA" + base64.b32encode(digest).decode()[:16]
    return key_id, base64.b64encode(digest * 2).decode()[:40]


def register_errors(app: Flask, *, fixed: bool) -> None:
    @app.errorhandler(Problem)
    def problem(exc: Problem) -> ResponseReturnValue:
        return envelope(exc.status, exc.code, exc.detail)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        code = (exc.name or "error").lower().replace(" ", "_")
        return envelope(exc.code or 500, code, exc.description or "")

    @app.errorhandler(ClientError)
    def dynamodb_error(exc: ClientError) -> ResponseReturnValue:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        status = 400 if code == "ValidationException" else 502
        if fixed:
            app.logger.warning("DynamoDB refused a request: %s", code)
            return envelope(502, "upstream", "the request could not be completed")
        return envelope(status, code, str(exc))  # botocore's message, table names and all

    if fixed:

        @app.errorhandler(Exception)
        def crash(exc: Exception) -> ResponseReturnValue:
            app.logger.exception("unhandled")
            return envelope(500, "internal", "internal error")

        @app.after_request
        def harden(response: Response) -> Response:
            response.headers.update({
                "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
                "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
            })  # fmt: skip
            return response


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class _Anonymous(_Quiet):
    """Sends no `Server` header, as a production server configured not to name itself."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())


@contextmanager
def serve(app: Flask, *, server_header: bool) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) for the length of the block; yields its URL."""
    handler = _Quiet if server_header else _Anonymous
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
