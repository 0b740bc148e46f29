"""The HTML report: self-contained, escaped, and showing grade, categories, findings, coverage."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any

from middlebrick.baseline import compare
from middlebrick.models import Severity
from middlebrick.reporting import REPORTERS
from middlebrick.reporting.html import prose
from middlebrick.reporting.view import annotate

from .samples import COVERAGE, IMG, SCRIPT, make_finding, make_result

CSP = "default-src 'none'; style-src 'unsafe-inline'"


class Elements(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def html_of(result: Any) -> str:
    out = io.StringIO()
    REPORTERS.get("html")(result, out)
    return out.getvalue()


def elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    return parser.tags


def test_target_content_is_escaped_and_no_element_can_run_code(hostile):
    page = html_of(hostile)
    tags = elements(page)
    names = {t for t, _ in tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "link", "base", "form"}
    assert not any(k.startswith("on") for _, attrs in tags for k in attrs)
    assert "&lt;script&gt;window.__pwned" in page
    assert "&lt;img src=x onerror=" in page
    assert SCRIPT not in page and IMG not in page


def test_the_page_is_self_contained_with_a_strict_csp(hostile):
    page = html_of(hostile)
    metas = [a for t, a in elements(page) if t == "meta"]
    assert {"http-equiv": "Content-Security-Policy", "content": CSP} in metas
    # the CSP comes before anything it must govern
    assert page.index("Content-Security-Policy") < page.index("<style>")
    for _, attrs in elements(page):
        for key in ("src", "href", "action", "srcset", "data"):
            assert key not in attrs, attrs
    assert not re.search(r"url\(|@import", page.split("</style>")[0])


def test_grade_score_counts_categories_and_fix_are_shown():
    findings = [make_finding(severity=Severity.CRITICAL, path="/a"),
                make_finding("demo.low", severity=Severity.LOW, path="/b")]
    page = html_of(make_result(findings, coverage=COVERAGE, value=42))
    assert re.search(r'id="grade"[^>]*>F<', page)
    assert re.search(r'id="score"><strong>42</strong>/100', page)
    assert 'class="sev sev-critical"><span class="n">1</span> critical' in page
    assert 'class="sev sev-info"><span class="n">0</span> info' in page
    assert 'style="width: 40%"' in page  # the category bar
    assert page.index("sev-critical\">critical</span> 1") < page.index("sev-low\">low</span> 1")
    assert "<code>app.config[&#39;X&#39;]</code>" in page  # the fix, code spans kept
    assert "2 of 3 operations exercised" in page


def test_baseline_section_lists_new_and_fixed():
    kept, fixed, fresh = (make_finding(path=p) for p in ("/kept", "/fixed", "/fresh"))
    previous = {"findings": [kept.to_dict(), fixed.to_dict()]}
    result = make_result([kept, fresh])
    page = html_of(annotate(result, baseline=compare(previous, result.findings, source="old")))
    section = page.split('id="baseline"')[1].split("</section>")[0]
    assert "<strong>1</strong> new, 1 existing" in section
    assert "<code>GET /fixed</code>" in section
    assert page.count('class="tag new"') == 1


def test_a_scan_without_findings_says_so():
    page = html_of(make_result([], value=100))
    assert "No findings." in page and 'id="grade"' in page


def test_prose_escapes_everything_but_keeps_code_spans():
    assert str(prose("use `a<b>` not <i>x</i>")) == (
        "use <code>a&lt;b&gt;</code> not &lt;i&gt;x&lt;/i&gt;"
    )
    assert str(prose("unbalanced ` <script>")) == "unbalanced ` &lt;script&gt;"
