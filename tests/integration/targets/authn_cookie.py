"""An invoicing portal on Flask with cookie sessions (no bearer tokens), vulnerable or fixed.

Another style than the lab: a Blueprint under /api/v2, class-based MethodViews, a
form-encoded login that sets a `sid` cookie, errors as {"status": ..., "message": ...}.
Vulnerable: the session cookie is a JWT signed with "changeme" whose expiry nobody checks;
the monthly report forgot its login check and any limit; password reset tells whether an
email has an account; login has no limit. Fixed: opaque server-side sessions that expire, the
report needs a session and announces its limit, reset always answers 202, login announces and
enforces a limit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView

ACCOUNTS = {
    "dana@example.org": {"name": "Dana", "password": "dana-Orchard-8", "plan": "team"},
    "eli@example.org": {"name": "Eli", "password": "eli-Harbour-2", "plan": "solo"},
}
INVOICES = [
    {"invoice_id": f"inv-{owner[:3]}-{n}", "owner": owner, "amount": 100 * n, "currency": "EUR"}
    for owner in ACCOUNTS
    for n in range(1, 4)
]
SESSION_TTL = 3600


def _ok(schema: Any) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


INVOICE = {
    "type": "object",
    "properties": {
        "invoice_id": {"type": "string"},
        "amount": {"type": "integer"},
        "currency": {"type": "string"},
    },
}
ACCOUNT = {
    "type": "object",
    "properties": {"email": {"type": "string"}, "name": {"type": "string"}},
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "invoicing portal", "version": "2.0"},
    "servers": [{"url": "/api/v2"}],
    "security": [{"session": []}],
    "paths": {
        "/status": {"get": {"security": [], "responses": _ok({"type": "object"})}},
        "/session": {"post": {
            "summary": "Sign in", "security": [],
            "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
                "schema": {"type": "object", "required": ["email", "password"], "properties": {
                    "email": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": {"204": {"description": "signed in; sets the sid cookie"},
                          "401": {"description": "wrong email or password"}},
        }},
        "/account": {"get": {"responses": _ok(ACCOUNT)}},
        "/invoices": {"get": {"responses": _ok({"type": "object", "properties": {
            "invoices": {"type": "array", "items": INVOICE}}})}},
        "/invoices/{invoice_id}": {"get": {
            "parameters": [{"name": "invoice_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": _ok(INVOICE)}},
        "/reports/monthly": {"get": {"responses": _ok({"type": "object"})}},
        "/password-reset": {"post": {
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["email"],
                "properties": {"email": {"type": "string"}}}}}},
            "responses": {"202": {"description": "accepted"}},
        }},
    },
    "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie",
                                                   "name": "sid"}}},
}  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _problem(status: int, message: str) -> ResponseReturnValue:
    return jsonify(status=status, message=message), status


class Sessions:
    """Vulnerable: a JWT in the cookie (weak key, expiry ignored). Fixed: opaque, server-side."""

    def __init__(self, *, vulnerable: bool) -> None:
        self.vulnerable = vulnerable
        self.key = b"changeme"
        self.live: dict[str, tuple[str, float]] = {}

    def open(self, email: str) -> str:
        if not self.vulnerable:
            sid = secrets.token_urlsafe(32)
            self.live[sid] = (email, time.time() + SESSION_TTL)
            return sid
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps({"sub": email, "exp": int(time.time()) + SESSION_TTL}).encode())
        mac = hmac.new(self.key, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(mac)}"

    def who(self, sid: str) -> str | None:
        if not self.vulnerable:
            email, until = self.live.get(sid, ("", 0.0))
            return email if until > time.time() else None
        try:
            head, body, mac = sid.split(".")
            if json.loads(_unb64(head)).get("alg") != "HS256":
                return None
            good = hmac.new(self.key, f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(_b64(good), mac):
                return None
            subject = json.loads(_unb64(body)).get("sub")  # "exp" is never looked at
        except ValueError:
            return None
        return subject if subject in ACCOUNTS else None


def create_app(*, vulnerable: bool) -> Flask:
    app = Flask("invoicing")
    api = Blueprint("api", __name__, url_prefix="/api/v2")
    sessions = Sessions(vulnerable=vulnerable)
    attempts: dict[str, list[float]] = defaultdict(list)

    def login_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            g.email = sessions.who(request.cookies.get("sid", ""))
            if g.email is None:
                return _problem(401, "sign in first")
            return view(*args, **kwargs)

        return guarded

    class SessionView(MethodView):
        def post(self) -> ResponseReturnValue:
            email, password = request.form.get("email", ""), request.form.get("password", "")
            headers: dict[str, str] = {}
            if not vulnerable:
                recent = [t for t in attempts[email] if t > time.time() - 60]
                attempts[email] = recent + [time.time()]
                headers = {"RateLimit-Limit": "10", "RateLimit-Remaining": str(10 - len(recent))}
                if len(recent) >= 10:
                    return jsonify(status=429, message="too many attempts"), 429, headers
            account = ACCOUNTS.get(email)
            if account is None or not hmac.compare_digest(account["password"], password):
                return jsonify(status=401, message="wrong email or password"), 401, headers
            response = app.response_class(status=204, headers=headers)
            response.set_cookie("sid", sessions.open(email), httponly=True, samesite="Lax")
            return response

    class AccountView(MethodView):
        decorators = [login_required]

        def get(self) -> ResponseReturnValue:
            account = ACCOUNTS[g.email]
            return jsonify(email=g.email, name=account["name"], plan=account["plan"])

    class InvoicesView(MethodView):
        decorators = [login_required]

        def get(self, invoice_id: str | None = None) -> ResponseReturnValue:
            mine = [{k: v for k, v in i.items() if k != "owner"} for i in INVOICES
                    if i["owner"] == g.email]  # fmt: skip
            if invoice_id is None:
                return jsonify(invoices=mine)
            found = [i for i in mine if i["invoice_id"] == invoice_id]
            return jsonify(found[0]) if found else _problem(404, "no such invoice")

    class ReportView(MethodView):
        decorators = [] if vulnerable else [login_required]  # vulnerable: forgotten

        def get(self) -> ResponseReturnValue:
            total = sum(int(str(i["amount"])) for i in INVOICES)
            report = jsonify(month="2024-05", invoices=len(INVOICES), revenue=total,
                             by_plan={"team": 3, "solo": 3})  # fmt: skip
            if not vulnerable:  # an aggregate is costly: its limit is announced (as flask-limiter)
                report.headers.update({"X-RateLimit-Limit": "30", "X-RateLimit-Reset": "60"})
            return report

    class ResetView(MethodView):
        def post(self) -> ResponseReturnValue:
            email = str((request.get_json(silent=True) or {}).get("email", ""))
            if vulnerable and email not in ACCOUNTS:
                return _problem(404, "no account uses this email")
            return jsonify(status=202, message="if an account uses this email, a link is on "
                           "its way"), 202  # fmt: skip

    invoices = InvoicesView.as_view("invoices")
    api.add_url_rule("/status", "status", view_func=lambda: jsonify(status="up"))
    api.add_url_rule("/session", view_func=SessionView.as_view("session"))
    api.add_url_rule("/account", view_func=AccountView.as_view("account"))
    api.add_url_rule("/invoices", view_func=invoices)
    api.add_url_rule("/invoices/<invoice_id>", view_func=invoices)
    api.add_url_rule("/reports/monthly", view_func=ReportView.as_view("report"))
    api.add_url_rule("/password-reset", view_func=ResetView.as_view("reset"))
    api.add_url_rule("/openapi.json", "openapi", view_func=lambda: jsonify(SPEC))
    app.register_blueprint(api)
    return app
