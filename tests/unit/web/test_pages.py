"""The pages, through Flask's test client: what they list, and that target text stays text."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from storage.samples import IMG, SCRIPT, TARGET, at, finding, hostile_result, result

from middlebrick.models import Severity
from middlebrick.storage import History

DEBUG = finding("flask.debug", Severity.CRITICAL, path="/console")
CORS = finding("cors.permissive", Severity.HIGH, path="/me")


def test_the_overview_lists_targets_worst_first(client, history: History):
    history.record(result([], target="http://good.test"))
    history.record(result([DEBUG, CORS], target="http://bad.test"))
    history.record(result([CORS], target="http://meh.test"))
    html = client.get("/").get_data(as_text=True)
    order = re.findall(r'data-target="([^"]+)"', html)
    assert order == ["http://bad.test", "http://meh.test", "http://good.test"]
    assert 'id="target-count">3<' in html


def test_an_empty_history_says_how_to_start(client):
    html = client.get("/").get_data(as_text=True)
    assert "No scans yet" in html and "middlebrick scan URL" in html


def test_the_target_page_charts_one_point_per_scan(client, history: History):
    ids = [history.record(at(result(found), f"2026-01-0{n + 1}T00:00:00.000Z"))
           for n, found in enumerate(([DEBUG, CORS], [CORS], [], [CORS]))]
    history.record(result([], target="http://other.test"))
    html = client.get(f"/target?url={TARGET}").get_data(as_text=True)
    points = re.findall(r'<circle class="point[^"]*" data-scan-id="(\d+)" data-score="(\d+)"', html)
    assert [int(i) for i, _ in points] == ids
    assert [int(s) for _, s in points] == [s.score for s in reversed(history.scans(TARGET))]
    rows = html.split('id="scans"')[1].split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 4  # the scans table: one row per scan
    assert client.get("/target?url=http://nobody.test").status_code == 404


def test_the_scan_page_shows_new_and_fixed_since_the_previous_scan(client, history: History):
    history.record(at(result([DEBUG, CORS]), "2026-01-01T00:00:00.000Z"))
    low = finding("headers.missing", Severity.LOW, path=None, title="Missing nosniff")
    second = history.record(at(result([CORS, low]), "2026-01-02T00:00:00.000Z"))
    html = client.get(f"/scans/{second}").get_data(as_text=True)
    assert 'id="new-count">1<' in html and 'id="fixed-count">1<' in html
    new_table = html.split('id="new-findings"')[1].split("</table>")[0]
    fixed_table = html.split('id="fixed-findings"')[1].split("</table>")[0]
    assert "Missing nosniff" in new_table and "flask.debug" in fixed_table
    assert html.count('class="finding ') == 2
    assert "Set <code>app.config[&#39;DEBUG&#39;] = False</code> and redeploy." in html


def test_hostile_text_from_a_target_is_escaped_everywhere(client, history: History):
    scan_id = history.record(hostile_result())
    for path in (f"/scans/{scan_id}", "/", f"/target?url={TARGET}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>window" not in html and "<img src=x" not in html
    page = client.get(f"/scans/{scan_id}").get_data(as_text=True)
    assert "&lt;script&gt;window.__pwned" in page and "&lt;img src=x onerror=" in page


def test_a_hostile_report_imported_from_a_file_is_escaped_too(client, history: History):
    report = hostile_result().to_dict()
    report["target"] = f"http://x.test/{SCRIPT}"
    report["notes"] = [IMG]
    report["score"]["categories"] = {f"<b>{IMG}</b>": 10}
    scan_id = history.record_report(report)
    for path in ("/", f"/scans/{scan_id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>window" not in html and "<img src=x" not in html
        assert "<b><img" not in html and "<b>&lt;img" not in html
    assert "&lt;b&gt;&lt;img src=x" in client.get(f"/scans/{scan_id}").get_data(as_text=True)


def test_the_raw_report_is_a_json_download(client, history: History):
    scanned = hostile_result()
    scan_id = history.record(scanned)
    response = client.get(f"/scans/{scan_id}.json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(response.data) == scanned.to_dict()
    assert client.get("/scans/999").status_code == 404
    assert client.get("/scans/999.json").status_code == 404


def test_markup_in_every_field_a_target_or_a_file_controls_stays_inert(client, history: History):
    quote = '"><svg/onload=alert(1)>'
    report = hostile_result().to_dict()
    report["target"] = "javascript:alert(document.domain)//" + quote
    first = report["findings"][0]
    first["check"] = f"x.{quote}"
    first["category"] = quote
    first["severity"] = quote
    first["id"] = quote
    first["endpoint"] = {"method": quote, "path": quote, "url": "javascript:alert(2)"}
    first["evidence"][0]["request"]["headers"] = {quote: quote}
    first["evidence"][0]["note"] = quote
    report["spec"] = {"version": quote, "title": quote}
    report["errors"] = [{"check": quote, "error": quote}]
    scan_id = history.record_report(report)
    history.schedules.add(report["target"], interval_minutes=5, webhook_url=quote)
    pages = [f"/scans/{scan_id}", "/", "/schedules",
             "/target?" + urlencode({"url": report["target"]}), f"/scan?url={quote}"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "<svg/onload" not in html, path
        assert not re.search(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I)
        assert not re.search(r"<\w[^>]*\son\w+\s*=", html), path
