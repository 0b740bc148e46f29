"""The Markdown report: short enough for a pull-request comment or a CI job summary.

Titles, paths and notes can carry text the target chose, and a PR comment is rendered by
GitHub: every such value goes through `md()`, so it cannot open a link, load an image, add
HTML, break the table or mention anyone.
"""

from __future__ import annotations

import re
from typing import IO

from middlebrick.models import Finding, ScanResult, Severity
from middlebrick.reporting import reporter
from middlebrick.reporting.text import safe
from middlebrick.reporting.view import baseline_of, severity_counts, where

TOP_FINDINGS = 20
CELL_LIMIT = 400  # characters of a fix shown in the table
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_CODE = re.compile(r"`([^`]+)`")
_SEVERITY_MARK = {
    "critical": "\U0001f7e5",  # red square
    "high": "\U0001f7e7",  # orange square
    "medium": "\U0001f7e8",  # yellow square
    "low": "\U0001f7e6",  # blue square
    "info": "\u2b1c",  # white square
}
GRADE_MARK = {"A": "\u2705", "B": "\u2705", "C": "\u26a0\ufe0f", "D": "\u274c", "F": "\u274c"}


def md(text: object, *, limit: int | None = None, cell: bool = True) -> str:
    """One line of inert Markdown: no markup, links, HTML, table breaks or mentions.

    `code` spans in the text stay code spans (nothing inside one is markup); in a table
    `cell`, a pipe inside one is escaped the way GFM tables want.
    """
    flat = " ".join(safe(text).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "\u2026"
    parts: list[str] = []
    pos = 0
    for span in _CODE.finditer(flat):
        parts.append(_plain(flat[pos : span.start()]))
        code = span.group(1)
        parts.append("`" + (code.replace("|", "\\|") if cell else code) + "`")
        pos = span.end()
    parts.append(_plain(flat[pos:]))
    return "".join(parts)


def _plain(text: str) -> str:
    text = _SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))
    # A zero-width space after @ keeps "@org/team" from notifying anyone.
    return text.replace("@", "@\u200b")


@reporter("markdown")
def render(result: ScanResult, out: IO[str]) -> None:
    out.write("\n".join(lines(result)).rstrip("\n") + "\n")


def lines(result: ScanResult) -> list[str]:
    """The report, line by line."""
    score, stats = result.score, result.stats
    baseline = baseline_of(result)
    text = [
        f"## {GRADE_MARK.get(score.grade, '')} middlebrick: grade {score.grade} "
        f"({score.value}/100)",
        "",
        f"**Target:** {md(result.target, cell=False)} \u00b7 {stats.requests} requests \u00b7 "
        f"{stats.endpoints} endpoints \u00b7 {stats.checks_run} checks \u00b7 "
        f"{result.duration_s:.1f} s",
        "",
    ]
    counts = severity_counts(result.findings)
    text += [
        "| " + " | ".join(f"{_SEVERITY_MARK[s.value]} {s.value}" for s in counts) + " |",
        "|" + "---:|" * len(counts),
        "| " + " | ".join(str(n) for n in counts.values()) + " |",
        "",
    ]
    if baseline is not None:
        line = (
            f"**Compared with the baseline** ({md(baseline.source, cell=False)}): "
            f"**{baseline.new} new**, {baseline.existing} existing, "
            f"**{len(baseline.fixed)} fixed**"
        )
        if baseline.unchecked:
            line += f", {len(baseline.unchecked)} not re-checked (their check did not run)"
        text += [line + ".", ""]
    text += _findings_table(result)
    if baseline is not None and baseline.fixed:
        text += [
            f"<details><summary>Fixed since the baseline ({len(baseline.fixed)})</summary>",
            "",
            "| Severity | Finding | Where |",
            "|---|---|---|",
        ]
        for p in baseline.fixed[:TOP_FINDINGS]:
            shown = f"{p.method} {p.path}" if p.method and p.path else "service"
            text.append(f"| {md(p.severity)} | {md(p.title)} | {md(shown)} |")
        if len(baseline.fixed) > TOP_FINDINGS:
            text.append(f"| | \u2026 and {len(baseline.fixed) - TOP_FINDINGS} more | |")
        text += ["", "</details>", ""]
    if result.score.categories:
        worst = sorted(result.score.categories.items(), key=lambda kv: kv[1])
        shown = ", ".join(f"{md(name)} {value}" for name, value in worst)
        text += [f"**Categories:** {shown}", ""]
    extra = [md(n, cell=False) for n in result.notes] + [
        f"check {md(e.check)} crashed: {md(e.error, limit=200, cell=False)}"
        for e in result.errors
    ]
    if extra:
        text += ["<details><summary>Notes</summary>", ""]
        text += [f"- {n}" for n in extra]
        text += ["", "</details>", ""]
    return text


def _findings_table(result: ScanResult) -> list[str]:
    if not result.findings:
        return ["No findings. \u2705", ""]
    baseline = baseline_of(result)

    def order(f: Finding) -> tuple[bool, int]:
        # New findings lead (what this change brought), but never an observation (info).
        fresh = baseline is not None and baseline.status_of(f.id) == "new"
        return (not (fresh and f.severity is not Severity.INFO), -f.severity.rank)

    shown = sorted(result.findings, key=order)[:TOP_FINDINGS]
    head = "| Severity | Finding | Where | Fix |"
    if baseline is not None:
        head = "| " + head
    text = ["### Top findings", "", head, "|---" * head.count("|", 1) + "|"]
    for f in shown:
        cells = [
            f"{_SEVERITY_MARK[f.severity.value]} {f.severity.value}",
            f"**{md(f.title)}**<br>{md(f.check)}",
            md(where(f)),
            md(f.remediation, limit=CELL_LIMIT),
        ]
        if baseline is not None:
            cells.insert(0, "\U0001f195 new" if baseline.status_of(f.id) == "new" else "")
        text.append("| " + " | ".join(cells) + " |")
    if len(result.findings) > TOP_FINDINGS:
        text.append("")
        text.append(
            f"\u2026 and {len(result.findings) - TOP_FINDINGS} more: see the full report."
        )
    return text + [""]


__all__ = ["lines", "md", "render"]
