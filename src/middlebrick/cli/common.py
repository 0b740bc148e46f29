"""What every command shares: header parsing and the one place errors become exit codes."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from middlebrick.config import header_problem
from middlebrick.errors import MiddlebrickError
from middlebrick.reporting.text import safe

INTERNAL_ERROR_EXIT = 70
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def parse_headers(values: tuple[str, ...], option: str) -> dict[str, str]:
    """Turn repeated "Name: value" options into a dict."""
    headers: dict[str, str] = {}
    for raw in values:
        name, sep, value = raw.partition(":")
        name, value = name.strip(), value.strip()
        problem = header_problem(name, value) if sep else "no colon"
        if problem:
            raise click.BadParameter(
                f'expected "Name: value", got {raw!r} ({problem})', param_hint=option
            )
        headers[name] = value
    return headers


def split_list(value: str | None) -> tuple[str, ...]:
    """A comma-separated option as a tuple of its non-empty items."""
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def one_line(text: object) -> str:
    """Text for one terminal line: control sequences stripped, line breaks as spaces."""
    return " ".join(safe(text).split("\n"))


def run_guarded(command: click.Command, argv: list[str] | None) -> int:
    """Run a click command; map our errors to exit codes with one clear line on stderr."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        # In non-standalone mode click returns the command's value, or the code of ctx.exit().
        outcome = command.main(args=argv, prog_name="middlebrick", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        stderr.print("aborted", style="red")
        return 130
    except MiddlebrickError as exc:
        if debug:
            raise
        # Messages may quote the target or its documents: no escape sequence reaches the terminal.
        stderr.print(f"error: {one_line(exc)}", style="red", markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        stderr.print("interrupted", style="red")
        return 130
    except Exception as exc:
        if debug:
            raise
        stderr.print(
            f"internal error: {type(exc).__name__}: {one_line(exc)} "
            "(run with --debug for the traceback)",
            style="red",
            markup=False,
        )
        return INTERNAL_ERROR_EXIT
    return outcome if isinstance(outcome, int) else 0
