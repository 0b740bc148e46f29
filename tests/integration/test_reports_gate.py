"""Every report format from one real scan, baselines across two scans, and the CI gates.

The formats are checked on a small loopback Flask API (a YAML spec file on disk, an HTML home
page with a script in it); baselines and gates on the lab's vulnerable and hardened twins.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify, request

from middlebrick.lab import Lab, Twin

from support.cli import invoke
from support.sarif import validate_sarif
from support.schema import validate_report
from support.serving import serve_wsgi

pytestmark = pytest.mark.integration

FORMATS = ("text", "json", "sarif", "html", "markdown", "junit")
SPEC_YAML = """\
openapi: 3.0.3
info: {title: ledger, version: "2"}
paths:
  /entries:
    get:
      operationId: listEntries
      responses:
        "200": {description: entries}
  /entries/{entry_id}:
    parameters:
      - {name: entry_id, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getEntry
      responses:
        "200": {description: one entry}
"""


def ledger_app() -> Flask:
    """A ledger API that leaks its stack version and serves a page with a script on `/`."""
    app = Flask("ledger")
    app.config["LOG"] = []
    entries = {1: {"entry_id": 1, "amount": 12}, 2: {"entry_id": 2, "amount": -3}}

    @app.before_request
    def log() -> None:
        app.config["LOG"].append((request.method, request.path))

    @app.get("/")
    def home() -> tuple[str, int, dict[str, str]]:
        page = "<html><script>window.__pwned = 1</script><b>ledger</b></html>"
        return page, 200, {"Content-Type": "text/html", "X-Powered-By": "Flask/3 | `pipe`"}

    @app.get("/entries")
    def list_entries() -> Any:
        return jsonify(list(entries.values()))

    @app.get("/entries/<int:entry_id>")
    def get_entry(entry_id: int) -> Any:
        return jsonify(entries.get(entry_id, {})), 200 if entry_id in entries else 404

    return app


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Flask, str, str]]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "ledger.yaml").write_text(SPEC_YAML)
    app = ledger_app()
    with serve_wsgi(app) as url:
        yield app, url, "api/ledger.yaml"


def _spec_line(text: str, path: str, method: str) -> int:
    lines = text.splitlines()
    start = lines.index(f"  {path}:")
    return next(n for n, line in enumerate(lines[start:], start + 1)
                if line.strip() == f"{method}:")


def test_all_six_formats_from_one_scan(ledger, capsys, tmp_path):
    _, url, spec = ledger
    args = [a for f in FORMATS for a in ("--format", f)]
    result = invoke(capsys, "scan", url, "--openapi", spec, "-q", *args, "--output-dir", "out")
    assert result.code == 0, result.err
    out = tmp_path / "out"
    files = {f: out / f"middlebrick-report.{ext}" for f, ext in zip(
        FORMATS, ("txt", "json", "sarif", "html", "md", "xml"), strict=True)}
    assert all(p.stat().st_size > 0 for p in files.values())

    report = json.loads(files["json"].read_text())
    validate_report(report)
    assert report["findings"], "the ledger leaks its stack: something must be found"
    ids = {f["id"] for f in report["findings"]}

    sarif = json.loads(files["sarif"].read_text())
    validate_sarif(sarif)
    run = sarif["runs"][0]
    assert {r["partialFingerprints"]["middlebrickFindingId/v1"] for r in run["results"]} == ids
    for res in run["results"]:
        physical = res["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "api/ledger.yaml",
                                                "uriBaseId": "%SRCROOT%"}
    on_entries = [r for r in run["results"]
                  if r["locations"][0]["logicalLocations"][0]["name"] == "GET /entries"]
    for res in on_entries:
        line = res["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert line == _spec_line(SPEC_YAML, "/entries", "get")

    junit = ET.fromstring(files["junit"].read_bytes())
    names = {c.get("name") for c in junit.iter("testcase")}
    assert {"GET /entries", "GET /entries/{entry_id}", "service"} <= names
    assert int(junit.get("failures", "0")) >= 1
    assert int(junit.get("tests", "0")) >= 3 * report["stats"]["checks_run"]

    page = files["html"].read_text()
    assert "default-src 'none'" in page and "<script" not in page
    assert f">{report['score']['grade']}<" in page
    markdown = files["markdown"].read_text()
    assert f"grade {report['score']['grade']} ({report['score']['value']}/100)" in markdown
    assert "middlebrick" in files["text"].read_text()


def test_formats_paired_with_outputs_and_stdout_stays_clean(ledger, capsys, tmp_path):
    _, url, spec = ledger
    result = invoke(capsys, "scan", url, "--openapi", spec, "--format", "sarif", "--output",
                    "a.sarif", "--format", "junit", "--output", "b.xml")
    assert result.code == 0, result.err
    validate_sarif(json.loads((tmp_path / "a.sarif").read_text()))
    ET.fromstring((tmp_path / "b.xml").read_bytes())
    single = invoke(capsys, "scan", url, "--openapi", spec, "-q", "--format", "sarif")
    validate_sarif(json.loads(single.out))


def test_a_bad_baseline_stops_before_any_request(ledger, capsys, tmp_path):
    app, url, _ = ledger
    (tmp_path / "old.json").write_text('{"findings": "nope"}')
    for baseline in ("old.json", "missing.json"):
        result = invoke(capsys, "scan", url, "--baseline", baseline, "-q")
        assert result.code == 2
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert f"--baseline {baseline}" in result.err and "Traceback" not in result.err
    assert app.config["LOG"] == []


def test_fail_on_new_needs_a_baseline(ledger, capsys):
    _, url, _ = ledger
    result = invoke(capsys, "scan", url, "--fail-on-new", "-q")
    assert result.code == 2 and "--fail-on-new needs --baseline" in result.err


# --- the lab: baselines and gates on the real twins ---------------------------------------
# The quick foundation checks are enough to compare scans and gate them; the whole catalog
# on the lab is test_lab_scan's job.
FAST_CHECKS = "headers,cors,flask,disclosure"


def scan(capsys: pytest.CaptureFixture[str], twin: Twin, out: Path, *extra: str) -> tuple[
        int, dict[str, Any], str]:
    result = invoke(
        capsys, "scan", twin.url, "--openapi", twin.openapi_url, "-q", "--checks", FAST_CHECKS,
        "-H", twin.auth_header("alice"), "--user-b-header", twin.auth_header("bob"),
        "--format", "json", "--output", str(out), *extra,
    )
    assert result.code in (0, 1), result.err
    report: dict[str, Any] = json.loads(out.read_text())
    validate_report(report)
    return result.code, report, result.err


def _by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in report["findings"]}


def test_baseline_marks_new_existing_and_fixed_across_scans(lab: Lab, capsys, tmp_path):
    vulnerable = lab.vulnerable
    _, before, _ = scan(capsys, vulnerable, tmp_path / "before.json", "--skip-checks", "headers")
    _, full, _ = scan(capsys, vulnerable, tmp_path / "full.json",
                      "--baseline", str(tmp_path / "before.json"))
    header_ids = {i for i, f in _by_id(full).items() if f["check"].startswith("headers.")}
    assert header_ids, "the vulnerable twin misses security headers"
    assert not header_ids & _by_id(before).keys()
    for finding_id, finding in _by_id(full).items():
        expected = "new" if finding_id not in _by_id(before) else "existing"
        assert finding["baseline"] == expected, finding["check"]
    assert {i for i, f in _by_id(full).items() if f["baseline"] == "new"} >= header_ids
    assert full["baseline"]["new"] == sum(f["baseline"] == "new" for f in full["findings"])
    assert full["baseline"]["fixed"] == []

    # the hardened twin as "after the fix": what the vulnerable one had is now fixed
    _, after, _ = scan(capsys, lab.hardened, tmp_path / "after.json",
                       "--baseline", str(tmp_path / "full.json"))
    fixed = {f["id"] for f in after["baseline"]["fixed"]}
    gone = _by_id(full).keys() - _by_id(after).keys()
    assert fixed == gone and len(fixed) >= 3
    assert all(f["baseline"] == "existing" for f in after["findings"]
               if f["id"] in _by_id(full))

    # a check that did not run proves nothing: its findings are unchecked, not fixed
    _, skipped, _ = scan(capsys, vulnerable, tmp_path / "skipped.json",
                         "--skip-checks", "cors", "--baseline", str(tmp_path / "full.json"))
    cors = {i for i, f in _by_id(full).items() if f["check"].startswith("cors.")}
    assert cors and cors <= {f["id"] for f in skipped["baseline"]["unchecked"]}
    assert not cors & {f["id"] for f in skipped["baseline"]["fixed"]}


def test_gates_on_the_lab(lab: Lab, capsys, tmp_path):
    vulnerable, hardened = lab.vulnerable, lab.hardened
    base = tmp_path / "base.json"
    code, report, _ = scan(capsys, vulnerable, base, "--skip-checks", "headers")
    assert code == 0  # no gate asked for

    code, _, err = scan(capsys, vulnerable, tmp_path / "a.json", "--fail-severity", "high")
    assert code == 1 and "finding" in err and "at or above high" in err
    code, _, _ = scan(capsys, hardened, tmp_path / "b.json", "--fail-severity", "low")
    assert code == 0, "the hardened twin has nothing above info"
    code, _, err = scan(capsys, vulnerable, tmp_path / "c.json", "--fail-under", "50")
    assert code == 1 and "below --fail-under 50" in err

    # only the headers findings are new, and they are below high
    code, new, err = scan(capsys, vulnerable, tmp_path / "d.json", "--baseline", str(base),
                          "--fail-on-new", "--fail-severity", "high")
    assert code == 0, err
    code, _, err = scan(capsys, vulnerable, tmp_path / "e.json", "--baseline", str(base),
                        "--fail-on-new")
    assert code == 1 and "new finding" in err
    fresh = {f["severity"] for f in new["findings"] if f["baseline"] == "new"}
    assert fresh and fresh <= {"low", "medium"}, fresh
    assert report["score"]["value"] < 50
