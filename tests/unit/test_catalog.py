"""Every check is complete: id, title, remediation, OWASP/CWE where they apply, and a test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import middlebrick
from middlebrick.checks import CHECKS
from middlebrick.models import Category

TESTS = Path(__file__).resolve().parents[1]
ALL_TEST_TEXT = "\n".join(
    p.read_text(encoding="utf-8") for p in TESTS.rglob("test_*.py") if p.name != "test_catalog.py"
)


def test_public_api_is_exactly_all():
    for name in middlebrick.__all__:
        assert getattr(middlebrick, name) is not None
    assert sorted(middlebrick.__all__) == sorted(
        ["Category", "CheckContext", "Confidence", "Finding", "ScanConfig", "ScanResult",
         "Score", "Severity", "__version__", "check", "scan"]
    )


def test_there_are_checks():
    assert len(CHECKS) >= 5


@pytest.mark.parametrize("spec", list(CHECKS), ids=lambda s: s.id)
def test_check_is_complete(spec):
    assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", spec.id)
    assert spec.title.strip() == spec.title and len(spec.title) > 10
    assert len(spec.remediation) >= 30, "a remediation must say concretely what to change"
    assert spec.cwe is None or re.fullmatch(r"CWE-\d+", spec.cwe)
    if spec.category is not Category.SPEC:
        assert spec.owasp and re.fullmatch(r"API(10|[1-9]):2023", spec.owasp)
    assert spec.id in ALL_TEST_TEXT, f"no test mentions {spec.id}"
