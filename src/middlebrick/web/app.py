"""The dashboard's Flask application: pages, actions, and the defences around them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import jinja2
from flask import Flask, current_app, render_template
from werkzeug.exceptions import HTTPException

from middlebrick import __version__
from middlebrick.reporting.html import prose
from middlebrick.scoring import grade_of
from middlebrick.storage import History, HistoryUnavailable
from middlebrick.web import security
from middlebrick.web.charts import short_time
from middlebrick.web.jobs import JobRunner
from middlebrick.web.present import ago, bar_class
from middlebrick.web.scheduler import Scheduler


@dataclass(frozen=True, kw_only=True, slots=True)
class Dashboard:
    """What the request handlers share: the history, the scan runner and the scheduler."""

    history: History
    runner: JobRunner
    scheduler: Scheduler


def dashboard() -> Dashboard:
    return cast(Dashboard, current_app.extensions["middlebrick"])


def create_app(history: History, *, token: str | None = None, runner: JobRunner | None = None,
               scheduler: Scheduler | None = None, cookie_suffix: str = "") -> Flask:
    """The dashboard for `history`; `token` None allows loopback access without one."""
    from middlebrick.web.actions import actions
    from middlebrick.web.pages import pages

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.jinja_options = {**app.jinja_options, "autoescape": True, "trim_blocks": True,
                         "lstrip_blocks": True, "undefined": jinja2.StrictUndefined}
    app.jinja_env.filters.update(prose=prose, ago=ago, short_time=short_time, bar=bar_class,
                                 grade_of=grade_of)
    app.jinja_env.globals.update(version=__version__, db=history.display_url)
    security.install(app, token=token, cookie_suffix=cookie_suffix)
    runner = runner or JobRunner(history)
    app.extensions["middlebrick"] = Dashboard(
        history=history, runner=runner, scheduler=scheduler or Scheduler(history, runner))
    app.register_blueprint(pages)
    app.register_blueprint(actions)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(HistoryUnavailable, _history_error)
    return app


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return render_template("error.html", code=code, name=error.name,
                           message=error.description if code != 401 else
                           "This dashboard needs its access token: open the link that "
                           "`middlebrick dashboard` printed."), code


def _history_error(error: Any) -> tuple[str, int]:
    return render_template("error.html", code=503, name="History unavailable",
                           message=str(error)), 503


__all__ = ["Dashboard", "create_app", "dashboard"]
