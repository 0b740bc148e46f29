"""`middlebrick scan` and `middlebrick checks`."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from middlebrick.baseline import compare, read_baseline
from middlebrick.cli.common import one_line, parse_headers, split_list, stderr
from middlebrick.cli.gate import Gate, gate_failures
from middlebrick.cli.progress import ScanProgress
from middlebrick.config import ScanConfig
from middlebrick.errors import UsageError
from middlebrick.http.client import ClientOptions
from middlebrick.models import ScanResult, Severity
from middlebrick.reporting import REPORTERS, load_builtin
from middlebrick.reporting.view import AnnotatedResult, CheckInfo, annotate

CONTRACT_FORMATS = ("text", "json", "sarif", "html", "markdown", "junit")
SEVERITIES = tuple(s.value for s in Severity)
EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "html": "html",
              "markdown": "md", "junit": "xml"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Destination:
    format: str
    path: Path | None  # None: standard output


def plan_outputs(
    formats: tuple[str, ...], outputs: tuple[str, ...], output_dir: str | None
) -> list[Destination]:
    """Pair each --format with its --output (or a file in --output-dir, or stdout)."""
    load_builtin()
    formats = formats or (("json",) if output_dir is None and outputs else ("text",))
    for fmt in formats:
        if fmt not in REPORTERS:
            raise UsageError(f"report format {fmt!r} is not available in this version")
    if output_dir is not None:
        if outputs:
            raise UsageError("use either --output or --output-dir, not both")
        folder = Path(output_dir)
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--output-dir {folder} is not a directory")
        _check_writable(folder / "middlebrick-report")
        return [Destination(format=f, path=folder / f"middlebrick-report.{EXTENSIONS[f]}")
                for f in formats]
    if outputs and len(outputs) != len(formats):
        raise UsageError("give one --output per --format (or use --output-dir)")
    if not outputs:
        if len(formats) > 1:
            raise UsageError("several formats need one --output each, or --output-dir")
        return [Destination(format=formats[0], path=None)]
    planned = [Destination(format=f, path=None if o == "-" else Path(o))
               for f, o in zip(formats, outputs, strict=True)]
    for dest in planned:
        _check_writable(dest.path)
    return planned


def _check_writable(path: Path | None) -> None:
    # Before the scan, not after it: a typo in --output must not cost a whole scan.
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"--output {path} is a directory")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"cannot write a report to {path}: it is read-only")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write a report into {path.parent}: {folder} is not writable")


def write_reports(result: ScanResult, destinations: list[Destination]) -> None:
    for dest in destinations:
        render = REPORTERS.get(dest.format)
        if dest.path is None:
            render(result, sys.stdout)
            continue
        try:
            dest.path.parent.mkdir(parents=True, exist_ok=True)
            with dest.path.open("w", encoding="utf-8") as out:
                render(result, out)
        except OSError as exc:
            raise UsageError(f"cannot write {dest.path}: {exc.strerror or exc}") from None


@click.command()
@click.argument("url")
@click.option("--openapi", metavar="PATH_OR_URL", help="The OpenAPI 2.0/3.0/3.1 document.")
@click.option("-H", "--header", "headers", multiple=True, metavar='"Name: value"',
              help="Sent with every request: the identity of user A (repeatable).")
@click.option("--user-b-header", "headers_b", multiple=True, metavar='"Name: value"',
              help="The identity of a second, unrelated user B (repeatable).")
@click.option("--format", "formats", multiple=True, type=click.Choice(CONTRACT_FORMATS),
              help="Report format (repeatable, one --output each, or --output-dir).")
@click.option("--output", "outputs", multiple=True, metavar="FILE",
              help="Where a report goes (- for standard output).")
@click.option("--output-dir", metavar="DIR", help="Write every format into this folder.")
@click.option("--fail-under", type=click.IntRange(0, 100), default=0, show_default=True,
              help="Exit 1 when the score is below this.")
@click.option("--fail-severity", type=click.Choice(SEVERITIES, case_sensitive=False),
              default=None, help="Exit 1 on any finding at or above this severity "
              "(with --fail-on-new: any new one).")
@click.option("--baseline", metavar="PREVIOUS.json",
              help="A previous JSON report: mark findings new or existing, list the fixed ones.")
@click.option("--fail-on-new", is_flag=True,
              help="Exit 1 only on findings the --baseline did not have (at or above "
              "--fail-severity, default: anything above info).")
@click.option("--checks", "include", metavar="LIST", help="Only these check ids or categories.")
@click.option("--skip-checks", "exclude", metavar="LIST", help="Skip these ids or categories.")
@click.option("--concurrency", type=click.IntRange(1, 512), default=16, show_default=True)
@click.option("--rate", type=click.FloatRange(min=0.1), default=None,
              help="Requests per second at most (default: no limit).")
@click.option("--max-requests", type=click.IntRange(min=1), default=None,
              help="Send at most this many requests in all.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds to wait for one response.")
@click.option("--deadline", type=click.FloatRange(min=1), default=600.0, show_default=True,
              help="Seconds the whole scan may take.")
@click.option("--read-only", is_flag=True, help="Only GET, HEAD and OPTIONS requests.")
@click.option("--allow-destructive", is_flag=True,
              help="Permit requests that may change or delete existing data.")
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates.")
@click.option("--cloud-metadata-probes", is_flag=True,
              help="Let SSRF probes aim at cloud metadata addresses (169.254.169.254, ...).")
@click.option("--rate-limit-burst", type=click.IntRange(5, 200), default=20, show_default=True,
              help="Requests in the bounded burst that tests rate limiting.")
@click.option("--no-history", is_flag=True, help="Do not record this scan in the history.")
@click.option("--db", envvar="MIDDLEBRICK_DB", metavar="PATH_OR_URL",
              help="History database (SQLite path or postgresql:// URL).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--debug", is_flag=True, help="Re-raise crashing checks with their traceback.")
def scan(url: str, openapi: str | None, headers: tuple[str, ...], headers_b: tuple[str, ...],
         formats: tuple[str, ...], outputs: tuple[str, ...], output_dir: str | None,
         fail_under: int, fail_severity: str | None, baseline: str | None, fail_on_new: bool,
         include: str | None, exclude: str | None, concurrency: int,
         rate: float | None, max_requests: int | None, timeout: float, deadline: float,
         read_only: bool, allow_destructive: bool, insecure: bool,
         cloud_metadata_probes: bool, rate_limit_burst: int, no_history: bool,
         db: str | None, quiet: bool, debug: bool) -> int:
    """Scan the API at URL and report what is wrong with it."""
    if read_only and allow_destructive:
        raise UsageError("--read-only and --allow-destructive contradict each other")
    destinations = plan_outputs(formats, outputs, output_dir)
    gate = Gate(fail_under=fail_under, fail_on_new=fail_on_new,
                fail_severity=Severity(fail_severity.lower()) if fail_severity else None)
    gate.validate(has_baseline=baseline is not None)
    previous = read_baseline(baseline) if baseline is not None else None
    config = ScanConfig(
        target=url,
        openapi=openapi,
        headers_a=parse_headers(headers, "--header"),
        headers_b=parse_headers(headers_b, "--user-b-header"),
        client=ClientOptions(concurrency=concurrency, rate=rate, max_requests=max_requests,
                             timeout=timeout, deadline=deadline, read_only=read_only,
                             allow_destructive=allow_destructive, verify_tls=not insecure),
        checks=split_list(include),
        skip_checks=split_list(exclude),
        debug=debug,
        cloud_metadata_probes=cloud_metadata_probes,
        rate_limit_burst=rate_limit_burst,
    )
    result = annotated(run_scan(config, quiet=quiet), config, baseline, previous)
    write_reports(result, destinations)
    if not no_history:
        remember(result, db=db)
    if not quiet and not any(d.path is None and d.format == "text" for d in destinations):
        # The summary goes wherever the report does not: stdout is kept clean for a piped report.
        to_stdout = all(d.path is not None for d in destinations)
        summary_console = sys.stdout if to_stdout else sys.stderr
        REPORTERS.get("text")(result, summary_console)
    failures = gate_failures(result, gate, result.baseline)
    for reason in failures:
        stderr.print(f"gate failed: {one_line(reason)}", style="red", markup=False)
    return 1 if failures else 0


def remember(result: ScanResult, *, db: str | None, source: str = "scan") -> None:
    """Record a scan in the history; a history problem never fails the scan."""
    from middlebrick.storage import HistoryUnavailable, record

    try:
        record(result, db=db, source=source)
    except Exception as exc:  # the reports are written; the history is a convenience
        reason = exc if isinstance(exc, HistoryUnavailable) else f"{type(exc).__name__}: {exc}"
        stderr.print(f"warning: not recorded in history: {one_line(reason)}", style="yellow",
                     markup=False)


def annotated(result: ScanResult, config: ScanConfig, baseline: str | None,
              previous: dict[str, Any] | None) -> AnnotatedResult:
    """The result with the checks that ran and, given a baseline, what is new and fixed."""
    from middlebrick.engine import select_checks

    catalog = [
        CheckInfo(id=c.id, title=c.title, category=c.category, severity=c.severity,
                  confidence=c.confidence, description=c.description,
                  remediation=c.remediation, cwe=c.cwe, owasp=c.owasp)
        for c in select_checks(config.checks, config.skip_checks)
    ]
    comparison = None
    if baseline is not None and previous is not None:
        comparison = compare(previous, result.findings, source=baseline,
                             checks_run={c.id for c in catalog})
    return annotate(result, catalog=catalog, baseline=comparison)


def run_scan(config: ScanConfig, *, quiet: bool = False) -> ScanResult:
    """Run one scan with a progress bar on stderr (when it is a terminal)."""
    from middlebrick.engine import scan as engine_scan

    with ScanProgress(enabled=not quiet and sys.stderr.isatty()) as progress:
        return asyncio.run(engine_scan(config, on_progress=progress.update))


@click.command()
def checks() -> None:
    """List every check: id, category, severity and title."""
    from middlebrick.checks import CHECKS

    table = Table(header_style="bold")
    for column in ("id", "category", "severity", "title"):
        table.add_column(column)
    for spec in sorted(CHECKS, key=lambda s: s.id):
        table.add_row(spec.id, spec.category.value, spec.severity.value, spec.title)
    Console(highlight=False).print(table)
