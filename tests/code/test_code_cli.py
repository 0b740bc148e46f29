"""`middlebrick code PATH...` through the real entry point: reports, exit codes, bad input."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support.cli import invoke
from support.sarif import validate_sarif
from support.schema import validate_report

FIXTURES = Path(__file__).parent / "fixtures"
SERVICE = '''\
import boto3
from flask import Flask, jsonify, request

app = Flask(__name__)
app.config["SECRET_KEY"] = "dev"
client = boto3.client("dynamodb")


@app.get("/search")
def search():
    text = request.args.get("q", "")
    found = client.execute_statement(Statement=f"SELECT * FROM items WHERE name = '{text}'")
    return jsonify(found["Items"])
'''
CLEAN = '''\
import os

from flask import Flask, jsonify

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]


@app.get("/health")
def health():
    return jsonify(status="ok")
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small service in a folder that is also the working directory."""
    (tmp_path / "service").mkdir()
    (tmp_path / "service" / "app.py").write_text(SERVICE, encoding="utf-8")
    (tmp_path / "service" / "health.py").write_text(CLEAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    result = invoke(capsys, "code", *argv, "--format", "json")
    report = json.loads(result.out)
    validate_report(report)
    return result.code, report


def test_json_report_locates_findings_by_file_and_line(capsys, project: Path) -> None:
    code, report = run_json(capsys, "service")
    assert code == 0
    assert report["target"] == "service" and report["spec"] is None
    assert report["stats"] == {"requests": 0, "endpoints": 2, "checks_run": 10}
    where = {(f["check"], f["location"]["file"], f["location"]["line"])
             for f in report["findings"]}
    assert where == {("code.flask-hardcoded-secret", "service/app.py", 5),
                     ("code.dynamodb-partiql-injection", "service/app.py", 12)}
    for finding in report["findings"]:
        assert finding["endpoint"] is None and finding["evidence"] == []
        assert finding["location"]["pointer"] == ""
    assert "static check of 2 Python file(s)" in report["notes"][0]


def test_fail_under_sets_the_exit_code(capsys, project: Path) -> None:
    bad, report = run_json(capsys, "service/app.py", "--fail-under", "80")
    assert bad == 1 and report["score"]["value"] < 80
    good, report = run_json(capsys, "service/health.py", "--fail-under", "100")
    assert good == 0 and report["findings"] == [] and report["score"]["grade"] == "A"


def test_a_missing_path_is_a_usage_error_on_one_line(capsys, project: Path) -> None:
    result = invoke(capsys, "code", "service", "nowhere.py", "--format", "json")
    assert result.code == 2
    assert result.out == ""
    assert result.err.strip().splitlines() == ["error: no such file or directory: nowhere.py"]


def test_unknown_rules_are_a_usage_error(capsys, project: Path) -> None:
    result = invoke(capsys, "code", "service", "--checks", "code.nonsense")
    assert result.code == 2 and "unknown code rule: code.nonsense" in result.err


def test_rules_are_chosen_by_id_prefix_or_category(capsys, project: Path) -> None:
    _, only = run_json(capsys, "service", "--checks", "code.dynamodb")
    assert {f["check"] for f in only["findings"]} == {"code.dynamodb-partiql-injection"}
    assert only["stats"]["checks_run"] == 3
    _, skipped = run_json(capsys, "service", "--skip-checks", "injection")
    assert {f["check"] for f in skipped["findings"]} == {"code.flask-hardcoded-secret"}


def test_a_file_that_does_not_parse_is_a_note_and_the_run_goes_on(capsys, project: Path) -> None:
    (project / "service" / "broken.py").write_text("def oops(:\n    pass\n", encoding="utf-8")
    code, report = run_json(capsys, "service")
    assert code == 0
    assert {f["location"]["file"] for f in report["findings"]} == {"service/app.py"}
    broken = [n for n in report["notes"] if "service/broken.py" in n]
    assert len(broken) == 1 and "SyntaxError at line 1" in broken[0]
    assert "static check of 2 Python file(s)" in report["notes"][0]


def test_sarif_validates_and_points_at_the_lines(capsys, project: Path) -> None:
    out = project / "out" / "code.sarif"
    result = invoke(capsys, "code", "service", "--format", "sarif", "--output", str(out), "-q")
    assert result.code == 0 and result.out == ""
    log = json.loads(out.read_text(encoding="utf-8"))
    validate_sarif(log)
    run = log["runs"][0]
    places = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["locations"][0]["physicalLocation"]["region"]["startLine"])
              for r in run["results"]}
    assert places == {("code.flask-hardcoded-secret", "service/app.py", 5),
                      ("code.dynamodb-partiql-injection", "service/app.py", 12)}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    assert len(run["tool"]["driver"]["rules"]) == 10  # every rule that ran is described


def test_sarif_of_every_fixture_validates(capsys, tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "all.sarif"
    invoke(capsys, "code", "fixtures", "--format", "sarif", "--output", str(out), "-q")
    log = json.loads(out.read_text(encoding="utf-8"))
    validate_sarif(log)
    assert len(log["runs"][0]["results"]) > 50


def test_every_format_renders_findings_without_evidence(capsys, project: Path) -> None:
    result = invoke(capsys, "code", "service", "--output-dir", "reports",
                    *(a for f in ("text", "json", "sarif", "html", "markdown", "junit")
                      for a in ("--format", f)))
    assert result.code == 0, result.err
    reports = project / "reports"
    assert "code.dynamodb-partiql-injection" in (reports / "middlebrick-report.md").read_text()
    assert "code.flask-hardcoded-secret" in (reports / "middlebrick-report.html").read_text()
    text = (reports / "middlebrick-report.txt").read_text()
    assert "Grade D" in text and "code.flask-hardcoded-secret" in text
    suite = ET.parse(reports / "middlebrick-report.xml").getroot()
    assert "code.dynamodb-partiql-injection" in ET.tostring(suite, encoding="unicode")
    validate_report(json.loads((reports / "middlebrick-report.json").read_text()))


def test_tests_and_virtualenvs_are_skipped_when_walking(capsys, project: Path) -> None:
    for folder in ("tests", ".venv/lib", "venv"):
        (project / "service" / folder).mkdir(parents=True)
        (project / "service" / folder / "fixture_app.py").write_text(SERVICE, encoding="utf-8")
    (project / "service" / "venv" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    (project / "service" / "test_app.py").write_text(SERVICE, encoding="utf-8")
    _, report = run_json(capsys, "service")
    assert {f["location"]["file"] for f in report["findings"]} == {"service/app.py"}
    _, with_tests = run_json(capsys, "service", "--include-tests")
    assert {f["location"]["file"] for f in with_tests["findings"]} == {
        "service/app.py", "service/test_app.py", "service/tests/fixture_app.py"}
    _, named = run_json(capsys, "service/test_app.py")
    assert {f["location"]["file"] for f in named["findings"]} == {"service/test_app.py"}


def test_fail_severity_gates_on_any_finding_that_severe(capsys, project: Path) -> None:
    result = invoke(capsys, "code", "service", "--fail-severity", "high", "-q")
    assert result.code == 1
    assert "gate failed: 2 findings at or above high" in result.err
    assert invoke(capsys, "code", "service/health.py", "--fail-severity", "low").code == 0


def test_a_baseline_tells_new_findings_from_old_ones_across_line_shifts(
    capsys, project: Path
) -> None:
    first = invoke(capsys, "code", "service", "--format", "json", "--output", "before.json")
    assert first.code == 0
    app = project / "service" / "app.py"
    # Unrelated lines above move every finding down; one new flaw comes with them.
    app.write_text("import os\n\n" + SERVICE + "\napp.debug = True\n", encoding="utf-8")
    same = invoke(capsys, "code", "service", "--baseline", "before.json", "--fail-on-new",
                  "--skip-checks", "code.flask-debug", "--format", "json")
    assert same.code == 0, same.err
    report = json.loads(same.out)
    validate_report(report)
    assert {f["baseline"] for f in report["findings"]} == {"existing"}
    new = invoke(capsys, "code", "service", "--baseline", "before.json", "--fail-on-new",
                 "--format", "json")
    assert new.code == 1
    assert "gate failed: 1 new finding at or above low: high code.flask-debug" in new.err
