"""`middlebrick code PATH...`: the static check of Flask + DynamoDB source, reported like a scan."""

from __future__ import annotations

import sys

import click

from middlebrick.baseline import compare, read_baseline
from middlebrick.cli.common import split_list, stderr
from middlebrick.cli.gate import Gate, gate_failures
from middlebrick.cli.scancmd import CONTRACT_FORMATS, SEVERITIES, plan_outputs, write_reports
from middlebrick.models import Severity
from middlebrick.reporting import REPORTERS
from middlebrick.reporting.view import CheckInfo, annotate


@click.command()
@click.argument("paths", metavar="PATH...", nargs=-1, required=True)
@click.option("--format", "formats", multiple=True, type=click.Choice(CONTRACT_FORMATS),
              help="Report format (repeatable, one --output each, or --output-dir).")
@click.option("--output", "outputs", multiple=True, metavar="FILE", help="Where a report goes.")
@click.option("--output-dir", metavar="DIR", help="Write every format into this folder.")
@click.option("--fail-under", type=click.IntRange(0, 100), default=0, show_default=True,
              help="Exit 1 when the score is below this.")
@click.option("--fail-severity", type=click.Choice(SEVERITIES, case_sensitive=False),
              default=None, help="Exit 1 on any finding at or above this severity "
              "(with --fail-on-new: any new one).")
@click.option("--baseline", metavar="PREVIOUS.json",
              help="A previous JSON report of `middlebrick code`: mark findings new or existing.")
@click.option("--fail-on-new", is_flag=True,
              help="Exit 1 only on findings the --baseline did not have.")
@click.option("--checks", "include", metavar="LIST",
              help="Only these rule ids, id prefixes or categories.")
@click.option("--skip-checks", "exclude", metavar="LIST", help="Skip these rules.")
@click.option("--include-tests", is_flag=True,
              help="Also check test files and tests/ folders found while walking a folder.")
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
@click.option("--debug", is_flag=True, help="Re-raise a crashing rule with its traceback.")
def code(paths: tuple[str, ...], formats: tuple[str, ...], outputs: tuple[str, ...],
         output_dir: str | None, fail_under: int, fail_severity: str | None,
         baseline: str | None, fail_on_new: bool, include: str | None, exclude: str | None,
         include_tests: bool, quiet: bool, debug: bool) -> int:
    """Check Flask + DynamoDB source code (files or folders) without running it."""
    from middlebrick.code import analyze, select_rules

    destinations = plan_outputs(formats, outputs, output_dir)
    gate = Gate(fail_under=fail_under, fail_on_new=fail_on_new,
                fail_severity=Severity(fail_severity.lower()) if fail_severity else None)
    gate.validate(has_baseline=baseline is not None)
    previous = read_baseline(baseline) if baseline is not None else None
    rules = select_rules(split_list(include), split_list(exclude))
    catalog = [
        CheckInfo(id=r.id, title=r.title, category=r.category, severity=r.severity,
                  confidence=r.confidence, description=r.description,
                  remediation=r.remediation, cwe=f"CWE-{r.cwe}", owasp=r.owasp)
        for r in rules
    ]
    found = analyze(paths, rules=rules, include_tests=include_tests, debug=debug)
    comparison = None
    if baseline is not None and previous is not None:
        comparison = compare(previous, found.findings, source=baseline,
                             checks_run={r.id for r in rules})
    result = annotate(found, catalog=catalog, baseline=comparison)
    write_reports(result, destinations)
    if not quiet and not any(d.path is None and d.format == "text" for d in destinations):
        # As with scan: the summary goes wherever the report does not.
        to_stdout = all(d.path is not None for d in destinations)
        REPORTERS.get("text")(result, sys.stdout if to_stdout else sys.stderr)
    failures = gate_failures(result, gate, comparison)
    for reason in failures:
        stderr.print(f"gate failed: {reason}", style="red", markup=False)
    return 1 if failures else 0
