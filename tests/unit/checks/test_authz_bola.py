"""authz.bola: B reading and changing A's objects; public-by-design objects never reported."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from middlebrick.models import Confidence

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
)

A = {"Authorization": "Bearer tok-a"}
B = {"Authorization": "Bearer tok-b"}
NOTE = {"title": {"type": "string"}, "text": {"type": "string"}}
NOTES_SPEC = openapi(
    {
        "/api/me": {"get": {"responses": ok()}},
        "/api/notes": {
            "get": {"responses": ok()},
            "post": {"requestBody": json_body(NOTE, ["title"]), "responses": ok(status="201")},
        },
        "/api/notes/{noteId}": {
            "parameters": [path_id("noteId", "integer")],
            "get": {"responses": ok()},
            "patch": {"requestBody": json_body(NOTE), "responses": ok()},
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
    components={"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    security=[{"bearer": []}],
)
SEEDED = {1, 2, 3}


def notes_api(*, fixed: bool, a_owns: int = 2) -> Router:
    """Integer ids, camelCase, a `data` wrapper on lists; `fixed` checks the owner. A owns the
    first `a_owns` notes, B the next one."""
    api = Router(users={"tok-a": "1", "tok-b": "2"})
    texts = [("groceries", "milk"), ("diary", "secret plans"), ("recipes", "flour"),
             ("trips", "rome")][: a_owns] + [("bob's pin", "1234")]  # fmt: skip
    notes: dict[int, dict[str, Any]] = {
        i: {"id": i, "ownerId": 1 if i <= a_owns else 2, "title": title, "text": text}
        for i, (title, text) in enumerate(texts, start=1)
    }
    ids = itertools.count(100)

    def mine(user: str | None, note_id: str) -> dict[str, Any] | None:
        note = notes.get(int(note_id))
        if note is None or (fixed and str(note["ownerId"]) != user):
            return None
        return note

    @api.route("GET", "/openapi.json")
    def spec(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, NOTES_SPEC)

    @api.route("GET", "/")
    def index(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {"service": "notes"})

    @api.route("GET", "/api/me")
    def me(request: httpx.Request, user: str | None) -> httpx.Response:
        if user is None:
            return reply(401, {"message": "login"})
        return reply(200, {"user": {"id": int(user), "login": {"1": "alice", "2": "bob"}[user]}})

    @api.route("GET", "/api/notes")
    def listing(request: httpx.Request, user: str | None) -> httpx.Response:
        if user is None:
            return reply(401, {"message": "login"})
        own = [n for n in notes.values() if str(n["ownerId"]) == user]
        return reply(200, {"data": own, "total": len(own)})

    @api.route("POST", "/api/notes")
    def create(request: httpx.Request, user: str | None) -> httpx.Response:
        if user is None:
            return reply(401, {"message": "login"})
        body = body_of(request) or {}
        note = {"id": next(ids), "ownerId": int(user), "title": str(body.get("title", "")),
                "text": str(body.get("text", ""))}
        notes[note["id"]] = note
        return reply(201, note)

    @api.route("GET", r"/api/notes/(\d+)")
    def read(request: httpx.Request, user: str | None, note_id: str) -> httpx.Response:
        note = mine(user, note_id) if user else None
        return reply(200, note) if note else reply(404, {"message": "no such note"})

    @api.route("PATCH", r"/api/notes/(\d+)")
    def update(request: httpx.Request, user: str | None, note_id: str) -> httpx.Response:
        note = mine(user, note_id) if user else None
        if note is None:
            return reply(404, {"message": "no such note"})
        body = body_of(request) or {}
        note.update({k: str(v) for k, v in body.items() if k in ("title", "text")})
        return reply(200, note)

    @api.route("DELETE", r"/api/notes/(\d+)")
    def delete(request: httpx.Request, user: str | None, note_id: str) -> httpx.Response:
        if (user and mine(user, note_id)) is None:
            return reply(404, {"message": "no such note"})
        del notes[int(note_id)]
        return reply(204)

    return api


def writes_to_seeded(api: Router) -> list[tuple[str, str, str | None]]:
    return [
        (m, p, u) for m, p, u in api.log
        if m in {"PUT", "PATCH", "DELETE", "POST"} and p.rsplit("/", 1)[-1].isdigit()
        and int(p.rsplit("/", 1)[-1]) in SEEDED
    ]  # fmt: skip


def test_b_reads_changes_and_deletes_a_notes():
    api = notes_api(fixed=False)
    findings = found(scan_mock(api, checks="authz.bola", a=A, b=B), "authz.bola")
    assert where(findings) == {
        ("GET", "/api/notes/{noteId}"),
        ("PATCH", "/api/notes/{noteId}"),
        ("DELETE", "/api/notes/{noteId}"),
    }
    read = next(f for f in findings if f.endpoint and f.endpoint.method == "GET")
    assert read.confidence is Confidence.CERTAIN and "ownerId" in read.description
    assert read.evidence[0].request["headers"]["authorization"].startswith("Bearer ")
    assert "tok-b" not in str(read.evidence[0].request)  # credentials are masked
    # Safe mode: B's writes only reached notes the scanner created, never the seeded ones.
    assert writes_to_seeded(api) == []


def test_owner_checks_pass():
    api = notes_api(fixed=True)
    assert found(scan_mock(api, checks="authz.bola", a=A, b=B), "authz.bola") == []
    assert writes_to_seeded(api) == []


def test_read_only_sends_no_writes_but_still_finds_reads():
    api = notes_api(fixed=False)
    findings = found(scan_mock(api, checks="authz.bola", a=A, b=B, read_only=True), "authz.bola")
    assert where(findings) == {("GET", "/api/notes/{noteId}")}
    assert not [m for m, _, _ in api.log if m not in {"GET", "HEAD", "OPTIONS"}]


def test_one_identity_walks_to_a_neighbours_note():
    findings = found(scan_mock(notes_api(fixed=False), checks="authz.bola", a=A), "authz.bola")
    assert where(findings) == {("GET", "/api/notes/{noteId}")}
    assert "not A's" in findings[0].description
    assert found(scan_mock(notes_api(fixed=True), checks="authz.bola", a=A), "authz.bola") == []


def test_one_identity_walks_three_ids_away():
    # A owns notes 1-3: the nearest other user's note is 4, three ids from A's first.
    api = notes_api(fixed=False, a_owns=3)
    findings = found(scan_mock(api, checks="authz.bola", a=A), "authz.bola")
    assert where(findings) == {("GET", "/api/notes/{noteId}")}
    reads = [p for m, p, u in api.log if m == "GET" and p.startswith("/api/notes/") and u == "1"]
    assert len(reads) <= 12  # a few guesses, not a walk through every id


def test_nothing_without_credentials():
    api = notes_api(fixed=False)
    assert found(scan_mock(api, checks="authz.bola"), "authz.bola") == []
