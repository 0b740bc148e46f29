"""`middlebrick lab` and `middlebrick demo`: the bundled Flask + DynamoDB twins."""

from __future__ import annotations

import asyncio
import signal
import threading
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from middlebrick.cli.common import stderr
from middlebrick.cli.scancmd import remember
from middlebrick.config import ScanConfig
from middlebrick.http.client import ClientOptions
from middlebrick.models import ScanResult, Severity
from middlebrick.reporting import REPORTERS, load_builtin
from middlebrick.reporting.text import GRADE_STYLE, SEVERITY_STYLE, safe, short_fix

BACKENDS = click.Choice(["auto", "dynamodb-local", "moto"])


@click.command()
@click.option("--port-base", type=click.IntRange(1024, 65000), default=None,
              help="DynamoDB on N, the twins on N+1 and N+2 (default: free ports).")
@click.option("--dynamodb-endpoint", metavar="URL", help="Use this DynamoDB server instead.")
@click.option("--backend", type=BACKENDS, default="auto", show_default=True)
def lab(port_base: int | None, dynamodb_endpoint: str | None, backend: str) -> None:
    """Start the vulnerable and hardened Flask + DynamoDB twins on loopback until Ctrl-C."""
    from middlebrick.lab import start_lab

    out = Console(highlight=False, soft_wrap=True)  # tokens must stay on one line to copy
    with start_lab(port_base=port_base, dynamodb_endpoint=dynamodb_endpoint,
                   backend=backend) as running:
        if running.backend_note:
            stderr.print(f"note: {running.backend_note}", markup=False, style="yellow")
        out.print(Text(f"DynamoDB ({running.backend}): {running.dynamodb_endpoint}"))
        for twin in (running.vulnerable, running.hardened):
            out.print(Text(f"\n{twin.name} twin: {twin.url}", style="bold"))
            out.print(Text(f"  OpenAPI: {twin.openapi_url}"))
            for user, token in twin.tokens.items():
                out.print(Text(f"  {user}: -H \"Authorization: Bearer {token}\""))
        out.print(Text("\nPress Ctrl-C to stop.", style="dim"))
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.wait(0.5):
            pass
    out.print(Text("lab stopped", style="dim"))


@click.command()
@click.option("--output-dir", default="middlebrick-reports", show_default=True,
              help="Where the demo writes its reports.")
@click.option("--backend", type=BACKENDS, default="auto", show_default=True)
@click.option("--dynamodb-endpoint", metavar="URL", help="Use this DynamoDB server instead.")
@click.option("--no-history", is_flag=True, help="Do not record the two scans in the history.")
@click.option("--db", envvar="MIDDLEBRICK_DB", metavar="PATH_OR_URL",
              help="History database (SQLite path or postgresql:// URL).")
def demo(output_dir: str, backend: str, dynamodb_endpoint: str | None, no_history: bool,
         db: str | None) -> None:
    """The whole story: lab up, scan both twins as two users, compare, write reports."""
    from middlebrick.engine import scan as engine_scan
    from middlebrick.lab import start_lab

    out = Console(highlight=False)
    if not out.is_terminal:
        out.width = 120  # logs and CI: wide enough that the fixes stay readable
    with stderr.status("starting the lab (DynamoDB + two Flask twins)..."):
        running = start_lab(dynamodb_endpoint=dynamodb_endpoint, backend=backend)
        running.__enter__()
    try:
        if running.backend_note:
            stderr.print(f"note: {running.backend_note}", markup=False, style="yellow")
        configs = [
            ScanConfig(
                target=twin.url,
                openapi=twin.openapi_url,
                headers_a=_header(twin.auth_header("alice")),
                headers_b=_header(twin.auth_header("bob")),
                client=ClientOptions(concurrency=16, timeout=10.0, deadline=90.0),
            )
            for twin in (running.vulnerable, running.hardened)
        ]

        async def both() -> list[ScanResult]:
            return list(await asyncio.gather(*(engine_scan(c) for c in configs)))

        with stderr.status("scanning both twins as alice and bob..."):
            vulnerable, hardened = asyncio.run(both())
    finally:
        running.__exit__(None, None, None)
    _print_comparison(out, vulnerable, hardened)
    written = _write_reports(Path(output_dir), {"vulnerable": vulnerable, "hardened": hardened})
    out.print(Text(f"\nReports: {', '.join(str(p) for p in written)}", style="dim"))
    if not no_history:
        for result in (vulnerable, hardened):
            remember(result, db=db, source="demo")
        out.print(Text("Recorded in the history: `middlebrick history`, `middlebrick dashboard`",
                       style="dim"))


def _header(line: str) -> dict[str, str]:
    name, _, value = line.partition(":")
    return {name.strip(): value.strip()}


def _print_comparison(out: Console, vulnerable: ScanResult, hardened: ScanResult) -> None:
    table = Table(title="middlebrick demo: the same API, twice", header_style="bold")
    table.add_column("")
    table.add_column("vulnerable twin", justify="center")
    table.add_column("hardened twin", justify="center")
    table.add_row(
        "grade",
        Text(vulnerable.score.grade, style=GRADE_STYLE[vulnerable.score.grade]),
        Text(hardened.score.grade, style=GRADE_STYLE[hardened.score.grade]),
    )
    table.add_row("score", f"{vulnerable.score.value}/100", f"{hardened.score.value}/100")
    for sev in Severity:
        table.add_row(
            sev.value,
            str(sum(f.severity is sev for f in vulnerable.findings)),
            str(sum(f.severity is sev for f in hardened.findings)),
        )
    table.add_row("requests", str(vulnerable.stats.requests), str(hardened.stats.requests))
    out.print(table)
    top = Table(title="Top findings on the vulnerable twin, and the fix", show_lines=True,
                header_style="bold")
    top.add_column("severity", no_wrap=True)
    top.add_column("finding")
    top.add_column("fix")
    for f in vulnerable.findings[:10]:
        where = f"{f.endpoint.method} {f.endpoint.path}" if f.endpoint else "(service)"
        top.add_row(Text(f.severity.value, style=SEVERITY_STYLE[f.severity]),
                    Text(safe(f"{f.title}\n{where}")), Text(safe(short_fix(f.remediation))))
    out.print(top)


def _write_reports(folder: Path, results: dict[str, ScanResult]) -> list[Path]:
    load_builtin()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, result in results.items():
        for fmt, ext in (("json", "json"), ("html", "html")):
            if fmt not in REPORTERS:
                continue  # HTML arrives with the reports issue
            path = folder / f"{name}.{ext}"
            with path.open("w", encoding="utf-8") as handle:
                REPORTERS.get(fmt)(result, handle)
            written.append(path)
    return written
