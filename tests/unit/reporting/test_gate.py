"""The CI gate of `middlebrick scan`: --fail-under, --fail-severity, --fail-on-new."""

from __future__ import annotations

import pytest

from middlebrick.baseline import compare
from middlebrick.cli.gate import Gate, gate_failures
from middlebrick.errors import UsageError
from middlebrick.models import Severity

from .samples import make_finding, make_result

KEPT = make_finding("demo.a", path="/kept")
FRESH_LOW = make_finding("demo.b", path="/fresh", severity=Severity.LOW)
FRESH_INFO = make_finding("demo.b", path="/info", severity=Severity.INFO)
PREVIOUS = {"findings": [KEPT.to_dict()]}


def gate_result(*findings, value=80):
    result = make_result(list(findings), value=value)
    return result, compare(PREVIOUS, result.findings, source="p")


def test_fail_under_still_gates_on_the_score():
    result, _ = gate_result(KEPT, value=69)
    assert gate_failures(result, Gate(fail_under=70), None) == [
        "score 69 is below --fail-under 70"]
    assert gate_failures(result, Gate(fail_under=69), None) == []


def test_fail_severity_alone_fails_on_any_finding_at_or_above_it():
    result, _ = gate_result(KEPT, FRESH_LOW, value=100)
    assert gate_failures(result, Gate(fail_severity=Severity.CRITICAL), None) == []
    (reason,) = gate_failures(result, Gate(fail_severity=Severity.HIGH), None)
    assert reason.startswith("1 finding at or above high: high demo.a at GET /kept")


def test_fail_on_new_counts_only_new_findings_above_info_by_default():
    result, baseline = gate_result(KEPT, FRESH_INFO)
    assert gate_failures(result, Gate(fail_on_new=True), baseline) == []
    result, baseline = gate_result(KEPT, FRESH_INFO, FRESH_LOW)
    (reason,) = gate_failures(result, Gate(fail_on_new=True), baseline)
    assert reason.startswith("1 new finding at or above low: low demo.b at GET /fresh")


def test_fail_on_new_with_a_severity_ignores_lesser_new_findings():
    result, baseline = gate_result(KEPT, FRESH_LOW)
    gate = Gate(fail_on_new=True, fail_severity=Severity.MEDIUM)
    assert gate_failures(result, gate, baseline) == []
    assert gate_failures(result, Gate(fail_severity=Severity.MEDIUM), baseline) != []


def test_every_failing_gate_is_reported():
    result, baseline = gate_result(KEPT, FRESH_LOW, value=10)
    reasons = gate_failures(result, Gate(fail_under=50, fail_on_new=True), baseline)
    assert len(reasons) == 2


def test_fail_on_new_needs_a_baseline():
    with pytest.raises(UsageError, match="--fail-on-new needs --baseline"):
        Gate(fail_on_new=True).validate(has_baseline=False)
    Gate(fail_on_new=True).validate(has_baseline=True)
