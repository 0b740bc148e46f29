"""The GitHub Action: its script run locally, GitHub's files pointed at temporary ones, against
a real loopback Flask app; and action.yml's shape (composite, injection-safe, SARIF upload)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask, abort, jsonify, request

from support.sarif import validate_sarif
from support.schema import validate_report
from support.serving import serve_wsgi

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "github_action.py"
ACTION = ROOT / "action.yml"
KEYS = {"k-alice": "alice", "k-bob": "bob"}
SPEC = {
    "swagger": "2.0",
    "info": {"title": "bookings", "version": "1"},
    "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
    "security": [{"key": []}],
    "paths": {"/bookings": {"get": {"responses": {"200": {"description": "my bookings"}}}}},
}


def bookings_app() -> Flask:
    """Bookings behind an API key; no security headers, and Werkzeug names itself."""
    app = Flask("bookings")
    app.config["SEEN_KEYS"] = set()
    bookings = {"b1": {"id": "b1", "owner": "alice"}, "b2": {"id": "b2", "owner": "bob"}}

    def caller() -> str:
        key = request.headers.get("X-Api-Key", "")
        app.config["SEEN_KEYS"].add(key)
        if key not in KEYS:
            abort(401)
        return KEYS[key]

    @app.get("/")
    def index() -> Any:
        return jsonify(service="bookings")

    @app.get("/swagger.json")
    def spec() -> Any:
        return jsonify(SPEC)

    @app.get("/bookings")
    def mine() -> Any:
        who = caller()
        return jsonify([b for b in bookings.values() if b["owner"] == who])

    return app


@pytest.fixture
def bookings() -> Iterator[tuple[Flask, str]]:
    app = bookings_app()
    with serve_wsgi(app) as url:
        yield app, url


def run_action(folder: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str],
                                                     dict[str, str], str]:
    outputs, summary = folder / "github_output", folder / "step_summary"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    environment.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    environment.update({"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
                        "GITHUB_ACTIONS": "true"})
    done = subprocess.run([sys.executable, str(SCRIPT)], cwd=folder, env=environment,
                          capture_output=True, text=True, timeout=120)
    return done, parse_outputs(outputs), summary.read_text() if summary.exists() else ""


def parse_outputs(path: Path) -> dict[str, str]:
    """Read GITHUB_OUTPUT the way the runner does (name=value and name<<DELIMITER forms)."""
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line:
            name, marker = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == marker:
                    break
                body.append(inner)
            values[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_a_failing_gate_exits_non_zero_with_summary_and_outputs(bookings, tmp_path):
    app, url = bookings
    done, outputs, summary = run_action(
        tmp_path, url=url, headers="X-Api-Key: k-alice\n\n", user_b_headers="X-Api-Key: k-bob",
        fail_severity="low",
    )
    assert done.returncode == 1, done.stderr
    assert {"k-alice", "k-bob"} <= app.config["SEEN_KEYS"]
    assert "::add-mask::k-alice" in done.stdout and "::add-mask::k-bob" in done.stdout
    assert "::error title=middlebrick::the security gate failed" in done.stdout
    assert outputs["gate"] == "failed"
    report = json.loads((tmp_path / outputs["report"]).read_text())
    validate_report(report)
    assert outputs["score"] == str(report["score"]["value"])
    assert outputs["grade"] == report["score"]["grade"]
    assert outputs["findings"] == str(len(report["findings"])) and report["findings"]
    validate_sarif(json.loads((tmp_path / outputs["sarif"]).read_text()))
    assert re.search(r"middlebrick: grade [A-F] \(\d+/100\)", summary)
    assert summary == (tmp_path / outputs["markdown"]).read_text()


def test_a_passing_gate_exits_zero(bookings, tmp_path):
    _, url = bookings
    done, outputs, summary = run_action(tmp_path, url=url, headers="X-Api-Key: k-alice",
                                        fail_under="0", fail_severity="critical",
                                        output_dir="reports")
    assert done.returncode == 0, done.stderr
    assert outputs["gate"] == "passed" and outputs["report"] == "reports/middlebrick.json"
    assert "::error" not in done.stdout
    assert "middlebrick: grade" in summary


def test_with_its_own_report_as_baseline_nothing_is_new(bookings, tmp_path):
    _, url = bookings
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first, outputs, _ = run_action(tmp_path / "one", url=url, fail_severity="low")
    assert first.returncode == 1
    baseline = str(tmp_path / "one" / outputs["report"])
    again, outputs, summary = run_action(tmp_path / "two", url=url, fail_severity="low",
                                         baseline=baseline)
    assert again.returncode == 0, again.stderr
    assert outputs["new-findings"] == "0"
    assert "**0 new**" in summary


def test_an_unreachable_target_fails_with_the_scan_exit_code(tmp_path):
    done, outputs, summary = run_action(tmp_path, url="http://127.0.0.1:9", fail_under="0")
    assert done.returncode == 3
    assert outputs == {"gate": "error"} and "could not scan" in summary


def test_bad_inputs_are_usage_errors(tmp_path):
    done, _, _ = run_action(tmp_path, url="http://127.0.0.1:9", fail_severity="severe")
    assert done.returncode == 2 and "fail-severity" in done.stderr
    done, _, _ = run_action(tmp_path, url="")
    assert done.returncode == 2 and "url" in done.stderr
    # exit 1 would read as "the gate failed"; unbalanced quotes are bad input
    done, outputs, _ = run_action(tmp_path, url="http://127.0.0.1:9", args='--read-only "open')
    assert done.returncode == 2 and "`args`" in done.stderr and "Traceback" not in done.stderr


def test_action_yml_is_a_safe_composite_action():
    action = yaml.safe_load(ACTION.read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"url", "openapi", "headers", "user-b-headers", "fail-under",
                                     "fail-severity", "baseline", "upload-sarif"}
    assert action["inputs"]["url"]["required"] is True
    assert set(action["outputs"]) >= {"score", "grade", "findings", "report"}
    steps = action["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            # inputs go through env, never into the shell text (script injection)
            assert "${{" not in step["run"], step["run"]
    scan = next(s for s in steps if s.get("id") == "scan")
    assert "scripts/github_action.py" in scan["run"]
    script_inputs = set(action["inputs"]) - {"upload-sarif"}  # that one is the action's own
    assert set(scan["env"]) == {f"INPUT_{n.upper().replace('-', '_')}" for n in script_inputs}
    for output in action["outputs"].values():
        assert output["value"].startswith("${{ steps.scan.outputs.")
    install = steps[0]["run"]
    assert "pip install" in install and "$GITHUB_ACTION_PATH" in install
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert "inputs.upload-sarif == 'true'" in upload["if"] and "!cancelled()" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif }}"


def test_header_secrets_are_masked_exactly_as_the_runner_reads_them(tmp_path):
    # The runner un-escapes a command's data (%25 -> %), so `%` must go out as `%25`, or the
    # mask would be a different string than the secret and the secret would print in clear.
    done, _, _ = run_action(tmp_path, url="http://127.0.0.1:9",
                            headers="Authorization: Bearer tok%25en%0Ax\nX-Api-Key: plain")
    masks = [line.removeprefix("::add-mask::") for line in done.stdout.splitlines()
             if line.startswith("::add-mask::")]
    unescaped = [m.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%") for m in masks]
    assert "Bearer tok%25en%0Ax" in unescaped and "plain" in unescaped
    # the credential alone too: a tool that logs just the token must not reveal it either
    assert "tok%25en%0Ax" in unescaped
