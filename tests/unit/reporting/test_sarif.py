"""SARIF 2.1.0: valid against the OASIS schema, shaped the way GitHub code scanning reads it."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import pytest

from middlebrick.baseline import compare
from middlebrick.models import Endpoint, Severity, SpecLocation
from middlebrick.reporting import REPORTERS
from middlebrick.reporting.sarif import SARIF_SEVERITY, to_sarif
from middlebrick.reporting.view import annotate

from .samples import COVERAGE, TARGET, info, make_finding, make_result
from support.sarif import SHIPPED_SCHEMA, validate_sarif

EXPECTED_SCORE = {
    Severity.CRITICAL: ("error", "9.5"),
    Severity.HIGH: ("error", "8.0"),
    Severity.MEDIUM: ("warning", "5.5"),
    Severity.LOW: ("note", "3.0"),
    Severity.INFO: ("note", "0.0"),
}


def rendered(result: Any) -> dict[str, Any]:
    out = io.StringIO()
    REPORTERS.get("sarif")(result, out)
    log: dict[str, Any] = json.loads(out.getvalue())
    validate_sarif(log)
    return log


def run_of(log: dict[str, Any]) -> dict[str, Any]:
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run: dict[str, Any] = log["runs"][0]
    return run


def test_hostile_result_is_valid_sarif(hostile):
    run = run_of(rendered(hostile))
    assert {r["ruleId"] for r in run["results"]} == {"demo.reflect", "demo.header"}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(n["level"] == "error" and "demo.crashy" in n["message"]["text"] for n in notes)


def test_an_empty_scan_is_valid_sarif():
    run = run_of(rendered(make_result([], value=100)))
    assert run["results"] == [] and run["tool"]["driver"]["name"] == "middlebrick"


def test_one_rule_per_check_with_title_description_and_fix():
    findings = [
        make_finding("demo.one", path="/a"),
        make_finding("demo.one", path="/b"),
        make_finding("demo.two", severity=Severity.LOW, cwe="CWE-639"),
    ]
    result = annotate(make_result(findings), catalog=[info("demo.one"), info("demo.two"),
                                                      info("demo.quiet")])
    run = run_of(rendered(result))
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["demo.one", "demo.quiet", "demo.two"]
    quiet = rules[1]
    assert quiet["shortDescription"]["text"] == "Title of demo.quiet"
    assert quiet["fullDescription"]["text"] == "Description of demo.quiet."
    assert "Remediation of demo.quiet." in quiet["help"]["text"]
    assert "Remediation of demo.quiet." in quiet["help"]["markdown"]
    tags = rules[2]["properties"]["tags"]
    assert "security" in tags and "CWE-16" in tags and "OWASP-API8:2023" in tags
    for result_ in run["results"]:
        assert rules[result_["ruleIndex"]]["id"] == result_["ruleId"]


@pytest.mark.parametrize("severity", list(Severity), ids=lambda s: s.value)
def test_severity_maps_to_level_and_security_severity(severity):
    run = run_of(rendered(make_result([make_finding(severity=severity)])))
    level, score = EXPECTED_SCORE[severity]
    (rule,) = run["tool"]["driver"]["rules"]
    (result,) = run["results"]
    assert rule["properties"]["security-severity"] == score
    assert rule["defaultConfiguration"]["level"] == level
    assert result["level"] == level
    assert SARIF_SEVERITY[severity].level == level


def test_a_rule_is_as_severe_as_its_worst_result():
    findings = [make_finding(severity=Severity.LOW, path="/a"),
                make_finding(severity=Severity.CRITICAL, path="/b")]
    result = annotate(make_result(findings), catalog=[info("demo.check", Severity.LOW)])
    (rule,) = run_of(rendered(result))["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "9.5"


def test_fingerprints_are_the_stable_finding_ids():
    findings = [make_finding(path="/a"), make_finding(path="/b")]
    first = run_of(rendered(make_result(findings)))["results"]
    again = run_of(rendered(make_result(list(reversed(findings)))))["results"]
    prints = {r["partialFingerprints"]["middlebrickFindingId/v1"] for r in first}
    assert prints == {f.id for f in findings}
    assert prints == {r["partialFingerprints"]["middlebrickFindingId/v1"] for r in again}


def test_locations_point_into_a_local_openapi_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "api").mkdir()
    spec = "api/open api.yaml"
    located = make_finding(path="/items/{item_id}", location=SpecLocation(
        file=spec, pointer="/paths/~1items~1{item_id}/get", line=42))
    same_place = make_finding("demo.other", path="/items/{item_id}")
    service = make_finding("demo.service", method=None, path=None)
    run = run_of(rendered(make_result([located, same_place, service], spec_source=spec,
                                      coverage=COVERAGE)))
    by_rule = {r["ruleId"]: r["locations"][0] for r in run["results"]}
    for rule_id, line in (("demo.check", 42), ("demo.other", 42), ("demo.service", 1)):
        physical = by_rule[rule_id]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "api/open%20api.yaml",
                                                "uriBaseId": "%SRCROOT%"}
        assert physical["region"]["startLine"] == line
    assert by_rule["demo.check"]["logicalLocations"][0]["name"] == "GET /items/{item_id}"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_absolute_spec_paths_are_made_relative_to_the_working_dir(tmp_path):
    spec = tmp_path / "openapi.json"
    finding = make_finding(location=SpecLocation(file=str(spec), pointer="/paths", line=7))
    log = to_sarif(make_result([finding], spec_source=str(spec)), cwd=tmp_path)
    validate_sarif(log)
    physical = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "openapi.json"
    outside = to_sarif(make_result([finding], spec_source=str(spec)), cwd=tmp_path / "sub")
    uri = outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert uri["artifactLocation"] == {"uri": spec.resolve().as_uri()}


def test_without_a_file_the_location_is_the_url():
    spec_url = TARGET + "/openapi.json"
    findings = [
        make_finding(location=SpecLocation(file=spec_url, pointer="/paths", line=3)),
        make_finding("demo.service", method=None, path=None),
    ]
    run = run_of(rendered(make_result(findings, spec_source=spec_url)))
    uris = {r["ruleId"]: r["locations"][0] for r in run["results"]}
    assert uris["demo.check"]["physicalLocation"]["artifactLocation"]["uri"] == (
        TARGET + "/items/it-1"
    )
    assert "region" not in uris["demo.check"]["physicalLocation"]
    assert uris["demo.service"]["physicalLocation"]["artifactLocation"]["uri"] == TARGET + "/"
    assert uris["demo.service"]["logicalLocations"][0]["name"] == "service"
    assert "originalUriBaseIds" not in run


def test_every_result_has_a_location_github_accepts(hostile):
    # GitHub rejects the whole upload when one result lacks physicalLocation.artifactLocation.uri
    for result in run_of(rendered(hostile))["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_evidence_becomes_web_request_and_response(hostile):
    results = run_of(rendered(hostile))["results"]
    critical = next(r for r in results if r["level"] == "error")
    assert critical["webRequest"]["method"] == "GET"
    assert critical["webResponse"]["statusCode"] == 500
    assert "<script>" in critical["webResponse"]["body"]["text"]  # data, not markup


def test_baseline_state_marks_new_and_unchanged():
    old, fresh = make_finding(path="/a"), make_finding(path="/b")
    previous = {"findings": [old.to_dict()]}
    result = make_result([old, fresh])
    log = rendered(annotate(result, baseline=compare(previous, result.findings, source="p")))
    states = {r["partialFingerprints"]["middlebrickFindingId/v1"]: r["baselineState"]
              for r in run_of(log)["results"]}
    assert states == {old.id: "unchanged", fresh.id: "new"}


def test_the_shipped_sarif_schema_is_the_official_one():
    schema = json.loads(SHIPPED_SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"


def test_a_token_in_the_query_string_stays_out_of_the_location():
    leaky = Endpoint(method="GET", path="/items/{item_id}",
                     url="http://user:pw@api.test/items/it-1?api_key=s3cr3t-value")
    run = run_of(rendered(make_result([replace(make_finding(), endpoint=leaky)])))
    (result,) = run["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "http://api.test/items/it-1"
    assert "s3cr3t-value" not in json.dumps(result["properties"])
