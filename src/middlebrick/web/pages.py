"""The read-only pages: overview, one target's history, one scan, and its raw JSON report."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request

from middlebrick.web.app import dashboard
from middlebrick.web.charts import category_charts, score_chart, sparkline
from middlebrick.web.present import scan_page

pages = Blueprint("pages", __name__)
TABLE_ROWS = 100


@pages.get("/")
def overview() -> str:
    history = dashboard().history
    targets = history.targets()
    cards = [{"target": t, "spark": sparkline(t.recent_scores, width=180, height=44),
              "delta": t.recent_scores[-1] - t.recent_scores[-2]
              if len(t.recent_scores) > 1 else None} for t in targets]
    return render_template(
        "overview.html",
        cards=cards,
        scans=history.count(),
        active=dashboard().runner.active(),
        critical=sum(t.latest.counts.get("critical", 0) for t in targets),
        high=sum(t.latest.counts.get("high", 0) for t in targets),
    )


@pages.get("/target")
def target() -> str:
    url = request.args.get("url", "")
    history = dashboard().history
    points = history.series(url)
    if not points:
        abort(404, "No scans of this target are recorded.")
    scans = history.scans(url, limit=TABLE_ROWS)
    latest = scans[0]
    return render_template(
        "target.html",
        target=url,
        latest=latest,
        chart=score_chart(points),
        categories=category_charts(points),
        scans=scans,
        changes=history.change_counts(scans),
        schedules=[s for s in history.schedules.all() if s.target == url],
    )


@pages.get("/scans/<int:scan_id>")
def scan(scan_id: int) -> str:
    history = dashboard().history
    stored = history.get(scan_id)
    if stored is None:
        abort(404, "No such scan.")
    changes = history.changes(scan_id)
    return render_template("scan.html", scan=stored.summary, changes=changes,
                           view=scan_page(stored, changes))


@pages.get("/scans/<int:scan_id>.json")
def scan_json(scan_id: int) -> Response:
    stored = dashboard().history.get(scan_id)
    if stored is None:
        abort(404, "No such scan.")
    body = json.dumps(stored.report, indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="middlebrick-scan-{scan_id}.json"'})


__all__ = ["pages"]
