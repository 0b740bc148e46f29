"""abuse.oversized-input: page sizes honoured past their maximum, huge strings accepted."""

from __future__ import annotations

import json
from typing import Any

import httpx
from flask import Flask, request

from middlebrick.checks.abuse_input import BIG_STRING, HUGE_PAGE
from middlebrick.models import Severity

from .test_authn_support import document, operation, scan_check, wsgi

CHECK = "abuse.oversized-input"
A = {"Authorization": "Bearer tok-alice"}


def paged(items: int, *, maximum: int | None, mode: str):
    """GET /events?limit=N over `items` events: "honour", "clamp" (silently) or "refuse"."""
    limit: dict[str, Any] = {"type": "integer", "default": 20}
    if maximum is not None:
        limit["maximum"] = maximum
    doc = document({"/events": {"get": operation(params=[
        {"name": "limit", "in": "query", "schema": limit},
        {"name": "next", "in": "query", "schema": {"type": "string"}},
    ])}})  # fmt: skip

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path != "/events":
            return httpx.Response(404)
        wanted = int(req.url.params.get("limit", "20"))
        cap = maximum or 100
        if mode == "refuse" and wanted > cap:
            return httpx.Response(400, json={"error": f"limit must be at most {cap}"})
        if mode == "clamp":
            wanted = min(wanted, cap)
        events = [{"id": f"e{i}", "kind": "click"} for i in range(items)][:wanted]
        return httpx.Response(200, json={"events": events, "next": None})

    return handler, doc


def test_a_page_size_honoured_past_the_documented_maximum_is_found():
    handler, doc = paged(300, maximum=50, mode="honour")
    findings = scan_check(CHECK, handler, doc, headers_a=A)
    assert [(f.title, f.severity, f.cwe) for f in findings] == [
        ("Page size is not capped", Severity.MEDIUM, "CWE-770")
    ]
    assert f"limit={HUGE_PAGE}" in findings[0].endpoint.url
    assert "300 items" in (findings[0].evidence[0].note or "")


def test_clamping_refusing_or_too_few_items_to_tell_is_fine():
    for items, maximum, mode in [
        (300, 50, "clamp"),
        (300, 50, "refuse"),
        (30, 50, "honour"),  # honoured, maybe, but 30 items cannot show it
        (80, None, "honour"),
    ]:
        handler, doc = paged(items, maximum=maximum, mode=mode)
        assert scan_check(CHECK, handler, doc, headers_a=A) == [], (items, maximum, mode)


def test_without_a_documented_maximum_more_than_a_hundred_is_found():
    handler, doc = paged(150, maximum=None, mode="honour")
    findings = scan_check(CHECK, handler, doc, headers_a=A)
    assert ["sane cap of 100" in (f.evidence[0].note or "") for f in findings] == [True]


NOTE = {
    "type": "object",
    "required": ["title"],
    "properties": {
        "title": {"type": "string"},
        "body": {"type": "string", "maxLength": 2000},
        "due": {"type": "string", "format": "date"},
    },
}
NOTES_DOC = document({"/notes": {"post": operation(body=NOTE)}})


def notes_app(max_body: int | None, *, max_title: int | None = None) -> Flask:
    app = Flask("notes")
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.config["sizes"] = []

    @app.post("/notes")
    def create() -> Any:
        note = request.get_json()
        app.config["sizes"].append(len(json.dumps(note)))
        if max_title is not None and len(note["title"]) > max_title:
            return {"error": f"title: at most {max_title} characters"}, 422
        return {"id": "n1", "title": note["title"][:20]}, 201

    return app


def test_a_huge_string_accepted_is_found_in_the_field_without_max_length():
    app = notes_app(None)
    findings = scan_check(CHECK, wsgi(app), NOTES_DOC, headers_a=A)
    assert [(f.title, f.severity, f.endpoint.method) for f in findings] == [
        ("Oversized input accepted", Severity.LOW, "POST")
    ]
    assert "`title`" in (findings[0].evidence[0].note or "")
    assert max(app.config["sizes"]) > BIG_STRING
    assert len(findings[0].evidence[0].request["body"]) <= 2048  # evidence stays small


def test_max_content_length_or_read_only_are_fine():
    app = notes_app(64 * 1024)
    assert scan_check(CHECK, wsgi(app), NOTES_DOC, headers_a=A) == []  # 413 before parsing
    app = notes_app(None)
    assert scan_check(CHECK, wsgi(app), NOTES_DOC, headers_a=A, read_only=True) == []
    assert app.config["sizes"] == []


def test_a_documented_max_length_is_held_to_account():
    bounded = json.loads(json.dumps(NOTES_DOC))
    schema = bounded["paths"]["/notes"]["post"]["requestBody"]["content"]["application/json"]
    schema["schema"]["properties"]["title"]["maxLength"] = 200
    enforced = notes_app(None, max_title=200)
    assert scan_check(CHECK, wsgi(enforced), bounded, headers_a=A) == []
    assert max(enforced.config["sizes"]) > BIG_STRING  # asked, and refused with 422
    findings = scan_check(CHECK, wsgi(notes_app(None)), bounded, headers_a=A)
    assert ["documented maxLength 200, not enforced" in (f.evidence[0].note or "")
            for f in findings] == [True]  # fmt: skip
