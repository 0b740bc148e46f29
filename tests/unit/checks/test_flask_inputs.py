"""flask.werkzeug-debugger when the debugger only shows on an error that malformed input causes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from flask import Flask, abort, request
from werkzeug.debug import DebuggedApplication

from middlebrick.checks import CHECKS, CheckContext
from middlebrick.checks.flask_inputs import PER_OPERATION, PROBE_LIMIT, spec_probes
from middlebrick.config import ScanConfig
from middlebrick.http.client import ScanClient
from middlebrick.models import Confidence, Severity
from middlebrick.spec.ids import IdStore
from middlebrick.spec.load import parse_spec

from .explored import run_explored, wsgi

DEBUGGER = "flask.werkzeug-debugger"
TRACEBACK = "flask.traceback-disclosure"
PAGE = "Werkzeug debugger traceback page exposed"


def body_op(properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "required": list(properties), "properties": properties}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {"201": {"description": "created"}},
    }


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "parcels", "version": "1"},
    "paths": {
        "/parcels": {
            "post": body_op({"label": {"type": "string"}, "grams": {"type": "integer"}}),
            "get": {
                "parameters": [
                    {"name": "state", "in": "query",
                     "schema": {"type": "string", "enum": ["open", "done"]}},
                    {"name": "max", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": {"description": "parcels"}},
            },
        },
        "/parcels/{label}": {
            "get": {
                "parameters": [{"name": "label", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "a parcel"}},
            }
        },
    },
}  # fmt: skip


def parcels(crash_on: str) -> Flask:
    """Validates the obvious; raises (as boto3 or DynamoDB would) on one subtle input only."""
    app = Flask("parcels")
    app.debug = True

    @app.post("/parcels")
    def create() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("label"), str):
            abort(400)
        if crash_on == "float" and isinstance(body.get("grams"), float):
            raise TypeError("Float types are not supported. Use Decimal types instead.")
        return {"label": body["label"]}, 201

    @app.get("/parcels")
    def listing() -> Any:
        if request.args.get("state", "open") not in {"open", "done"}:
            abort(400)
        limit = request.args.get("max", default=10, type=int)
        if crash_on == "negative" and limit < 1:
            raise ValueError("Invalid value for parameter Limit, value: -1, valid min value: 1")
        return {"parcels": [{"label": "p1"}]}

    @app.get("/parcels/<label>")
    def one(label: str) -> Any:
        if crash_on == "long-key" and len(label.encode()) > 2048:
            raise RuntimeError("ValidationException: Size of hashkey has exceeded 2048 bytes")
        return {"label": label}

    return app


@pytest.mark.parametrize(
    ("crash_on", "why"),
    [
        ("float", "floats and empty strings"),
        ("negative", "max=-1"),
        ("long-key", "a key over 2048 bytes"),
    ],
)
def test_debugger_found_only_through_the_input_that_breaks(crash_on, why):
    app = DebuggedApplication(parcels(crash_on), evalex=False)
    findings = run_explored(DEBUGGER, wsgi(app), SPEC, base_url="http://localhost")
    assert [(f.title, f.severity, f.confidence) for f in findings] == [
        (PAGE, Severity.CRITICAL, Confidence.CERTAIN)
    ]
    assert why in (findings[0].evidence[0].note or "")


def test_same_service_without_debug_mode_is_clean():
    app = parcels("float")
    app.debug = False
    assert run_explored(DEBUGGER, wsgi(app), SPEC) == []
    assert run_explored(TRACEBACK, wsgi(app), SPEC) == []


def test_probes_are_bounded_per_operation_and_shared_between_checks():
    many = {f"/r{n}": {"get": SPEC["paths"]["/parcels"]["get"],
                       "post": SPEC["paths"]["/parcels"]["post"]} for n in range(20)}  # fmt: skip
    spec = parse_spec(json.dumps({**SPEC, "paths": many}), source="many.json")
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        return httpx.Response(400, json={"error": "bad input"})

    async def go() -> None:
        config = ScanConfig(target="http://api.test")
        transport = httpx.MockTransport(handler)
        async with ScanClient(config.target, config.client, transport=transport) as client:

            def context(check_id: str) -> CheckContext:
                check = CHECKS.get(check_id)
                return CheckContext(
                    check=check, config=config, client=client, spec=spec, ids=IdStore(),
                    exchanges=[],
                )  # fmt: skip

            ctx = context(TRACEBACK)
            assert all(len(group) <= PER_OPERATION for group in spec_probes(ctx))
            results = await asyncio.gather(
                CHECKS.get(TRACEBACK).function(ctx),
                CHECKS.get(DEBUGGER).function(context(DEBUGGER)),
            )
            assert results == [[], []]

    asyncio.run(go())
    # The malformed batch once for both checks, plus the debugger check's 3 own requests.
    assert len(sent) == PROBE_LIMIT + 3
    assert sent.count("POST") >= 10 and sent.count("GET") >= 10  # spread over the operations


def test_safe_mode_never_sends_malformed_writes_to_existing_objects():
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {"get": {"responses": {"200": {"description": "list"}}}},
            "/things/{thing_id}": {
                "parameters": [
                    {
                        "name": "thing_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "patch": body_op({"name": {"type": "string"}}),
            },
        },
    }
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return httpx.Response(200, json={"things": [{"thing_id": "t-1"}]})

    assert run_explored(TRACEBACK, handler, spec) == []
    assert "PATCH" not in methods


def test_read_only_mode_sends_only_gets():
    methods: list[str] = []
    inner = wsgi(DebuggedApplication(parcels("negative"), evalex=False))

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return inner(request)

    findings = run_explored(DEBUGGER, handler, SPEC, read_only=True, base_url="http://localhost")
    assert [f.title for f in findings] == [PAGE]
    assert set(methods) == {"GET"}
