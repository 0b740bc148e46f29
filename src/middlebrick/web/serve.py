"""Serving the dashboard: werkzeug's threaded server, the scheduler beside it.

Bound to a loopback address it needs no token (only loopback Host names are answered); bound
anywhere else it always requires one, generated when not given. "Loopback" must be true of the
name asked for and of the address it resolved to: `foo.localhost` is resolved by DNS on many
systems and may land on a public interface.
"""

from __future__ import annotations

import re
import socket
import threading
from typing import Any
from urllib.parse import quote

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from middlebrick.storage import History
from middlebrick.web.app import create_app
from middlebrick.web.jobs import JobRunner
from middlebrick.web.scheduler import Scheduler
from middlebrick.web.security import name_cookies, required_token, use_token

_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s]*")


class DashboardServer:
    """The dashboard on `host:port` (port 0: any free port), with its scheduler."""

    def __init__(self, history: History, *, host: str = "127.0.0.1", port: int = 8765,
                 token: str | None = None, tick: float = 30.0, schedules: bool = True) -> None:
        self.runner = JobRunner(history)
        self.scheduler = Scheduler(history, self.runner, tick=tick)
        self.app: Flask = create_app(history, token=token, runner=self.runner,
                                     scheduler=self.scheduler)
        listening = _listen(host, port)
        try:
            self.server: BaseWSGIServer = make_server(
                host, port, self.app, threaded=True, request_handler=_RequestHandler,
                fd=listening.fileno())
        finally:
            listening.close()  # the server holds its own duplicate of the socket
        bound = str(self.server.server_address[0])
        self.token = required_token(bound, required_token(host, token))
        use_token(self.app, self.token)
        self.host, self.port = host, self.server.port
        # Cookies are shared by every port of a host: name them per dashboard.
        name_cookies(self.app, f"_{self.port}")
        shown = host if host not in {"0.0.0.0", "::", ""} else socket.gethostname()
        shown = f"[{shown}]" if ":" in shown else shown
        self.url = f"http://{shown}:{self.port}"
        self.scheduler.dashboard_url = self.url
        self._schedules = schedules
        self._thread: threading.Thread | None = None

    @property
    def login_url(self) -> str:
        """The URL to open first: with the token, when one is required."""
        return f"{self.url}/?token={quote(self.token)}" if self.token else f"{self.url}/"

    def serve_forever(self) -> None:
        if self._schedules:
            self.scheduler.start()
        try:
            self.server.serve_forever()
        finally:
            self.scheduler.stop()

    def start(self) -> DashboardServer:
        """Serve in a background thread (tests, screenshots)."""
        self._thread = threading.Thread(target=self.serve_forever, name="middlebrick-dashboard",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, with the token of the printed link kept out of the access log."""

    def log(self, type: str, message: str, *args: Any) -> None:
        super().log(type, "%s", _TOKEN_IN_QUERY.sub(r"\1***", message % args if args else message))


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket. werkzeug binds its own with sys.exit(1) on failure, which the command
    line would report as a failed security gate; this raises OSError instead."""
    v6 = ":" in host
    return socket.create_server((host, port), family=socket.AF_INET6 if v6 else socket.AF_INET,
                                dualstack_ipv6=v6 and socket.has_dualstack_ipv6())


__all__ = ["DashboardServer"]
