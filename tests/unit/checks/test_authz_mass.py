"""authz.mass-assignment: creations, updates of the scanner's objects, and account updates
through a throwaway account; look-alikes that echo or refuse extra properties pass."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

import httpx
from flask import Flask, abort, g, request

from middlebrick.checks.authz_mass_values import injected_value, stuck
from middlebrick.models import Severity

from .authz_fakes import (
    Router,
    body_of,
    found,
    json_body,
    ok,
    openapi,
    path_id,
    reply,
    scan_mock,
    where,
    wsgi,
)

A = {"Authorization": "Bearer tok-a"}
B = {"Authorization": "Bearer tok-b"}
CHECK = "authz.mass-assignment"
TICKET = {
    "type": "object",
    "properties": {
        "ticket_id": {"type": "string"},
        "subject": {"type": "string"},
        "body": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed", "escalated"]},
        "requester_id": {"type": "string"},
        "sla_hours": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
TICKET_IN = {"subject": {"type": "string"}, "body": {"type": "string"}}
TICKETS_SPEC = openapi(
    {
        "/me": {"get": {"responses": ok()}},
        "/tickets": {
            "post": {"requestBody": json_body(TICKET_IN, ["subject"]),
                     "responses": ok(TICKET, "201")},
        },
        "/tickets/{ticket_id}": {
            "parameters": [path_id("ticket_id")],
            "get": {"responses": ok(TICKET)},
            "put": {"requestBody": json_body(TICKET_IN), "responses": ok(TICKET)},
        },
    }
)


def tickets_app(*, merges: bool, echoes: bool = False) -> tuple[Flask, list[tuple[str, str]]]:
    """`merges` stores the whole body; `echoes` only repeats it in the create answer."""
    app = Flask("tickets")
    users = {"Bearer tok-a": "u-a", "Bearer tok-b": "u-b"}
    tickets: dict[str, dict[str, Any]] = {
        "t-seed": {"ticket_id": "t-seed", "subject": "old", "body": "", "status": "open",
                   "requester_id": "u-a", "sla_hours": 48, "created_at": "2024-01-01T00:00:00Z"}
    }
    writes: list[tuple[str, str]] = []
    serial = itertools.count(1)

    @app.before_request
    def identify() -> None:
        g.user = users.get(request.headers.get("Authorization", ""))
        if request.method != "GET":
            writes.append((request.method, request.path))
        if g.user is None and request.path not in {"/", "/openapi.json"}:
            abort(401)

    @app.get("/")
    def index() -> Any:
        return {}

    @app.get("/openapi.json")
    def spec() -> Any:
        return TICKETS_SPEC

    @app.get("/me")
    def me() -> Any:
        return {"id": g.user, "email": f"{g.user}@example.test"}

    @app.post("/tickets")
    def create() -> Any:
        body = request.get_json()
        ticket = {"ticket_id": f"t-{next(serial)}", "subject": str(body.get("subject", "")),
                  "body": str(body.get("body", "")), "status": "open", "requester_id": g.user,
                  "sla_hours": 48, "created_at": "2024-06-01T00:00:00Z"}
        if merges:
            ticket.update(body)
        tickets[ticket["ticket_id"]] = ticket
        return ({**ticket, **body} if echoes else ticket), 201

    @app.get("/tickets/<tid>")
    def read(tid: str) -> Any:
        ticket = tickets.get(tid)
        return ticket if ticket and ticket["requester_id"] in {g.user, "u-b"} else abort(404)

    @app.put("/tickets/<tid>")
    def replace(tid: str) -> Any:
        ticket = tickets.get(tid)
        if not ticket or ticket["requester_id"] != g.user:
            abort(404)
        body = request.get_json()
        ticket.update(body if merges else {k: body[k] for k in TICKET_IN if k in body})
        return ticket

    return app, writes


def test_create_and_update_that_store_the_whole_body():
    app, writes = tickets_app(merges=True)
    findings = found(scan_mock(wsgi(app), checks=CHECK, a=A, b=B), CHECK)
    assert where(findings) == {("POST", "/tickets"), ("PUT", "/tickets/{ticket_id}")}
    create = next(f for f in findings if f.endpoint and f.endpoint.method == "POST")
    assert create.severity is Severity.HIGH
    note = create.evidence[0].note or ""
    for prop in ("status", "requester_id", "sla_hours"):
        assert prop in note
    assert "created_at" not in note and "ticket_id" not in note  # never injected
    assert "'u-b'" in create.description  # the owner field now names user B
    # Only the scanner's own tickets were ever written to.
    assert ("PUT", "/tickets/t-seed") not in writes


def test_extra_properties_echoed_but_not_stored_pass():
    app, _ = tickets_app(merges=False, echoes=True)
    assert found(scan_mock(wsgi(app), checks=CHECK, a=A, b=B), CHECK) == []


def test_allow_list_passes():
    app, _ = tickets_app(merges=False)
    assert found(scan_mock(wsgi(app), checks=CHECK, a=A, b=B), CHECK) == []


# -- "my account" updates, through a throwaway account with a session cookie --------------------
PROFILE = {"displayName": {"type": "string"}}


def profile_spec(*, signup: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/profile": {
            "get": {"responses": ok()},
            "patch": {"requestBody": json_body(PROFILE), "responses": ok()},
        },
        "/settings": {  # shared by everyone: no throwaway account may change it
            "get": {"responses": ok()},
            "patch": {"requestBody": json_body({"theme": {"type": "string"}}),
                      "responses": ok()},
        },
    }
    if signup:
        creds = {"email": {"type": "string", "format": "email"},
                 "password": {"type": "string", "format": "password"}}
        paths["/signup"] = {"post": {"requestBody": json_body(creds, ["email", "password"]),
                                     "responses": ok(status="201")}}
        paths["/login"] = {"post": {"requestBody": json_body(creds, ["email", "password"]),
                                    "responses": ok()}}
    return openapi(paths)


def profile_api(*, merges: bool, signup: bool = True) -> Router:
    """Cookie sessions (`sid`), camelCase profiles; `merges` writes every body field."""
    api = Router()
    accounts: dict[str, dict[str, Any]] = {
        "alice@example.test": {"uid": "u-1", "email": "alice@example.test", "plan": "free",
                               "isAdmin": False, "displayName": "Alice", "password": "pw-a"},
    }
    sessions = {"sid-a": "alice@example.test"}
    api.sessions = sessions  # type: ignore[attr-defined]
    api.accounts = accounts  # type: ignore[attr-defined]

    def caller(request: httpx.Request) -> dict[str, Any] | None:
        cookie = request.headers.get("cookie", "")
        sid = dict(p.strip().split("=", 1) for p in cookie.split(";") if "=" in p).get("sid")
        return accounts.get(sessions.get(sid or "", ""))

    def public(account: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in account.items() if k != "password"}

    @api.route("GET", "/")
    def index(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {})

    @api.route("GET", "/openapi.json")
    def spec(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, profile_spec(signup=signup))

    @api.route("POST", "/signup")
    def register(request: httpx.Request, user: str | None) -> httpx.Response:
        body = body_of(request) or {}
        email = str(body.get("email", ""))
        if not signup or email in accounts or "@" not in email:
            return reply(409 if email in accounts else 404, {"error": "no"})
        accounts[email] = {"uid": f"u-{secrets.token_hex(3)}", "email": email, "plan": "free",
                           "isAdmin": False, "displayName": "", "password": body.get("password")}
        return reply(201, public(accounts[email]))

    @api.route("POST", "/login")
    def login(request: httpx.Request, user: str | None) -> httpx.Response:
        body = body_of(request) or {}
        account = accounts.get(str(body.get("email")))
        if not signup or account is None or account["password"] != body.get("password"):
            return reply(401, {"error": "bad credentials"})
        sid = secrets.token_hex(8)
        sessions[sid] = account["email"]
        return reply(200, {"ok": True}, **{"set-cookie": f"sid={sid}; Path=/; HttpOnly"})

    settings = {"theme": "dark", "maintenance": False, "owner": "ops"}

    @api.route("GET", "/settings")
    def read_settings(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, settings) if caller(request) else reply(401, {})

    @api.route("PATCH", "/settings")
    def write_settings(request: httpx.Request, user: str | None) -> httpx.Response:
        settings.update(body_of(request) or {})
        return reply(200, settings)

    @api.route("GET", "/profile")
    def profile(request: httpx.Request, user: str | None) -> httpx.Response:
        account = caller(request)
        return reply(200, public(account)) if account else reply(401, {"error": "login"})

    @api.route("PATCH", "/profile")
    def update(request: httpx.Request, user: str | None) -> httpx.Response:
        account = caller(request)
        if account is None:
            return reply(401, {"error": "login"})
        body = body_of(request) or {}
        allowed = body if merges else {k: v for k, v in body.items() if k == "displayName"}
        account.update({k: v for k, v in allowed.items() if k not in {"uid", "password"}})
        return reply(200, public(account))

    return api


ALICE_COOKIE = {"Cookie": "sid=sid-a"}


def alice_patches(api: Router) -> list[httpx.Request]:
    return [r for r in api.requests
            if r.method == "PATCH" and "sid-a" in r.headers.get("cookie", "")]


def test_profile_update_through_a_throwaway_account():
    api = profile_api(merges=True)
    [finding] = found(scan_mock(api, checks=CHECK, a=ALICE_COOKIE), CHECK)
    assert where([finding]) == {("PATCH", "/profile")}
    note = finding.evidence[0].note or ""
    assert "isAdmin" in note and "plan" in note
    assert alice_patches(api) == []  # A's real account was never touched
    assert not [r for r in api.requests if r.method == "PATCH" and r.url.path == "/settings"]
    alice = api.accounts["alice@example.test"]  # type: ignore[attr-defined]
    assert alice["isAdmin"] is False and alice["plan"] == "free"
    others = [a for e, a in api.accounts.items() if e != "alice@example.test"]  # type: ignore[attr-defined]
    assert others and all(a["isAdmin"] is False for a in others)  # the throwaway was put back
    # The login's session cookie never leaked into requests that did not choose it.
    throwaway = set(api.sessions) - {"sid-a"}  # type: ignore[attr-defined]
    for r in api.requests:
        if any(s in r.headers.get("cookie", "") for s in throwaway):
            assert r.url.path == "/profile" or r.method == "GET"


def test_profile_allow_list_passes():
    api = profile_api(merges=False)
    assert found(scan_mock(api, checks=CHECK, a=ALICE_COOKIE), CHECK) == []
    assert alice_patches(api) == []


def test_without_registration_the_account_is_left_alone_unless_destructive():
    api = profile_api(merges=True, signup=False)
    assert found(scan_mock(api, checks=CHECK, a=ALICE_COOKIE), CHECK) == []
    assert [r for r in api.requests if r.method == "PATCH"] == []
    findings = found(scan_mock(api, checks=CHECK, a=ALICE_COOKIE, allow_destructive=True), CHECK)
    assert ("PATCH", "/profile") in where(findings)
    assert alice_patches(api)
    alice = api.accounts["alice@example.test"]  # type: ignore[attr-defined]
    assert alice["isAdmin"] is False and alice["plan"] == "free"  # restored afterwards


def test_injected_values():
    assert injected_value("role", {"enum": ["user", "admin"]}, "user", None, "m") == "admin"
    assert injected_value("status", {"enum": ["open", "closed"]}, "open", None, "m") == "closed"
    assert injected_value("ownerId", {}, "u-1", "u-2", "m") == "u-2"
    assert injected_value("accountId", {"type": "integer"}, 5, "77", "m") == 77
    assert injected_value("isAdmin", {}, False, None, "m") is True
    assert injected_value("verified", {}, None, None, "m") is True
    assert injected_value("permissions", {}, None, None, "m") == ["admin"]
    assert injected_value("price", {}, 1999, None, "m") != injected_value("total", {}, 1, None, "m")
    assert injected_value("tags", {"type": "array"}, [], None, "m") is None
    assert injected_value("homepage", {"format": "uri"}, None, None, "m") is None
    assert injected_value("nickname", {}, "al", None, "m").startswith("mb-m-")


def test_stuck_needs_the_injected_value_and_a_change():
    injected = {"role": "admin", "isAdmin": True, "credits": 1000000}
    before = {"role": "user", "isAdmin": True, "credits": 5}
    after = {"role": "admin", "isAdmin": True, "credits": 5}
    assert stuck(injected, before, after) == ["role"]
    assert stuck({"n": 1}, {}, {"n": True}) == []  # True is not 1


def test_a_create_answer_that_echoes_anything_proves_nothing():
    # No way to read the object back, and the answer repeats whatever was sent (a made-up
    # control property too): nothing shows that a property was stored.
    spec = openapi({"/feedback": {"post": {
        "requestBody": json_body({"message": {"type": "string"}}, ["message"]),
        "responses": ok({"type": "object", "properties": {
            "id": {"type": "string"}, "message": {"type": "string"},
            "status": {"type": "string", "enum": ["new", "triaged"]}}}, "201")}}})
    api = Router(users={"tok-a": "u-1"})
    api.route("GET", "/openapi.json")(lambda request, user: reply(200, spec))
    api.route("GET", "/")(lambda request, user: reply(200, {}))
    api.route("POST", "/feedback")(
        lambda request, user: reply(201, {"id": "f-1", "status": "new", **(body_of(request))})
    )
    result = scan_mock(api, checks=CHECK, a=A)
    assert found(result, CHECK) == []
    assert any(b"triaged" in r.content for r in api.requests)  # status was tried
