"""`middlebrick code` on the lab's own source: the vulnerable twin's flaws are found where its
`# VULN` markers are, and the hardened twin has nothing above info. (The rules know nothing of
the lab: this is a realism check on code written for another purpose.)"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import middlebrick.lab

from support.cli import invoke
from support.schema import validate_report

LAB = Path(middlebrick.lab.__file__).parent
VULNERABLE = LAB / "vulnerable.py"


def own_lines(tree: ast.Module, line: int) -> range:
    """The lines of the innermost function around `line`, nested functions left out."""
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                 and n.lineno <= line <= (n.end_lineno or n.lineno)]
    if not functions:
        return range(line, line + 1)
    inner = max(functions, key=lambda n: n.lineno)
    return range(inner.lineno, (inner.end_lineno or inner.lineno) + 1)


def nested(tree: ast.Module, outer: range) -> set[int]:
    return {n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
            and f.lineno in outer and f.lineno != outer.start
            for n in range(f.lineno, (f.end_lineno or f.lineno) + 1)}


@pytest.fixture
def vulnerable_report(capsys: pytest.CaptureFixture[str]) -> dict:
    result = invoke(capsys, "code", str(VULNERABLE), "--format", "json", "-q")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    validate_report(report)
    return report


def test_the_vulnerable_twins_flaws_are_found(vulnerable_report: dict) -> None:
    found = {f["check"] for f in vulnerable_report["findings"]}
    assert {
        "code.flask-debug", "code.flask-hardcoded-secret", "code.dynamodb-expression-injection",
        "code.dynamodb-partiql-injection", "code.dynamodb-table-from-request",
        "code.raw-error-response", "code.cors-wildcard-credentials",
        "code.client-identity-header", "code.unbounded-scan",
    } <= found
    assert vulnerable_report["score"]["grade"] == "F"


def test_every_finding_sits_in_code_the_lab_marks_vulnerable(vulnerable_report: dict) -> None:
    text = VULNERABLE.read_text(encoding="utf-8")
    tree = ast.parse(text)
    marked = {n for n, line in enumerate(text.splitlines(), 1) if "# VULN" in line}
    for finding in vulnerable_report["findings"]:
        line = finding["location"]["line"]
        where = own_lines(tree, line)
        own = set(where) - nested(tree, where)
        assert own & marked, f"{finding['check']} at line {line}: no VULN marker there"


def test_the_hardened_twin_has_nothing_above_info(capsys: pytest.CaptureFixture[str]) -> None:
    hardened = [str(LAB / n) for n in ("hardened.py", "hardened_orders.py", "hardening.py")]
    result = invoke(capsys, "code", *hardened, "--format", "json", "--fail-under", "90")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    validate_report(report)
    assert [f for f in report["findings"] if f["severity"] != "info"] == []
    assert report["score"]["grade"] == "A"
    assert report["stats"]["endpoints"] >= 15  # the views were recognised as views


def test_in_the_whole_lab_only_the_vulnerable_twin_is_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = invoke(capsys, "code", str(LAB), "--format", "json", "-q")
    report = json.loads(result.out)
    validate_report(report)
    files = {Path(f["location"]["file"]).name for f in report["findings"]}
    assert files == {"vulnerable.py"}
