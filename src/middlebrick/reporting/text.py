"""The terminal report: grade, score, findings by severity, top findings with their fix.

Everything that came from the target is passed as plain `Text` (never markup) after control
characters are stripped, so a hostile server cannot drive the user's terminal.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import IO

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from middlebrick.models import ScanResult, Severity
from middlebrick.reporting import reporter
from middlebrick.reporting.view import where

TOP_FINDINGS = 10
# Whole CSI sequences first, then any C0/C1 control left and the bidi overrides that make a
# terminal show text reordered.
_CONTROL = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "red", "F": "bold red"}


def safe(text: object) -> str:
    """Strip terminal control sequences from text a target may have sent."""
    return _CONTROL.sub("", str(text))


def short_fix(remediation: str, limit: int = 220) -> str:
    """The first sentence of a remediation: the table shows it, the full text is in the report."""
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z`(])", remediation)
    first = remediation[: match.start()] if match else remediation
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


@reporter("text")
def render(result: ScanResult, out: IO[str]) -> None:
    console = Console(file=out, highlight=False, soft_wrap=True, width=110)
    score = result.score
    head = Text.assemble(
        ("middlebrick ", "bold"),
        (safe(result.target), "bold"),
        "\n",
        ("Grade ", ""),
        (score.grade, GRADE_STYLE.get(score.grade, "bold")),
        f"   Score {score.value}/100   ",
        f"{result.stats.requests} requests, {result.stats.endpoints} endpoints, "
        f"{result.stats.checks_run} checks, {result.duration_s:.1f}s",
    )
    counts = Counter(f.severity for f in result.findings)
    by_sev = Text("  ".join(f"{s.value}: {counts.get(s, 0)}" for s in Severity))
    console.print(Panel(Group(head, by_sev), expand=False))

    if score.categories:
        cats = Table(title="Categories", show_header=True, header_style="bold", box=None)
        cats.add_column("category")
        cats.add_column("score", justify="right")
        for name, value in sorted(score.categories.items(), key=lambda kv: kv[1]):
            cats.add_row(name, str(value))
        console.print(cats)

    if result.findings:
        table = Table(title="Top findings", header_style="bold", show_lines=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("finding")
        table.add_column("fix")
        for f in result.findings[:TOP_FINDINGS]:
            title = Text(safe(f.title), style="bold")
            title.append("\n" + safe(where(f)), style="dim")
            title.append(f"\n{f.check}", style="dim")
            table.add_row(
                Text(f.severity.value, style=SEVERITY_STYLE[f.severity]),
                title,
                Text(safe(short_fix(f.remediation))),
            )
        console.print(table)
        if len(result.findings) > TOP_FINDINGS:
            console.print(
                Text(f"... and {len(result.findings) - TOP_FINDINGS} more (see --format json)")
            )
    else:
        console.print(Text("No findings.", style="green"))

    for note in result.notes:
        console.print(Text("note: " + safe(note), style="yellow"))
    for error in result.errors:
        console.print(Text(f"check {error.check} crashed: {safe(error.error)}", style="red"))
