"""JUnit XML: one test case per check and operation, so any CI shows the scan as tests.

A case fails when its check found something there (one failure, listing every finding of
that check at that place); a check that crashed is one error case. Operations come from the
scan's coverage, plus `service` for findings about the whole service, plus any place a check
reported that the OpenAPI document does not list.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import IO

from middlebrick.models import Evidence, Finding, ScanResult
from middlebrick.reporting import reporter
from middlebrick.reporting.view import baseline_of, checks_of, where

SERVICE = "service"
# Characters XML 1.0 does not allow at all (not even as references).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """Text that XML 1.0 can carry: forbidden characters are written as \\xNN."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


@reporter("junit")
def render(result: ScanResult, out: IO[str]) -> None:
    root = to_junit(result)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


def to_junit(result: ScanResult) -> ET.Element:
    """The `<testsuites>` element of one scan."""
    places = [f"{c.method} {c.path}" for c in result.coverage]
    by_case: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_case[(f.check, where(f))].append(f)
    extra = [p for p in dict.fromkeys(where(f) for f in result.findings) if p not in places]
    places += [p for p in extra if p != SERVICE] + [SERVICE]
    crashed = {e.check: e.error for e in result.errors}
    check_ids = [c.id for c in checks_of(result)]
    check_ids += [c for c in crashed if c not in check_ids]

    root = ET.Element("testsuites", name="middlebrick")
    total = {"tests": 0, "failures": 0, "errors": 0}
    for check_id in check_ids:
        suite = ET.SubElement(root, "testsuite", name=check_id, timestamp=result.started_at[:19])
        counts = {"tests": 0, "failures": 0, "errors": 0}
        if check_id in crashed:
            case = _case(suite, check_id, SERVICE)
            ET.SubElement(case, "error", message=xml_text(crashed[check_id]), type="crash")
            counts["tests"] += 1
            counts["errors"] += 1
        else:
            for place in places:
                case = _case(suite, check_id, place)
                counts["tests"] += 1
                found = by_case.get((check_id, place))
                if found:
                    _fail(case, found, result)
                    counts["failures"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            total[key] += value
        suite.set("skipped", "0")
        suite.set("time", "0")
    for key, value in total.items():
        root.set(key, str(value))
    root.set("time", f"{result.duration_s:.3f}")
    _properties(root, result)
    return root


def _case(suite: ET.Element, check_id: str, place: str) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", classname=xml_text(check_id), name=xml_text(place), time="0"
    )


def _fail(case: ET.Element, findings: list[Finding], result: ScanResult) -> None:
    findings = sorted(findings, key=lambda f: f.severity)
    first = findings[0]
    message = first.title + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else "")
    baseline = baseline_of(result)
    blocks = []
    for f in findings:
        head = f"[{f.severity.value}] {f.title}"
        if baseline is not None:
            head += f" ({baseline.status_of(f.id)})"
        parts = [head, f.description, f"Fix: {f.remediation}"]
        parts += [f"Evidence: {_summary(e)}" for e in f.evidence]
        parts.append(f"Finding id: {f.id}")
        blocks.append("\n".join(p for p in parts if p))
    failure = ET.SubElement(
        case, "failure", message=xml_text(message), type=first.severity.value
    )
    failure.text = xml_text("\n\n".join(blocks))


def _summary(evidence: Evidence) -> str:
    request, response = evidence.request, evidence.response
    status = response.get("status") or f"no response ({response.get('error', 'error')})"
    line = f"{request.get('method', '')} {request.get('url', '')} -> {status}"
    return line + (f" ({evidence.note})" if evidence.note else "")


def _properties(root: ET.Element, result: ScanResult) -> None:
    # Only the first suite carries them: many CI tools read properties per suite.
    suite = root.find("testsuite")
    if suite is None:
        return
    props = ET.Element("properties")
    for name, value in (
        ("target", result.target),
        ("score", result.score.value),
        ("grade", result.score.grade),
        ("tool_version", result.tool_version),
    ):
        ET.SubElement(props, "property", name=name, value=xml_text(value))
    suite.insert(0, props)


__all__ = ["render", "to_junit", "xml_text"]
