"""A Flask notes service that signs users in with a session cookie, documented in Swagger 2.0.

Unlike the lab (bearer tokens, OpenAPI 3.1): identity is Flask's signed `session` cookie,
ids are UUIDs under `note_id`, lists are bare JSON arrays, and accounts register and sign in
through /auth. The vulnerable version lets anyone read and delete any note (BOLA), trusts a
declared `X-Delegate-User` header on note exports, writes every field of PATCH /account (mass
assignment: plan, credits, is_staff) and shows the user list under /manage to everyone. The
fixed version does none of it. Both serve a catalogue every signed-in user may read by design.
Every request is recorded with the session's user, so tests can prove what a scan changed.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from typing import Any

from flask import Flask, abort, jsonify, request, session
from flask.typing import ResponseReturnValue
from werkzeug.security import check_password_hash, generate_password_hash

_STR = {"type": "string"}


def _body(name: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:  # Swagger 2.0 wants a non-empty list, or none
        schema["required"] = required
    return {"name": name, "in": "body", "required": True, "schema": schema}


def _ok(**extra: Any) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok", "schema": {"type": "object"}}}, **extra}


_NOTE_ID = {"name": "note_id", "in": "path", "required": True, "type": "string",
            "format": "uuid"}
SPEC: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "notes", "version": "1"},
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "paths": {
        "/auth/register": {"post": _ok(parameters=[_body(
            "account", {"email": {"type": "string", "format": "email"},
                        "password": {"type": "string", "format": "password"}, "name": _STR},
            ["email", "password"])])},
        "/auth/session": {"post": _ok(parameters=[_body(
            "credentials", {"email": _STR, "password": {"type": "string", "format": "password"}},
            ["email", "password"])])},
        "/account": {
            "get": _ok(),
            "patch": _ok(parameters=[_body("changes", {"name": _STR}, [])]),
        },
        "/notes": {
            "get": _ok(),
            "post": _ok(parameters=[_body("note", {"text": _STR, "sku": _STR}, ["text"])]),
        },
        "/notes/{note_id}": {
            "parameters": [_NOTE_ID],
            "get": _ok(),
            "delete": {"responses": {"204": {"description": "deleted"}}},
        },
        "/notes/{note_id}/export": {"get": _ok(parameters=[
            _NOTE_ID,
            {"name": "X-Delegate-User", "in": "header", "type": "string", "required": False,
             "description": "Assistants export on behalf of the note's author"},
        ])},
        "/catalog": {"get": _ok()},
        "/catalog/{sku}": {"get": _ok(parameters=[
            {"name": "sku", "in": "path", "required": True, "type": "string"}])},
        "/manage/users": {"get": _ok()},
    },
}
ACCOUNT_FIELDS = ("uid", "email", "name", "plan", "credits", "is_staff")


class Recorder:
    """Every request: (method, path, the session's user id or None)."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str | None]] = []
        self.lock = threading.Lock()

    def add(self, method: str, path: str, user: str | None) -> None:
        with self.lock:
            self.entries.append((method, path, user))


def create_app(*, vulnerable: bool) -> tuple[Flask, Recorder]:
    app = Flask(f"notes_{'vulnerable' if vulnerable else 'fixed'}")
    app.secret_key = secrets.token_hex(16)
    recorder = Recorder()
    accounts: dict[str, dict[str, Any]] = {}
    for name in ("alice", "bob", "staff"):
        accounts[f"u-{name}"] = {
            "uid": f"u-{name}", "email": f"{name}@notes.test", "name": name.title(),
            "plan": "free", "credits": 10, "is_staff": name == "staff",
            "password_hash": generate_password_hash(f"{name}-pw"),
        }
    notes: dict[str, dict[str, Any]] = {}
    for author, text, sku in (("u-alice", "door code 4411", "sku-3"),
                              ("u-alice", "gift ideas", "sku-1"),
                              ("u-bob", "bank pin hint", "sku-1")):
        note_id = str(uuid.uuid4())
        notes[note_id] = {"note_id": note_id, "author": author, "text": text, "sku": sku}
    catalog = {s: {"sku": s, "title": t, "price": p}
               for s, t, p in (("sku-1", "pencil", 120), ("sku-2", "eraser", 80),
                               ("sku-3", "fountain pen", 4200))}
    app.config.update(SEEDED_NOTES=set(notes), ACCOUNTS=accounts)

    def me() -> dict[str, Any]:
        account = accounts.get(session.get("uid", ""))
        if account is None:
            abort(401)
        return account

    def public(account: dict[str, Any]) -> dict[str, Any]:
        return {k: account[k] for k in ACCOUNT_FIELDS}

    @app.before_request
    def record() -> None:
        recorder.add(request.method, request.path, session.get("uid"))

    @app.errorhandler(401)
    def unauthenticated(_: Exception) -> ResponseReturnValue:
        return jsonify(message="sign in first"), 401

    @app.get("/")
    def index() -> ResponseReturnValue:
        return jsonify(service="notes")

    @app.get("/swagger.json")
    def spec() -> ResponseReturnValue:
        return jsonify(SPEC)

    @app.post("/auth/register")
    def register() -> ResponseReturnValue:
        body = request.get_json(silent=True) or {}
        email, password = str(body.get("email", "")), str(body.get("password", ""))
        if "@" not in email or len(password) < 8:
            return jsonify(message="email and a password of 8+ characters"), 400
        if any(a["email"] == email for a in accounts.values()):
            return jsonify(message="taken"), 409
        uid = f"u-{uuid.uuid4().hex[:10]}"
        accounts[uid] = {"uid": uid, "email": email, "name": str(body.get("name", "")),
                         "plan": "free", "credits": 10, "is_staff": False,
                         "password_hash": generate_password_hash(password)}
        return jsonify(public(accounts[uid])), 201

    @app.post("/auth/session")
    def sign_in() -> ResponseReturnValue:
        body = request.get_json(silent=True) or {}
        account = next((a for a in accounts.values() if a["email"] == body.get("email")), None)
        if account is None or not check_password_hash(account["password_hash"],
                                                      str(body.get("password", ""))):
            return jsonify(message="wrong email or password"), 401
        session["uid"] = account["uid"]
        return jsonify(ok=True)

    @app.get("/account")
    def account() -> ResponseReturnValue:
        return jsonify(public(me()))

    @app.patch("/account")
    def update_account() -> ResponseReturnValue:
        account, body = me(), request.get_json(silent=True) or {}
        if vulnerable:
            account.update({k: v for k, v in body.items() if k in ACCOUNT_FIELDS and k != "uid"})
        elif "name" in body:
            account["name"] = str(body["name"])[:60]
        return jsonify(public(account))

    @app.get("/notes")
    def list_notes() -> ResponseReturnValue:
        uid = me()["uid"]
        return jsonify([n for n in notes.values() if n["author"] == uid])

    @app.post("/notes")
    def add_note() -> ResponseReturnValue:
        uid, body = me()["uid"], request.get_json(silent=True) or {}
        note_id = str(uuid.uuid4())
        notes[note_id] = {"note_id": note_id, "author": uid, "text": str(body.get("text", "")),
                          "sku": str(body.get("sku", ""))}
        return jsonify(notes[note_id]), 201

    def note_for(note_id: str, caller: str) -> dict[str, Any]:
        note = notes.get(note_id)
        if note is None or (note["author"] != caller and not vulnerable):
            abort(404)
        return note

    @app.get("/notes/<note_id>")
    def read_note(note_id: str) -> ResponseReturnValue:
        return jsonify(note_for(note_id, me()["uid"]))

    @app.delete("/notes/<note_id>")
    def delete_note(note_id: str) -> ResponseReturnValue:
        notes.pop(note_for(note_id, me()["uid"])["note_id"])
        return "", 204

    @app.get("/notes/<note_id>/export")
    def export_note(note_id: str) -> ResponseReturnValue:
        caller = me()["uid"]
        if vulnerable:
            caller = request.headers.get("X-Delegate-User", caller)
        note = notes.get(note_id)
        if note is None or note["author"] != caller:
            return jsonify(message="not yours"), 403
        return jsonify(note_id=note_id, author=note["author"], markdown=f"# Note\n\n{note['text']}")

    @app.get("/catalog")
    def list_catalog() -> ResponseReturnValue:
        me()
        return jsonify(list(catalog.values())[:2])  # the first page

    @app.get("/catalog/<sku>")
    def catalog_item(sku: str) -> ResponseReturnValue:
        me()
        return jsonify(catalog[sku]) if sku in catalog else (jsonify(message="no such item"), 404)

    @app.get("/manage/users")
    def manage_users() -> ResponseReturnValue:
        if not vulnerable and not me()["is_staff"]:
            return jsonify(message="staff only"), 403
        me()
        return jsonify([public(a) for a in accounts.values()])

    return app, recorder


def session_cookie(app: Flask, uid: str) -> str:
    """A `Cookie:` header value signing `uid` in, as the app's own sign-in would."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return f"session={serializer.dumps({'uid': uid})}"
