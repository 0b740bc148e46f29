"""The command line: parse, call, print, exit. Errors are printed here and only here."""

from __future__ import annotations

import sys

import click

from middlebrick import __version__
from middlebrick.cli.auditcmd import audit
from middlebrick.cli.codecmd import code
from middlebrick.cli.common import run_guarded
from middlebrick.cli.dashboardcmd import dashboard
from middlebrick.cli.historycmd import history
from middlebrick.cli.labcmd import demo, lab
from middlebrick.cli.scancmd import checks, scan


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="middlebrick")
def cli() -> None:
    """middlebrick: API security scanner with deep Flask + DynamoDB knowledge."""


cli.add_command(scan)
cli.add_command(checks)
cli.add_command(lab)
cli.add_command(demo)
cli.add_command(audit)
cli.add_command(history)
cli.add_command(dashboard)
cli.add_command(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `middlebrick` command."""
    sys.exit(run_guarded(cli, argv))
