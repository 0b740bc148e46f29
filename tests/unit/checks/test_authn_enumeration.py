"""authn.user-enumeration: login, reset and sign-up answers that tell accounts apart."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from flask import Flask, jsonify, request

from middlebrick.models import Confidence, Severity

from .test_authn_support import document, operation, scan_check, wsgi

CHECK = "authn.user-enumeration"
A = {"Authorization": "Bearer tok-alice"}
ACCOUNTS = {"alice": "alice@example.com", "carol": "carol@example.com"}
CREDENTIALS = {
    "type": "object",
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}
SIGNUP = {"type": "object", "properties": {
    "username": {"type": "string"}, "email": {"type": "string", "format": "email"},
    "password": {"type": "string", "minLength": 8}}}  # fmt: skip
DOC = document(
    {
        "/auth/login": {"post": operation(secured=False, body=CREDENTIALS)},
        "/users/me": {"get": operation()},
        "/users": {
            "get": operation(),
            "post": operation(secured=False, body=SIGNUP, extra={"operationId": "signUp"}),
        },
        "/password/forgot": {"post": operation(secured=False, body={
            "type": "object", "properties": {"email": {"type": "string", "format": "email"}}})},
    }
)  # fmt: skip


def accounts_app(*, login: str = "same", reset: str = "same", signup: str = "generic") -> Flask:
    """A user service; `login`/`reset`/`signup` choose how it answers for unknown accounts."""
    app = Flask("accounts")
    app.config["seen"] = []
    failures: dict[str, int] = {}

    @app.get("/users/me")
    def me() -> Any:
        if request.headers.get("Authorization") != "Bearer tok-alice":
            return jsonify(error="unauthorized"), 401
        return {"username": "alice", "email": ACCOUNTS["alice"], "plan": "free"}

    @app.get("/users")
    def directory() -> Any:
        return {"users": [{"username": n, "email": e} for n, e in ACCOUNTS.items()]}

    @app.post("/auth/login")
    def log_in() -> Any:
        body = request.get_json()
        name = body["username"]
        app.config["seen"].append(("login", name))
        if login == "lockout" and name in ACCOUNTS:
            failures[name] = failures.get(name, 0) + 1
            if failures[name] > 2:
                return jsonify(error="account locked"), 423
        if name not in ACCOUNTS:
            if login == "messages":
                return jsonify(error="no such user"), 404
            if login == "echo":
                return jsonify(error=f"invalid password for {name}"), 401
        elif login == "slow":
            time.sleep(0.04)  # a password hash only real accounts pay for
        elif login == "echo":
            return jsonify(error=f"invalid password for {name}"), 401
        ticket = f"{time.time_ns():x}"  # a request id that differs on every answer
        return jsonify(error="invalid username or password", request_id=ticket), 401

    @app.post("/password/forgot")
    def forgot() -> Any:
        email = request.get_json()["email"]
        app.config["seen"].append(("reset", email))
        if reset == "messages" and email not in ACCOUNTS.values():
            return jsonify(error="no account with that email"), 404
        return jsonify(message="if the account exists, we sent an email"), 202

    @app.post("/users")
    def sign_up() -> Any:
        name = request.get_json()["username"]
        app.config["seen"].append(("signup", name))
        if name in ACCOUNTS and signup == "conflict":
            return jsonify(error="username already taken"), 409
        return jsonify(message="check your inbox to finish signing up"), 202

    return app


def titles(findings) -> list[tuple[str, Severity, Confidence]]:
    return sorted((f.title, f.severity, f.confidence) for f in findings)


def test_different_login_messages_are_found_with_another_users_account():
    app = accounts_app(login="messages")
    findings = scan_check(CHECK, wsgi(app), DOC, headers_a=A)
    assert titles(findings) == [
        ("Login answers tell existing accounts from unknown ones", Severity.MEDIUM,
         Confidence.FIRM),
    ]  # fmt: skip
    known = {n for kind, n in app.config["seen"] if kind == "login" and n in ACCOUNTS}
    assert known == {"carol"}  # the scan's own account is never the one locked out
    logins = [n for kind, n in app.config["seen"] if kind == "login"]
    assert logins.count("carol") == 5 and len(logins) == 16


def test_one_message_for_both_is_clean_even_with_names_and_ids_in_it():
    for login in ("same", "echo"):
        assert scan_check(CHECK, wsgi(accounts_app(login=login)), DOC, headers_a=A) == []


def test_a_timing_gap_is_a_tentative_finding():
    findings = scan_check(CHECK, wsgi(accounts_app(login="slow")), DOC, headers_a=A)
    assert titles(findings) == [
        ("Login response time tells existing accounts from unknown ones", Severity.MEDIUM,
         Confidence.TENTATIVE),
    ]  # fmt: skip
    assert "pairs had the existing account faster" in (findings[0].evidence[0].note or "")


def test_a_lockout_ends_the_probe_without_a_verdict():
    app = accounts_app(login="lockout")
    assert scan_check(CHECK, wsgi(app), DOC, headers_a=A) == []
    assert [n for kind, n in app.config["seen"] if kind == "login"].count("carol") == 3


def test_password_reset_messages_are_found_using_only_the_scans_own_email():
    app = accounts_app(reset="messages")
    findings = scan_check(CHECK, wsgi(app), DOC, headers_a=A)
    assert titles(findings) == [
        ("Password reset tells existing accounts from unknown ones", Severity.MEDIUM,
         Confidence.FIRM),
    ]  # fmt: skip
    resets = [e for kind, e in app.config["seen"] if kind == "reset"]
    assert "carol@example.com" not in resets and "alice@example.com" in resets


def test_a_taken_username_at_sign_up_is_only_info():
    findings = scan_check(CHECK, wsgi(accounts_app(signup="conflict")), DOC, headers_a=A)
    assert titles(findings) == [
        ("Sign-up tells whether an account name is taken", Severity.INFO, Confidence.FIRM)
    ]


def test_read_only_sends_no_login_or_sign_up():
    app = accounts_app(login="messages", signup="conflict", reset="messages")
    assert scan_check(CHECK, wsgi(app), DOC, headers_a=A, read_only=True) == []
    assert app.config["seen"] == []


def test_an_email_login_in_another_style_is_understood():
    """A hand-written JSON:API-ish service: `email` logs in, statuses differ by account."""
    doc = document({
        "/v1/sessions": {"post": operation(secured=False, body={
            "type": "object", "required": ["email", "secret"],
            "properties": {"email": {"type": "string"}, "password": {"type": "string"}}},
            extra={"operationId": "createSession", "tags": ["auth"]})},
        "/v1/members": {"get": operation()},
    })  # fmt: skip

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/v1/members":
            return httpx.Response(200, json={"data": [{"id": "m1", "email": "dan@example.org"}]})
        if req.url.path == "/v1/sessions":
            email = json.loads(req.content)["email"]
            status = 401 if email == "dan@example.org" else 422
            return httpx.Response(status, json={"errors": [{"status": str(status)}]})
        return httpx.Response(404)

    findings = scan_check(CHECK, handler, doc, headers_a=A)
    assert [f.title for f in findings] == ["Login answers tell existing accounts from unknown ones"]


def test_nothing_known_nothing_sent():
    app = accounts_app(login="messages")
    no_directory = document({"/auth/login": {"post": operation(secured=False, body=CREDENTIALS)}})
    assert scan_check(CHECK, wsgi(app), no_directory) == []
    assert all(kind == "login" and n not in ACCOUNTS for kind, n in app.config["seen"])
