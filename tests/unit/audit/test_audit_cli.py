"""`middlebrick audit SPEC` through the real entry point: reports, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.cli import invoke
from support.schema import validate_report

FIXTURES = Path(__file__).parent / "fixtures"


def audit_json(capsys, name: str, *extra: str):
    result = invoke(capsys, "audit", str(FIXTURES / name), "--format", "json", *extra)
    report = json.loads(result.out)
    validate_report(report)
    return result, report


@pytest.mark.parametrize(
    ("name", "version", "pointer"),
    [
        ("problems_v2.json", "2.0", "/definitions/Account/properties/ssn"),
        ("problems_v30.yaml", "3.0.3", "/components/schemas/User/properties/passwordHash"),
        ("problems_v31.yaml", "3.1.0", "/components/schemas/Me/properties/apiKey"),
    ],
)
def test_audit_reports_each_version_as_a_scan_report(capsys, name, version, pointer):
    result, report = audit_json(capsys, name)
    assert result.code == 0, result.err
    assert report["target"] == str(FIXTURES / name)
    assert report["spec"]["version"] == version
    assert report["stats"]["requests"] == 0
    assert report["stats"]["checks_run"] >= 10
    assert report["score"]["value"] < 90
    assert set(report["score"]["categories"]) == {"spec"}
    sensitive = [f for f in report["findings"] if f["check"] == "spec.sensitive-response-property"]
    assert [f["location"]["pointer"] for f in sensitive] == [pointer]
    assert all(f["location"]["file"] == str(FIXTURES / name) for f in report["findings"])


def test_fail_under_sets_the_exit_code(capsys):
    bad, _ = audit_json(capsys, "problems_v30.yaml", "--fail-under", "80")
    assert bad.code == 1
    good, report = audit_json(capsys, "clean_v31.yaml", "--fail-under", "90")
    assert good.code == 0
    assert report["score"]["grade"] == "A"
    assert {f["severity"] for f in report["findings"]} <= {"info"}


def test_an_invalid_document_exits_2_naming_the_pointer(capsys):
    result = invoke(capsys, "audit", str(FIXTURES / "invalid.yaml"), "--format", "json")
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert "#/paths/~1things/get" in lines[0] and "responses" in lines[0]


def test_a_missing_file_or_non_openapi_exits_2(capsys, tmp_path):
    assert invoke(capsys, "audit", str(tmp_path / "nope.yaml")).code == 2
    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}')
    assert invoke(capsys, "audit", str(other)).code == 2


def test_text_report_and_output_files(capsys, tmp_path):
    text = invoke(capsys, "audit", str(FIXTURES / "problems_v30.yaml"))
    assert text.code == 0
    assert "spec.unsecured-object-id" in text.out
    out = tmp_path / "audit.json"
    written = invoke(capsys, "audit", str(FIXTURES / "problems_v30.yaml"),
                     "--format", "json", "--output", str(out), "-q")
    assert written.code == 0 and written.out == ""
    validate_report(json.loads(out.read_text()))
    folder = tmp_path / "reports"
    both = invoke(capsys, "audit", str(FIXTURES / "problems_v2.json"), "--format", "json",
                  "--format", "text", "--output-dir", str(folder), "-q")
    assert both.code == 0
    validate_report(json.loads((folder / "middlebrick-report.json").read_text()))
    assert (folder / "middlebrick-report.txt").read_text()


def test_rules_can_be_selected(capsys):
    _, only = audit_json(capsys, "problems_v30.yaml", "--checks", "spec.unbounded-string")
    assert {f["check"] for f in only["findings"]} == {"spec.unbounded-string"}
    assert only["stats"]["checks_run"] == 1
    _, skipped = audit_json(capsys, "problems_v30.yaml", "--skip-checks",
                            "spec.unbounded-string,spec.unbounded-array")
    checks = {f["check"] for f in skipped["findings"]}
    assert "spec.unbounded-string" not in checks and "spec.http-server" in checks
    unknown = invoke(capsys, "audit", str(FIXTURES / "problems_v30.yaml"), "--checks", "nope")
    assert unknown.code == 2


def test_a_remote_document_is_audited_with_lines(capsys, served_fixtures):
    result = invoke(capsys, "audit", f"{served_fixtures}/problems_v30.yaml", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    validate_report(report)
    lines = {f["location"]["pointer"]: f["location"]["line"] for f in report["findings"]}
    assert lines["/components/schemas/User/properties/passwordHash"] == 43


def test_every_registered_report_format_renders_an_audit(capsys, tmp_path):
    from middlebrick.cli.scancmd import CONTRACT_FORMATS, EXTENSIONS
    from middlebrick.reporting import REPORTERS, load_builtin

    load_builtin()
    formats = [f for f in CONTRACT_FORMATS if f in REPORTERS]
    argv = [a for f in formats for a in ("--format", f)]
    result = invoke(capsys, "audit", str(FIXTURES / "problems_v30.yaml"), *argv,
                    "--output-dir", str(tmp_path), "-q")
    assert result.code == 0, result.err
    for fmt in formats:
        assert (tmp_path / f"middlebrick-report.{EXTENSIONS[fmt]}").stat().st_size > 0, fmt
    validate_report(json.loads((tmp_path / "middlebrick-report.json").read_text()))
    sarif_schema = Path(__file__).resolve().parents[3].parent / "shared" / "contract" / (
        "sarif-schema-2.1.0.json"
    )
    if "sarif" in formats and sarif_schema.exists():
        import jsonschema

        sarif = json.loads((tmp_path / "middlebrick-report.sarif").read_text())
        jsonschema.validate(sarif, json.loads(sarif_schema.read_text()))
