"""Serving the dashboard: werkzeug's threaded server, the scheduler beside it.

Bound to a loopback address it needs no token (only loopback Host names are answered); bound
anywhere else it always requires one, generated when not given.
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import quote

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from middlebrick.storage import History
from middlebrick.web.app import create_app
from middlebrick.web.jobs import JobRunner
from middlebrick.web.scheduler import Scheduler
from middlebrick.web.security import name_cookies, required_token


class DashboardServer:
    """The dashboard on `host:port` (port 0: any free port), with its scheduler."""

    def __init__(self, history: History, *, host: str = "127.0.0.1", port: int = 8765,
                 token: str | None = None, tick: float = 30.0, schedules: bool = True) -> None:
        self.token = token = required_token(host, token)
        self.runner = JobRunner(history)
        self.scheduler = Scheduler(history, self.runner, tick=tick)
        self.app: Flask = create_app(history, token=token, runner=self.runner,
                                     scheduler=self.scheduler)
        self.server: BaseWSGIServer = make_server(host, port, self.app, threaded=True)
        self.host, self.port = host, self.server.server_port
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


__all__ = ["DashboardServer"]
