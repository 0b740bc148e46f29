"""Runtime conformance and the in-scan spec audit through the real CLI, on loopback apps whose
answers drift from their documents in known ways, their conforming twins, and the lab."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from middlebrick.lab import Lab

from support.cli import invoke
from support.schema import validate_report
from support.serving import serve_wsgi
from targets import conf_catalog, conf_ledger

pytestmark = pytest.mark.integration

TARGETS: dict[str, tuple[ModuleType, str, str]] = {
    "catalog": (conf_catalog, f"X-Api-Key: {conf_catalog.API_KEY}", "/api/openapi.json"),
    "ledger": (conf_ledger, f"Authorization: Bearer {conf_ledger.TOKEN}", "/swagger.json"),
}


def scan(capsys, tmp_path: Path, url: str, *argv: str) -> dict[str, Any]:
    out = tmp_path / "report.json"
    result = invoke(capsys, "scan", url, "-q", "--format", "json", "--output", str(out), *argv)
    assert result.code == 0, result.err
    report: dict[str, Any] = json.loads(out.read_text())
    validate_report(report)
    assert report["errors"] == []
    return report


def summary(report: dict[str, Any], prefix: str) -> set[tuple[str, str, str, str]]:
    return {
        (f["check"], f["severity"], (f["endpoint"] or {}).get("method"),
         (f["endpoint"] or {}).get("path"))
        for f in report["findings"] if f["check"].startswith(prefix)
    }


@pytest.fixture(params=["catalog", "ledger"])
def target(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, str, str]]:
    """(name, base URL of the drifting app, header, document URL)."""
    module, header, path = TARGETS[request.param]
    with serve_wsgi(module.create_app(conforming=False)) as url:
        yield request.param, url, header, url + path


EXPECTED = {
    "catalog": {
        ("conformance.undeclared-status", "low", "POST", "/widgets"),
        ("conformance.content-type", "low", "GET", "/widgets"),
        ("conformance.schema-violation", "low", "GET", "/widgets/{widgetId}"),
        ("conformance.server-error", "medium", "GET", "/stats"),
        ("conformance.undeclared-field", "high", "GET", "/accounts/me"),
        ("conformance.undeclared-field", "info", "GET", "/accounts/me"),
    },
    "ledger": {
        ("conformance.undeclared-status", "low", "GET", "/balance"),
        ("conformance.schema-violation", "low", "GET", "/entries/{entry_id}"),
        ("conformance.server-error", "medium", "POST", "/entries"),
        ("conformance.undeclared-field", "high", "GET", "/entries"),
        ("conformance.undeclared-field", "low", "GET", "/entries"),
        ("conformance.undeclared-field", "info", "GET", "/entries"),
    },
}


def test_drifting_apps_show_each_known_drift(capsys, tmp_path, target):
    name, url, header, document = target
    report = scan(capsys, tmp_path, url, "--openapi", document, "-H", header,
                  "--checks", "conformance")
    assert summary(report, "conformance.") == EXPECTED[name]
    fields = {f["title"] for f in report["findings"]
              if f["check"] == "conformance.undeclared-field"}
    if name == "catalog":
        assert fields == {"Undeclared response field `passwordHash`",
                          "Undeclared response field `lastSeen`"}
    else:
        assert fields == {f"Undeclared response field `[].{n}`"
                          for n in ("card_number", "internal_ref", "memo")}
    evidence = json.dumps([f["evidence"] for f in report["findings"]])
    for secret in ("4111111111111111", "pbkdf2:sha256:600000$x$y"):
        assert secret not in evidence  # sensitive values are masked in every finding's evidence
    for finding in report["findings"]:
        assert finding["location"]["file"] == document
        assert finding["location"]["pointer"].startswith("/paths/")
        assert finding["evidence"], finding["check"]


@pytest.mark.parametrize("name", ["catalog", "ledger"])
def test_conforming_twins_have_no_conformance_findings(capsys, tmp_path, name):
    module, header, path = TARGETS[name]
    with serve_wsgi(module.create_app(conforming=True)) as url:
        report = scan(capsys, tmp_path, url, "--openapi", url + path, "-H", header,
                      "--checks", "conformance,spec")
    assert summary(report, "conformance.") == set()
    assert {f["severity"] for f in report["findings"]} <= {"info"}


def test_spec_findings_appear_in_scans_with_their_location(capsys, tmp_path):
    module, header, _ = TARGETS["catalog"]
    loose = copy.deepcopy(module.DOC)  # the same API, documented with one unbounded input
    del loose["components"]["schemas"]["WidgetInput"]["properties"]["name"]["maxLength"]
    document = tmp_path / "catalog.json"
    document.write_text(json.dumps(loose, indent=2))
    with serve_wsgi(module.create_app(conforming=True)) as url:
        report = scan(capsys, tmp_path, url, "--openapi", str(document), "-H", header,
                      "--checks", "spec")
    (finding,) = report["findings"]
    assert finding["check"] == "spec.unbounded-string"
    assert finding["severity"] == "info"  # document hygiene, in a scan of the service
    assert finding["endpoint"] == {"method": "POST", "path": "/widgets",
                                   "url": f"{url}/api/widgets"}
    location = finding["location"]
    assert location["pointer"] == "/components/schemas/WidgetInput/properties/name"
    assert location["file"] == str(document)
    assert '"name"' in document.read_text().splitlines()[location["line"] - 1]


def test_lab_hardened_conforms_and_vulnerable_leaks(capsys, tmp_path, lab: Lab):
    reports = {}
    for twin in (lab.hardened, lab.vulnerable):
        reports[twin.name] = scan(
            capsys, tmp_path, twin.url, "--openapi", twin.openapi_url,
            "-H", twin.auth_header("alice"), "--user-b-header", twin.auth_header("bob"),
            "--checks", "conformance,spec",
        )
    hardened = reports["hardened"]
    assert [f for f in hardened["findings"] if f["severity"] != "info"] == []
    assert summary(hardened, "conformance.") == set()
    leaks = [f for f in reports["vulnerable"]["findings"]
             if f["check"] == "conformance.undeclared-field" and f["severity"] == "high"]
    assert [(f["endpoint"]["path"], f["title"]) for f in leaks] == [
        ("/users", "Undeclared response field `users[].password_hash`")
    ]
    assert leaks[0]["category"] == "data-exposure"
