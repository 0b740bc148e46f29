"""`middlebrick audit SPEC`: the offline spec audit, reported like a scan (no traffic)."""

from __future__ import annotations

import sys
from urllib.parse import urldefrag

import click

from middlebrick.cli.common import split_list
from middlebrick.cli.scancmd import CONTRACT_FORMATS, plan_outputs, write_reports
from middlebrick.reporting import REPORTERS


@click.command()
@click.argument("source", metavar="SPEC")
@click.option("--format", "formats", multiple=True, type=click.Choice(CONTRACT_FORMATS),
              help="Report format (repeatable, one --output each, or --output-dir).")
@click.option("--output", "outputs", multiple=True, metavar="FILE",
              help="Where a report goes (- for standard output).")
@click.option("--output-dir", metavar="DIR", help="Write every format into this folder.")
@click.option("--fail-under", type=click.IntRange(0, 100), default=0, show_default=True,
              help="Exit 1 when the score is below this.")
@click.option("--checks", "include", metavar="LIST", help="Only these rule ids (or `spec`).")
@click.option("--skip-checks", "exclude", metavar="LIST", help="Skip these rule ids.")
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
def audit(source: str, formats: tuple[str, ...], outputs: tuple[str, ...],
          output_dir: str | None, fail_under: int, include: str | None, exclude: str | None,
          quiet: bool) -> int:
    """Audit the OpenAPI document SPEC (file or URL) without sending it a single request."""
    from middlebrick.audit import audit_result, select_rules
    from middlebrick.spec.load import fetch_url, load_spec

    destinations = plan_outputs(formats, outputs, output_dir)
    rules = select_rules(split_list(include), split_list(exclude))
    fetched: dict[str, bytes] = {}

    def fetch(url: str) -> bytes:
        # Keep what was fetched, so findings in remote documents get their lines too.
        fetched[url] = fetch_url(url)
        return fetched[url]

    spec = load_spec(source, fetch=fetch)
    texts = {urldefrag(url)[0]: data for url, data in fetched.items()}
    result = audit_result(spec, rules=rules, texts=texts)
    write_reports(result, destinations)
    if not quiet and not any(d.path is None and d.format == "text" for d in destinations):
        # As with scan: the summary goes wherever the report does not.
        to_stdout = all(d.path is not None for d in destinations)
        REPORTERS.get("text")(result, sys.stdout if to_stdout else sys.stderr)
    return 1 if result.score.value < fail_under else 0
