"""JUnit XML: a test case per check and operation, failures for findings, valid XML 1.0."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Any

from middlebrick.models import Severity
from middlebrick.reporting import REPORTERS
from middlebrick.reporting.junit import xml_text
from middlebrick.reporting.view import annotate

from .samples import COVERAGE, info, make_finding, make_result

OPERATIONS = ["GET /items", "GET /items/{item_id}", "DELETE /items/{item_id}"]


def junit_of(result: Any) -> ET.Element:
    out = io.StringIO()
    REPORTERS.get("junit")(result, out)
    text = out.getvalue()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))  # raises on anything XML 1.0 forbids


def cases(root: ET.Element) -> dict[tuple[str, str], ET.Element]:
    return {(c.get("classname", ""), c.get("name", "")): c for c in root.iter("testcase")}


def test_one_case_per_check_and_operation_with_failures_for_findings():
    findings = [
        make_finding("demo.bola", severity=Severity.HIGH, path="/items/{item_id}"),
        make_finding("demo.bola", severity=Severity.LOW, path="/items/{item_id}",
                     title="Also this", discriminator="second"),
        make_finding("demo.headers", method=None, path=None, title="No nosniff"),
    ]
    result = annotate(make_result(findings, coverage=COVERAGE),
                      catalog=[info("demo.bola"), info("demo.headers"), info("demo.clean")])
    root = junit_of(result)
    found = cases(root)
    places = OPERATIONS + ["service"]
    assert set(found) == {(c, p) for c in ("demo.bola", "demo.headers", "demo.clean")
                          for p in places}
    failure = found[("demo.bola", "GET /items/{item_id}")].find("failure")
    assert failure is not None
    assert failure.get("message") == "Something is wrong (and 1 more)"
    assert failure.get("type") == "high"
    text = failure.text or ""
    assert "What is wrong with demo.bola." in text and "Fix: Change" in text
    assert "Also this" in text and "Evidence: GET http://127.0.0.1:5999/items/it-1 -> 500" in text
    assert found[("demo.headers", "service")].find("failure") is not None
    passing = [c for k, c in found.items() if k[0] == "demo.clean"]
    assert len(passing) == 4 and all(len(c) == 0 for c in passing)
    assert root.get("tests") == "12" and root.get("failures") == "2"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["demo.bola"].get("failures") == "1" and suites["demo.clean"].get("tests") == "4"


def test_findings_off_the_spec_get_their_own_case():
    result = make_result([make_finding(path="/console")], coverage=COVERAGE)
    found = cases(junit_of(result))
    assert found[("demo.check", "GET /console")].find("failure") is not None
    assert ("demo.check", "GET /items") in found


def test_crashed_checks_are_errors(hostile):
    root = junit_of(hostile)
    crashed = cases(root)[("demo.crashy", "service")]
    error = crashed.find("error")
    assert error is not None and "ValueError" in (error.get("message") or "")
    assert root.get("errors") == "1"


def test_hostile_text_stays_valid_xml(hostile):
    root = junit_of(hostile)
    messages = [f.get("message", "") for f in root.iter("failure")]
    assert any("\\x00" in m and "\\x1b" in m for m in messages)
    assert any("<script>" in (f.text or "") for f in root.iter("failure"))  # as text
    assert "Header\\x0b with | pipe" in "".join(messages)


def test_xml_text_keeps_what_xml_allows():
    assert xml_text("tab\tnew\nline\r é 😀") == "tab\tnew\nline\r é 😀"
    assert xml_text("\x00\x08\x0b\x0c\x1f\ufffe") == "\\x00\\x08\\x0b\\x0c\\x1f\\xfffe"


def test_no_operations_means_one_service_case_per_check():
    result = make_result([make_finding(method=None, path=None)])
    assert list(cases(junit_of(result))) == [("demo.check", "service")]
