"""Every static rule against the fixtures: the lines marked `# expect: RULE` are reported (with
the severity after `=`, when given), and nothing else is; `# ok: RULE` marks the look-alikes
that must stay quiet. Fixtures are parsed, never imported."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tokenize
from pathlib import Path

import pytest

from middlebrick.code import CODE_RULES, check_source
from middlebrick.models import Category

FIXTURES = Path(__file__).parent / "fixtures"
MARK = re.compile(r"#\s*(expect|ok):\s*(.+)$")
Key = tuple[str, int]


def key_shaped() -> dict[str, str]:
    """A key id and a secret shaped like AWS's, derived here so none is committed."""
    key_id = "AKIA" + base64.b32encode(hashlib.sha256(b"mb-code-id").digest()).decode()[:16]
    secret = base64.b64encode(hashlib.sha256(b"mb-code-secret").digest()).decode()[:40]
    return {"<<AWS_KEY_ID>>": key_id, "<<AWS_SECRET>>": secret}


def fixture_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    for placeholder, value in key_shaped().items():
        text = text.replace(placeholder, value)
    return text


def markers(text: str) -> tuple[dict[Key, str | None], set[Key]]:
    """(rule, line) → expected severity (or None), and the (rule, line) pairs marked ok."""
    expected: dict[Key, str | None] = {}
    quiet: set[Key] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        match = MARK.search(token.string) if token.type == tokenize.COMMENT else None
        if match is None:
            continue
        for item in match.group(2).split(","):
            rule, _, severity = item.strip().partition("=")
            assert rule in CODE_RULES, f"line {token.start[0]}: unknown rule {rule!r}"
            if match.group(1) == "expect":
                expected[(rule, token.start[0])] = severity or None
            else:
                quiet.add((rule, token.start[0]))
    return expected, quiet


FIXTURE_FILES = sorted(FIXTURES.glob("*.py"))


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: p.stem)
def test_fixture_reports_exactly_its_expected_lines(fixture: Path) -> None:
    text = fixture_text(fixture)
    expected, quiet = markers(text)
    found = {(f.check, f.location.line): f for f in check_source(text, path=fixture.name)
             if f.location is not None and f.location.line is not None}
    missed = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    assert not missed and not extra, f"missed: {missed}\nunexpected: {extra}"
    assert not quiet & set(found)
    for key, severity in expected.items():
        if severity:
            assert found[key].severity.value == severity, f"{key}: {found[key].severity.value}"


def test_every_rule_has_positive_and_look_alike_fixtures() -> None:
    expected: set[str] = set()
    quiet: set[str] = set()
    for fixture in FIXTURE_FILES:
        shown, ok = markers(fixture_text(fixture))
        expected |= {rule for rule, _ in shown}
        quiet |= {rule for rule, _ in ok}
    assert expected == set(CODE_RULES.names())
    assert quiet == set(CODE_RULES.names())


@pytest.mark.parametrize("rule", list(CODE_RULES), ids=lambda r: r.id)
def test_rule_is_complete(rule) -> None:
    assert re.fullmatch(r"code\.[a-z0-9-]+", rule.id)
    assert rule.title.strip() == rule.title and len(rule.title) > 10
    assert len(rule.description) > 80, "the description says why it matters"
    assert len(rule.remediation) >= 80 and "`" in rule.remediation, "a concrete, code-level fix"
    assert rule.category is not Category.SPEC and rule.owasp
    assert rule.cwe > 0


def test_findings_are_located_by_file_and_line_with_no_endpoint() -> None:
    text = fixture_text(FIXTURES / "flask_debug_factory.py")
    for finding in check_source(text, path="app/factory.py"):
        assert finding.endpoint is None and finding.evidence == ()
        assert finding.location is not None
        assert finding.location.to_dict() == {
            "file": "app/factory.py", "pointer": "", "line": finding.location.line}
        assert f"app/factory.py line {finding.location.line}" in finding.description
        assert finding.cwe == "CWE-489" and finding.owasp == "API8:2023"


def test_ids_survive_unrelated_edits_and_tell_findings_apart() -> None:
    text = fixture_text(FIXTURES / "dynamodb_table.py")
    before = check_source(text, path="api.py")
    shifted = check_source("import logging\n\n\n" + text, path="api.py")
    assert [f.id for f in before] == [f.id for f in shifted]
    assert [f.location.line + 3 for f in before if f.location and f.location.line] == [
        f.location.line for f in shifted if f.location]
    assert len({f.id for f in before}) == len(before)
    assert {f.id for f in check_source(text, path="other.py")}.isdisjoint(f.id for f in before)


def test_a_secret_is_masked_in_the_message() -> None:
    secrets = key_shaped()
    text = fixture_text(FIXTURES / "aws_credentials.py")
    messages = " ".join(f.description for f in check_source(text, path="aws.py"))
    assert "[masked 40 chars]" in messages and "[masked 20 chars]" in messages
    assert all(value not in messages for value in secrets.values())
    weak = check_source('app.secret_key = "keyboard cat"\n', path="app.py")
    assert weak and "keyboard cat" not in weak[0].description


def test_a_crashing_rule_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    from middlebrick.code import CODE_RULES, analyze, code_rule
    from middlebrick.models import Severity

    @code_rule("code.test-crash", category=Category.MISCONFIGURATION, severity=Severity.LOW,
               cwe=1, remediation="Nothing to change: this rule exists to crash in a test.")
    def crash(ctx):  # type: ignore[no-untyped-def]
        """A rule that always crashes, for this test"""
        raise RuntimeError("boom")

    (tmp_path / "app.py").write_text('app.secret_key = "dev"\n', encoding="utf-8")
    try:
        result = analyze([tmp_path])
        assert [(e.check, e.error.endswith("RuntimeError: boom")) for e in result.errors] == [
            ("code.test-crash", True)]
        assert [f.check for f in result.findings] == ["code.flask-hardcoded-secret"]
        with pytest.raises(RuntimeError):
            analyze([tmp_path], debug=True)
    finally:
        CODE_RULES.unregister("code.test-crash")
