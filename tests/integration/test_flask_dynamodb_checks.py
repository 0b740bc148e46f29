"""flask.weak-secret-key, flask.werkzeug-debugger and dynamodb.unbounded-scan through the real CLI,
against three services written unlike the lab (each in a vulnerable and a fixed build, on the
lab's DynamoDB server) and against the lab's twins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from middlebrick.lab import Lab, Twin

from support.cli import invoke
from support.schema import validate_report
from support.serving import serve_wsgi
from targets import cfg_accounts, cfg_aws, cfg_catalog, cfg_shipments

pytestmark = pytest.mark.integration
CHECKS = "flask.weak-secret-key,flask.werkzeug-debugger,dynamodb.unbounded-scan"
TARGETS = {"accounts": cfg_accounts, "catalog": cfg_catalog, "shipments": cfg_shipments}


@pytest.fixture(scope="module")
def tables(lab: Lab) -> Iterator[dict[str, str]]:
    names = {name: cfg_aws.unique(name) for name in TARGETS}
    for name, module in TARGETS.items():
        module.create_table(lab.dynamodb_endpoint, names[name])
    yield names
    cfg_aws.drop_tables(lab.dynamodb_endpoint, *names.values())


@pytest.fixture(scope="module", params=["vulnerable", "fixed"])
def build(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def served(lab: Lab, tables: dict[str, str], name: str, build: str) -> Any:
    app = TARGETS[name].create_app(lab.dynamodb_endpoint, tables[name], fixed=build == "fixed")
    return serve_wsgi(app)


def scan(capsys: pytest.CaptureFixture[str], folder: Path, url: str, *extra: str) -> list[Any]:
    out = folder / "report.json"
    outcome = invoke(
        capsys, "scan", url, "--openapi", f"{url}/openapi.json", "-q", "--checks", CHECKS,
        "--format", "json", "--output", str(out), *extra,
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    report = json.loads(out.read_text())
    validate_report(report)
    assert report.get("errors", []) == []
    findings: list[Any] = report["findings"]
    return findings


def sign_in(url: str, email: str, password: str) -> str:
    answer = httpx.post(f"{url}/api/v1/sessions", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return f"Cookie: session={answer.cookies['session']}"


def test_accounts_session_forged_with_changeme(lab, tables, build, capsys, tmp_path):
    with served(lab, tables, "accounts", build) as url:
        ada = sign_in(url, "ada@example.org", "ada-password")
        bert = sign_in(url, "bert@example.org", "bert-password")
        findings = scan(capsys, tmp_path, url, "-H", ada, "--user-b-header", bert)
    if build == "fixed":
        assert findings == []
        return
    assert [f["check"] for f in findings] == ["flask.weak-secret-key"]
    finding = findings[0]
    assert (finding["severity"], finding["confidence"]) == ("critical", "certain")
    assert finding["category"] == "authentication" and finding["cwe"] == "CWE-798"
    note = finding["evidence"][-1]["note"]
    assert "'ch*****e'" in note and "is_admin=True" in note
    forged = finding["evidence"][-1]
    assert forged["request"]["method"] == "GET" and 200 <= forged["response"]["status"] < 300
    shown = json.dumps([finding["title"], finding["evidence"]])
    assert "changeme" not in shown  # the key is shown masked
    assert ada.partition("=")[2][:12] not in shown  # so are the cookies, genuine and forged


def test_catalog_scan_ignoring_page_size(lab, tables, build, capsys, tmp_path):
    with served(lab, tables, "catalog", build) as url:
        findings = scan(capsys, tmp_path, url)
    if build == "fixed":
        assert findings == []
        return
    assert [(f["check"], f["endpoint"]["path"]) for f in findings] == [
        ("dynamodb.unbounded-scan", "/catalog/entries")
    ]
    finding = findings[0]
    assert (finding["severity"], finding["confidence"]) == ("medium", "firm")
    assert "page_size=1 answered 60 items" in finding["evidence"][0]["note"]


def test_shipments_debugger_only_on_malformed_input(lab, tables, build, capsys, tmp_path):
    with served(lab, tables, "shipments", build) as url:
        assert httpx.get(f"{url}/v2/shipments/SHP-1").status_code == 200
        findings = scan(capsys, tmp_path, url)
    if build == "fixed":
        assert findings == []
        return
    assert [(f["check"], f["title"], f["severity"]) for f in findings] == [
        ("flask.werkzeug-debugger", "Werkzeug debugger traceback page exposed", "critical")
    ]
    evidence = findings[0]["evidence"][0]
    assert "Werkzeug Debugger" in evidence["response"]["body"]
    assert "provoked with" in evidence["note"]


@pytest.fixture(scope="module")
def lab_findings(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    folder = tmp_path_factory.mktemp("cfg-lab")
    out: dict[str, list[Any]] = {}
    for twin in lab.twins:
        out[twin.name] = _scan_twin(twin, folder)
    return out


def _scan_twin(twin: Twin, folder: Path) -> list[Any]:
    from middlebrick.cli import main

    report_path = folder / f"{twin.name}.json"
    argv = [
        "scan", twin.url, "--openapi", twin.openapi_url, "-q", "--checks", CHECKS,
        "-H", twin.auth_header("alice"), "--user-b-header", twin.auth_header("bob"),
        "--format", "json", "--output", str(report_path),
    ]  # fmt: skip
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    report = json.loads(report_path.read_text())
    validate_report(report)
    findings: list[Any] = report["findings"]
    return findings


def test_lab_vulnerable_twin(lab_findings):
    found = {(f["check"], f["title"], f["severity"]) for f in lab_findings["vulnerable"]}
    assert ("flask.weak-secret-key",
            "Flask SECRET_KEY is a public default: forged sessions are accepted",
            "critical") in found  # fmt: skip
    assert ("flask.werkzeug-debugger", "Werkzeug debugger traceback page exposed",
            "critical") in found  # fmt: skip
    assert ("flask.werkzeug-debugger", "Werkzeug debugger console reachable (PIN-protected)",
            "critical") in found  # fmt: skip
    scans = {f["endpoint"]["path"] for f in lab_findings["vulnerable"]
             if f["check"] == "dynamodb.unbounded-scan"}  # fmt: skip
    assert "/users" in scans
    assert "/products" not in scans and "/orders" not in scans  # honoured limit / own orders


def test_lab_hardened_twin(lab_findings):
    assert lab_findings["hardened"] == []
