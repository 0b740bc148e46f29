"""The web dashboard: scan history at a glance, scans and schedules started from the browser.

    create_app(history, token=None)       the Flask application (tests use its test client)
    DashboardServer(history, host, port)  the app served by werkzeug, with the scheduler
"""

from __future__ import annotations

from middlebrick.web.app import create_app
from middlebrick.web.serve import DashboardServer

__all__ = ["DashboardServer", "create_app"]
