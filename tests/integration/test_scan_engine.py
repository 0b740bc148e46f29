"""The scan engine end to end against a real Flask app on loopback, through the real CLI."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, jsonify, request

from support.cli import invoke
from support.schema import validate_report
from support.serving import serve_wsgi
from targets.inventory import SPEC, create_app


@pytest.fixture
def inventory() -> Iterator[tuple[Flask, str]]:
    app = create_app()
    with serve_wsgi(app) as url:
        yield app, url


def _log(app: Flask) -> list[tuple[str, str]]:
    return list(app.config["LOG"])


def test_ids_learned_from_list_fill_path_parameters(inventory, capsys, tmp_path):
    app, url = inventory
    report = tmp_path / "r.json"
    result = invoke(capsys, "scan", url, "--format", "json", "--output", str(report), "-q")
    assert result.code == 0, result.err
    paths = {p for _, p in _log(app)}
    assert "/openapi.json" in paths  # discovered, not given
    assert "/items/it-1" in paths or "/items/it-2" in paths
    data = json.loads(report.read_text())
    validate_report(data)
    assert data["spec"]["source"].endswith("/openapi.json")
    covered = {(c["method"], c["path"]): c for c in data["coverage"]}
    assert covered[("GET", "/items/{item_id}")]["statuses"].get("200", 0) >= 1


def test_max_requests_is_exact(inventory, capsys):
    app, url = inventory
    result = invoke(capsys, "scan", url, "--max-requests", "7", "-q", "--format", "json")
    assert result.code == 0, result.err
    assert len(_log(app)) == 7
    report = json.loads(result.out)
    validate_report(report)
    assert report["stats"]["requests"] == 7
    assert any("budget" in note for note in report["notes"])


def test_safe_mode_never_changes_pre_existing_objects(inventory, capsys):
    app, url = inventory
    result = invoke(capsys, "scan", url, "-q", "--format", "json")
    assert result.code == 0, result.err
    unsafe = [(m, p) for m, p in _log(app) if m in {"PUT", "PATCH", "DELETE"}]
    assert unsafe, "the scanner should still exercise writes on objects it created"
    assert all(p not in {"/items/it-1", "/items/it-2"} for _, p in unsafe), unsafe
    assert app.config["ITEMS"]["it-1"] == {"id": "it-1", "name": "hammer", "qty": 3}


def test_read_only_sends_only_safe_methods(inventory, capsys):
    app, url = inventory
    result = invoke(capsys, "scan", url, "-q", "--read-only", "--format", "json")
    assert result.code == 0, result.err
    assert {m for m, _ in _log(app)} <= {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("destructive", [False, True])
def test_allow_destructive_lifts_the_gate(inventory, capsys, tmp_path, destructive):
    # Without a create operation the scanner has no objects of its own to change, so any
    # write must aim at a pre-existing object: only --allow-destructive may send it.
    app, url = inventory
    spec = json.loads(json.dumps(SPEC))
    del spec["paths"]["/items"]["post"]
    doc = tmp_path / "no-create.json"
    doc.write_text(json.dumps(spec))
    flags = ["--allow-destructive"] if destructive else []
    result = invoke(capsys, "scan", url, "-q", "--openapi", str(doc), "--format", "json", *flags)
    assert result.code == 0, result.err
    writes = [(m, p) for m, p in _log(app) if m in {"PUT", "PATCH", "DELETE"}]
    assert bool(writes) is destructive, writes


def test_exit_code_1_below_fail_under(inventory, capsys):
    _, url = inventory
    result = invoke(capsys, "scan", url, "-q", "--fail-under", "100", "--format", "json")
    report = json.loads(result.out)
    assert report["score"]["value"] < 100
    assert result.code == 1


def test_exit_code_2_for_a_broken_spec(inventory, capsys, tmp_path):
    _, url = inventory
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get: 7\n")
    result = invoke(capsys, "scan", url, "--openapi", str(bad))
    assert result.code == 2
    assert "/paths/~1a" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    "args",
    [
        ("-H", "no colon here"),
        ("--checks", "no-such-check"),
        ("--read-only", "--allow-destructive"),
        ("--format", "json", "--format", "text"),
    ],
)
def test_exit_code_2_for_usage_errors(inventory, capsys, args):
    _, url = inventory
    result = invoke(capsys, "scan", url, *args)
    assert result.code == 2, result
    assert "Traceback" not in result.err


def test_exit_code_3_when_unreachable(capsys):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = invoke(capsys, "scan", f"http://127.0.0.1:{port}")
    assert result.code == 3
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach" in lines[0]


def test_no_spec_still_scans_the_base_url(capsys, tmp_path):
    app = create_app(expose_spec=False)
    with serve_wsgi(app) as url:
        result = invoke(capsys, "scan", url, "-q", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    validate_report(report)
    assert report["spec"] is None
    assert any("no OpenAPI document" in n for n in report["notes"])


def test_output_dir_writes_every_format(inventory, capsys, tmp_path: Path):
    _, url = inventory
    result = invoke(
        capsys, "scan", url, "-q", "--format", "json", "--format", "text",
        "--output-dir", str(tmp_path),
    )
    assert result.code == 0, result.err
    validate_report(json.loads((tmp_path / "middlebrick-report.json").read_text()))
    assert "Grade" in (tmp_path / "middlebrick-report.txt").read_text()


def test_scans_are_recorded_in_the_history_unless_told_not_to(inventory, capsys, tmp_path):
    _, url = inventory
    db = str(tmp_path / "h.sqlite3")
    args = ("scan", url, "-q", "--format", "json", "--db", db)
    assert invoke(capsys, *args).code == 0
    assert invoke(capsys, *args, "--no-history").code == 0
    listed = invoke(capsys, "history", url, "--db", db, "--format", "json")
    assert listed.code == 0, listed.err
    assert len(json.loads(listed.out)["scans"]) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("-H", "X-Token: caf\u00e9"),  # httpx can only send ASCII
        ("-H", "X-Token: a\nInjected: 1"),
        ("--user-b-header", "X(: b"),
        ("--openapi", "http://[oops/openapi.json"),
    ],
)
def test_exit_code_2_for_inputs_that_cannot_be_sent(inventory, capsys, args):
    app, url = inventory
    result = invoke(capsys, "scan", url, "-q", *args)
    assert result.code == 2, result
    assert "Traceback" not in result.err and "internal error" not in result.err
    if args[0] != "--openapi":
        assert _log(app) == []  # found before a single request


def test_exit_code_2_before_scanning_when_a_report_cannot_be_written(inventory, capsys,
                                                                      tmp_path):
    app, url = inventory
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for output in (str(tmp_path), str(blocker / "sub" / "r.json")):
        result = invoke(capsys, "scan", url, "-q", "--format", "json", "--output", output)
        assert result.code == 2, result
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.err
    result = invoke(capsys, "scan", url, "-q", "--format", "json", "--output-dir", str(blocker))
    assert result.code == 2, result
    assert _log(app) == []


def test_output_dash_is_standard_output(inventory, capsys, tmp_path, monkeypatch):
    _, url = inventory
    monkeypatch.chdir(tmp_path)
    result = invoke(capsys, "scan", url, "--format", "json", "--output", "-", "--no-history")
    assert result.code == 0, result.err
    validate_report(json.loads(result.out))  # the summary went to stderr, not into the JSON
    assert not (tmp_path / "-").exists()


def test_exit_code_3_when_the_target_does_not_speak_http(capsys):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def garbage() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(4096)
                    conn.sendall(b"\x1b[2J\x1b[31mSSH-2.0-not-http\r\n\r\n")

        threading.Thread(target=garbage, daemon=True).start()
        result = invoke(capsys, "scan", f"http://127.0.0.1:{server.getsockname()[1]}")
    assert result.code == 3, result
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach" in lines[0]
    assert "\x1b" not in result.err


def test_exit_code_3_on_a_tls_failure(inventory, capsys):
    _, url = inventory  # plain HTTP: the TLS handshake fails
    result = invoke(capsys, "scan", url.replace("http://", "https://"))
    assert result.code == 3, result
    assert "cannot reach" in result.err and "Traceback" not in result.err


def test_target_text_in_an_error_cannot_drive_the_terminal(inventory, capsys, tmp_path):
    _, url = inventory
    doc = json.loads(json.dumps(SPEC))
    doc["components"] = {"schemas": {"Item": {"$ref": "#/components/schemas/\x1b]0;pwned\x07"}}}
    spec = tmp_path / "hostile.json"
    spec.write_text(json.dumps(doc))
    result = invoke(capsys, "scan", url, "-q", "--openapi", str(spec))
    assert result.code == 2, result
    assert "unresolvable reference" in result.err
    assert "\x1b" not in result.err and "\x07" not in result.err


def test_a_creation_answering_with_the_whole_collection_claims_no_object(capsys):
    # A different style of API: Swagger 2.0, camelCase ids, POST answers with every note.
    notes = {"n-1": "keep me", "n-2": "me too"}
    log: list[tuple[str, str]] = []
    app = Flask("notes")
    spec = {
        "swagger": "2.0", "info": {"title": "notes", "version": "1"},
        "consumes": ["application/json"], "produces": ["application/json"],
        "paths": {
            "/notes": {
                "get": {"responses": {"200": {"description": "all"}}},
                "post": {"parameters": [{"name": "body", "in": "body", "required": True,
                                         "schema": {"type": "object", "properties": {
                                             "text": {"type": "string"}}}}],
                         "responses": {"200": {"description": "all notes"}}},
            },
            "/notes/{noteId}": {
                "parameters": [{"name": "noteId", "in": "path", "required": True,
                                "type": "string"}],
                "patch": {"responses": {"200": {"description": "changed"}}},
                "delete": {"responses": {"204": {"description": "gone"}}},
            },
        },
    }

    @app.before_request
    def record() -> None:
        log.append((request.method, request.path))

    @app.get("/swagger.json")
    def document() -> object:
        return jsonify(spec)

    @app.route("/notes", methods=["GET", "POST"])
    def all_notes() -> object:
        if request.method == "POST":
            notes[f"n-{len(notes) + 1}"] = str((request.get_json(silent=True) or {}).get("text"))
        return jsonify({"notes": [{"noteId": k, "text": v} for k, v in notes.items()]})

    @app.route("/notes/<note_id>", methods=["PATCH", "DELETE"])
    def one_note(note_id: str) -> object:
        if note_id not in notes:
            return jsonify(error="no such note"), 404
        if request.method == "DELETE":
            del notes[note_id]
            return "", 204
        notes[note_id] = "changed"
        return jsonify(noteId=note_id)

    with serve_wsgi(app) as url:
        result = invoke(capsys, "scan", url, "-q", "--format", "json", "--no-history")
    assert result.code == 0, result.err
    assert ("POST", "/notes") in log
    assert notes["n-1"] == "keep me" and notes["n-2"] == "me too"
    assert not [(m, p) for m, p in log if m in {"PATCH", "DELETE"}
                and p in {"/notes/n-1", "/notes/n-2"}]


def test_an_id_the_scanner_created_unlocks_only_its_own_collection(capsys):
    # Integer ids repeat across collections: the scanner's order 1 is not customer 1.
    customers = {1: {"name": "ann"}, 2: {"name": "bo"}}
    orders: dict[int, dict[str, int]] = {}
    log: list[tuple[str, str]] = []
    integer_id = {"required": True, "in": "path", "schema": {"type": "integer"}}
    body = {"content": {"application/json": {"schema": {"type": "object"}}}}
    spec = {"openapi": "3.0.3", "info": {"title": "shop", "version": "1"}, "paths": {
        "/orders": {"get": {"responses": {"200": {"description": "all"}}},
                    "post": {"requestBody": body, "responses": {"201": {"description": "made"}}}},
        "/orders/{orderId}": {"parameters": [{"name": "orderId", **integer_id}],
                              "delete": {"responses": {"204": {"description": "gone"}}}},
        "/customers/{customerId}": {"parameters": [{"name": "customerId", **integer_id}],
                                    "put": {"requestBody": body,
                                            "responses": {"200": {"description": "done"}}}},
    }}
    app = Flask("shop")

    @app.before_request
    def record() -> None:
        log.append((request.method, request.path))

    @app.get("/openapi.json")
    def document() -> object:
        return jsonify(spec)

    @app.route("/orders", methods=["GET", "POST"])
    def all_orders() -> object:
        if request.method == "POST":
            made = {"id": len(orders) + 1}
            orders[made["id"]] = made
            return jsonify(made), 201
        return jsonify(list(orders.values()))

    @app.delete("/orders/<int:order_id>")
    def delete_order(order_id: int) -> object:
        orders.pop(order_id, None)
        return "", 204

    @app.put("/customers/<int:customer_id>")
    def replace_customer(customer_id: int) -> object:
        if customer_id not in customers:
            return jsonify(error="no such customer"), 404
        customers[customer_id] = request.get_json(silent=True) or {}
        return jsonify(customers[customer_id])

    with serve_wsgi(app) as url:
        result = invoke(capsys, "scan", url, "-q", "--format", "json", "--no-history")
    assert result.code == 0, result.err
    assert ("DELETE", "/orders/1") in log  # its own order: still exercised
    assert customers == {1: {"name": "ann"}, 2: {"name": "bo"}}
    assert not [p for m, p in log if m == "PUT"]


def test_a_history_that_cannot_be_written_warns_but_the_scan_succeeds(inventory, capsys, tmp_path):
    _, url = inventory
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = invoke(capsys, "scan", url, "-q", "--format", "json", "--db", str(blocker / "h.db"))
    assert result.code == 0
    assert "not recorded in history" in result.err and "Traceback" not in result.err
    validate_report(json.loads(result.out))
