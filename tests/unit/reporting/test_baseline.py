"""Baselines: new / existing / fixed / unchecked, read from a previous JSON report."""

from __future__ import annotations

import io
import json

import pytest

from middlebrick.baseline import compare, read_baseline
from middlebrick.errors import UsageError
from middlebrick.models import Severity
from middlebrick.reporting import REPORTERS
from middlebrick.reporting.view import annotate

from .samples import make_finding, make_result
from support.schema import validate_report

KEPT = make_finding("demo.a", path="/kept")
FIXED = make_finding("demo.a", path="/fixed", severity=Severity.CRITICAL)
UNCHECKED = make_finding("demo.skipped", path="/kept")
FRESH_LOW = make_finding("demo.b", path="/fresh", severity=Severity.LOW)
PREVIOUS = {"findings": [f.to_dict() for f in (KEPT, FIXED, UNCHECKED)]}


def test_compare_marks_new_existing_fixed_and_unchecked():
    baseline = compare(PREVIOUS, [KEPT, FRESH_LOW], source="prev.json",
                       checks_run={"demo.a", "demo.b"})
    assert baseline.status == {KEPT.id: "existing", FRESH_LOW.id: "new"}
    assert (baseline.new, baseline.existing) == (1, 1)
    assert [p.id for p in baseline.fixed] == [FIXED.id]
    assert [p.id for p in baseline.unchecked] == [UNCHECKED.id]
    assert baseline.to_dict()["fixed"] == [{
        "id": FIXED.id, "check": "demo.a", "severity": "critical", "title": FIXED.title,
        "endpoint": {"method": "GET", "path": "/fixed"},
    }]


def test_without_the_checks_run_everything_gone_counts_as_fixed():
    baseline = compare(PREVIOUS, [], source="p")
    assert {p.id for p in baseline.fixed} == {KEPT.id, FIXED.id, UNCHECKED.id}


def test_the_json_report_carries_the_baseline_and_still_validates():
    result = make_result([KEPT, FRESH_LOW])
    annotated = annotate(result, baseline=compare(PREVIOUS, result.findings, source="p"))
    out = io.StringIO()
    REPORTERS.get("json")(annotated, out)
    report = json.loads(out.getvalue())
    validate_report(report)
    assert {f["id"]: f["baseline"] for f in report["findings"]} == {
        KEPT.id: "existing", FRESH_LOW.id: "new"}
    assert report["baseline"]["new"] == 1 and report["baseline"]["source"] == "p"
    plain = json.loads(json.dumps(result.to_dict()))
    assert "baseline" not in plain and "baseline" not in plain["findings"][0]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "cannot read it"),
        ("{not json", "invalid JSON at line 1"),
        ("[1, 2]", "no findings list"),
        ('{"findings": [{"id": 7}]}', "finding 0 has no string id and check"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_a_bad_baseline_file_is_one_clear_usage_error(tmp_path, content, reason):
    path = tmp_path / "prev.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(UsageError) as caught:
        read_baseline(str(path))
    message = str(caught.value)
    assert reason in message and str(path) in message and "\n" not in message


def test_a_good_baseline_file_is_read(tmp_path):
    path = tmp_path / "prev.json"
    path.write_text(json.dumps(PREVIOUS))
    assert read_baseline(str(path)) == PREVIOUS
