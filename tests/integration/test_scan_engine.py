"""The scan engine end to end against a real Flask app on loopback, through the real CLI."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

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
