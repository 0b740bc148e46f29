"""The Markdown report: counts, top findings with their fix, baseline, and inert target text.

Rendered with markdown-it (CommonMark + GFM tables) to see what a reader would really get.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from markdown_it import MarkdownIt

from middlebrick.baseline import compare
from middlebrick.models import Severity
from middlebrick.reporting import REPORTERS
from middlebrick.reporting.markdown import TOP_FINDINGS, md
from middlebrick.reporting.view import annotate

from .samples import make_finding, make_result

RENDERER = MarkdownIt("commonmark").enable("table")


def markdown_of(result: Any) -> str:
    out = io.StringIO()
    REPORTERS.get("markdown")(result, out)
    return out.getvalue()


def findings_table(html: str) -> list[list[str]]:
    table = html.split("<h3>Top findings</h3>")[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]


def test_hostile_text_renders_as_inert_text(hostile):
    html = RENDERER.render(markdown_of(hostile))
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    assert tags <= {"h2", "h3", "p", "strong", "table", "thead", "tbody", "tr", "th", "td",
                    "br", "code", "ul", "li", "details", "summary"}, tags
    assert not re.search(r"<[a-z][^>]*\s(href|src|on[a-z]+)=", html)
    assert "&lt;script&gt;" in html or "&lt;img" in html
    assert "@acme" not in html  # the mention is broken by a zero-width space
    assert "@\u200bacme/admins" in html
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", markdown_of(hostile))


def test_pipes_in_target_text_do_not_break_the_table(hostile):
    rows = findings_table(RENDERER.render(markdown_of(hostile)))
    assert len(rows) == 1 + len(hostile.findings)
    assert {len(r) for r in rows} == {4}
    assert any("<code>a|b</code>" in cell for row in rows for cell in row)


def test_counts_by_severity_and_the_fix():
    findings = [make_finding(severity=Severity.CRITICAL, path="/a"),
                make_finding(severity=Severity.CRITICAL, path="/b"),
                make_finding("demo.low", severity=Severity.LOW, path="/c")]
    text = markdown_of(make_result(findings, value=30))
    assert text.startswith("## \u274c middlebrick: grade F (30/100)")
    counts = text.split("\n")[4:7]
    assert counts[0].count("|") == 6 and counts[2] == "| 2 | 0 | 0 | 1 | 0 |"
    rows = findings_table(RENDERER.render(text))
    assert "critical" in rows[1][0] and "low" in rows[-1][0]
    assert "<code>app.config['X']</code>" in rows[1][3]


def test_only_the_top_findings_are_listed():
    findings = [make_finding(path=f"/p{n}") for n in range(TOP_FINDINGS + 5)]
    text = markdown_of(make_result(findings))
    assert len(findings_table(RENDERER.render(text))) == TOP_FINDINGS + 1
    assert "and 5 more" in text


def test_baseline_shows_new_first_and_lists_fixed():
    kept = make_finding(severity=Severity.CRITICAL, path="/kept")
    fixed = make_finding(severity=Severity.HIGH, path="/fixed", title="Gone now")
    fresh = make_finding(severity=Severity.LOW, path="/fresh", title="Brand new")
    remark = make_finding(severity=Severity.INFO, path="/remark", title="Just a remark")
    previous = {"findings": [kept.to_dict(), fixed.to_dict()]}
    result = make_result([kept, fresh, remark])
    text = markdown_of(annotate(result, baseline=compare(previous, result.findings,
                                                        source="main.json")))
    assert "**2 new**, 1 existing, **1 fixed**" in text
    rows = findings_table(RENDERER.render(text))
    assert "new" in rows[1][0] and "Brand new" in rows[1][2]  # new first, despite severity
    assert rows[2][0] == "" and "critical" in rows[2][1]
    assert "new" in rows[3][0] and "Just a remark" in rows[3][2]  # but info stays last
    fixed_part = text.split("Fixed since the baseline")[1]
    assert "Gone now" in fixed_part and "GET /fixed" in fixed_part


def test_a_clean_scan():
    assert "No findings." in markdown_of(make_result([], value=100))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a | b", "a \\| b"),
        ("[x](http://e)", "\\[x\\]\\(http://e\\)"),
        ("<b>&amp;", "\\<b\\>&amp;amp;"),
        ("two\nlines\r\n", "two lines"),
        ("use `x|y` here", "use `x\\|y` here"),
        ("odd ` tick", "odd \\` tick"),
        ("ping @team", "ping @\u200bteam"),
    ],
)
def test_md_escapes(raw, expected):
    assert md(raw) == expected


def test_md_cuts_long_text():
    assert md("x" * 50, limit=10) == "x" * 9 + "\u2026"
