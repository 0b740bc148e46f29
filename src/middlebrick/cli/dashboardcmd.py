"""`middlebrick dashboard`: the web dashboard of scan history, on loopback by default."""

from __future__ import annotations

import logging
import signal

import click
from rich.console import Console
from rich.text import Text

from middlebrick.cli.common import stderr
from middlebrick.errors import UsageError

MIN_TOKEN = 16  # characters; a generated token has 32

@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback requires an access token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--db", metavar="PATH_OR_URL", envvar="MIDDLEBRICK_DB",
              help="History database: a SQLite path or a postgresql:// URL "
              "(default: $MIDDLEBRICK_DB, else the user's data directory).")
@click.option("--token", envvar="MIDDLEBRICK_DASHBOARD_TOKEN", metavar="TOKEN",
              help="Require this access token, at least 16 characters (generated and printed "
              "when bound beyond loopback without one).")
@click.option("--no-schedules", is_flag=True, help="Do not run scheduled rescans.")
@click.option("--verbose", is_flag=True, help="Log every request.")
def dashboard(host: str, port: int, db: str | None, token: str | None, no_schedules: bool,
              verbose: bool) -> None:
    """Serve the web dashboard of scan history (Ctrl-C stops it)."""
    from middlebrick.storage import History
    from middlebrick.web import DashboardServer
    from middlebrick.web.security import is_loopback

    if token is not None and len(token.strip()) < MIN_TOKEN:
        raise UsageError(f"--token: use at least {MIN_TOKEN} characters, or leave it out to "
                         "have one generated when the dashboard listens beyond loopback")
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    out = Console(highlight=False)
    with History.open(db) as history:
        try:
            server = DashboardServer(history, host=host, port=port, token=token,
                                     schedules=not no_schedules)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        if not is_loopback(host):
            stderr.print(f"note: listening on {host}, beyond this machine: every request needs "
                         "the access token", style="yellow", markup=False)
        out.print(Text("middlebrick dashboard: ", style="bold") + Text(server.login_url))
        out.print(Text(f"history: {history.display_url}", style="dim"))
        out.print(Text("Press Ctrl-C to stop.", style="dim"))
        signal.signal(signal.SIGTERM, _interrupt)  # stop as cleanly under a service manager
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server.server_close()
    out.print(Text("dashboard stopped", style="dim"))


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt
