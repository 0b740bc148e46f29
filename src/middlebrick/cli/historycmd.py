"""`middlebrick history`: past scans, their scores and what changed, in the terminal."""

from __future__ import annotations

import json
import sys

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from middlebrick.models import Severity
from middlebrick.reporting.text import GRADE_STYLE, SEVERITY_STYLE, safe
from middlebrick.storage import History, ScanSummary

SEVERITIES = ("critical", "high", "medium", "low")
SHORT = {"critical": "crit", "high": "high", "medium": "med", "low": "low"}


@click.command()
@click.argument("target", required=False)
@click.option("--db", metavar="PATH_OR_URL", envvar="MIDDLEBRICK_DB",
              help="History database: a SQLite path or a postgresql:// URL "
              "(default: $MIDDLEBRICK_DB, else the user's data directory).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="Show at most this many scans, newest first.")
def history(target: str | None, db: str | None, fmt: str, limit: int) -> None:
    """Past scans (of TARGET, or of every target): scores, grades, new and fixed findings."""
    with History.open(db) as store:
        wanted = _normalise(target) if target else None
        scans = store.scans(wanted, limit=limit)
        changes = store.change_counts(scans)
        known = [t.target for t in store.targets()] if wanted and not scans else []
        where = store.display_url
    if fmt == "json":
        rows = [{**s.to_dict(), "new": c[0] if c else None, "fixed": c[1] if c else None}
                for s in scans for c in [changes[s.id]]]
        json.dump({"database": where, "target": wanted, "scans": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    out = Console(highlight=False, soft_wrap=False)
    if not out.is_terminal:
        out.width = 140  # logs and pipes: wide enough for a URL per row
    if not scans:
        what = f"of {safe(wanted)} " if wanted else ""
        out.print(Text(f"No scans {what}recorded in {where}."))
        if known:
            out.print(Text("Known targets: " + ", ".join(safe(t) for t in known[:10]), style="dim"))
        return
    by_target: dict[str, list[ScanSummary]] = {}
    for s in scans:  # newest first, so targets come in order of their latest scan
        by_target.setdefault(s.target, []).append(s)
    for name, of_target in by_target.items():
        out.print(_table(of_target, changes, title=safe(name)))
    out.print(Text(f"history: {where}", style="dim"))


def _table(scans: list[ScanSummary], changes: dict[int, tuple[int, int] | None], *,
           title: str) -> Table:
    table = Table(title=title, header_style="bold", title_justify="left", title_style="bold",
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("scan", justify="right", no_wrap=True)
    table.add_column("started (UTC)", no_wrap=True)
    table.add_column("grade", justify="center", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    for severity in SEVERITIES:
        table.add_column(SHORT[severity], justify="right", no_wrap=True)
    table.add_column("new", justify="right", no_wrap=True)
    table.add_column("fixed", justify="right", no_wrap=True)
    for s in scans:
        change = changes.get(s.id)
        row: list[Text] = [Text(f"#{s.id}"), Text(s.started_at[:16].replace("T", " "))]
        row += [Text(safe(s.grade), style=GRADE_STYLE.get(s.grade, "bold")), Text(str(s.score))]
        for severity in SEVERITIES:
            n = s.counts.get(severity, 0)
            row.append(Text(str(n), style=SEVERITY_STYLE[Severity(severity)] if n else "dim"))
        if change is None:
            row += [Text("first", style="dim"), Text("-", style="dim")]
        else:
            new, fixed = change
            row += [Text(f"+{new}" if new else "0", style="red" if new else "dim"),
                    Text(str(fixed), style="green" if fixed else "dim")]
        table.add_row(*row)
    return table


def _normalise(target: str) -> str:
    """The target as `scan` stores it (trailing slash dropped), when it is a URL."""
    from middlebrick.engine import validate_target
    from middlebrick.errors import UsageError

    try:
        return validate_target(target)
    except UsageError:
        return target
