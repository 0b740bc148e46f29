"""The authorization and SSRF checks through the real CLI, against real servers on loopback:
the lab's twins, a Starlette API served by uvicorn, and a Flask service with cookie sessions.
Each vulnerable version shows exactly its flaws; each fixed one shows nothing; and without
--allow-destructive no object that existed before the scan was written to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from middlebrick.lab import Lab, load_ground_truth

from support.cli import invoke
from support.schema import validate_report
from support.serving import serve_wsgi
from targets import authz_cookies, authz_starlette

pytestmark = pytest.mark.integration
CHECKS = "authz,ssrf"


def cli_scan(capsys: pytest.CaptureFixture[str], folder: Path, url: str, *args: str) -> Any:
    out = folder / "report.json"
    outcome = invoke(capsys, "scan", url, "-q", "--checks", CHECKS, "--format", "json",
                     "--output", str(out), *args)
    assert outcome.code == 0, outcome.err
    report = json.loads(out.read_text())
    validate_report(report)
    assert not report.get("errors"), report["errors"]
    return report


def located(report: Any) -> set[tuple[str, str, str]]:
    return {
        (f["check"], f["endpoint"]["method"], f["endpoint"]["path"])
        for f in report["findings"]
        if f["severity"] != "info"
    }


# -- the lab ------------------------------------------------------------------------------------
def test_lab_vulnerable_twin_shows_its_authorization_flaws(lab: Lab, capsys, tmp_path):
    twin = lab.vulnerable
    report = cli_scan(capsys, tmp_path, twin.url, "--openapi", twin.openapi_url,
                      "-H", twin.auth_header("alice"), "--user-b-header", twin.auth_header("bob"))
    truth = [i for i in load_ground_truth() if i.check.startswith(("authz.", "ssrf."))]
    expected = {(i.check, i.method, i.path) for i in truth}
    assert len(expected) == 5
    found = located(report)
    assert expected <= found
    # The one extra is real too: the admin-tagged config dump answers everyone, even anonymous.
    assert found - expected == {("authz.bfla", "GET", "/debug/config")}
    categories = {(f["check"], f["endpoint"]["path"]): f["category"] for f in report["findings"]}
    for item in truth:
        assert categories[(item.check, item.path)] == item.category


def test_lab_hardened_twin_is_clean(lab: Lab, capsys, tmp_path):
    twin = lab.hardened
    report = cli_scan(capsys, tmp_path, twin.url, "--openapi", twin.openapi_url,
                      "-H", twin.auth_header("alice"), "--user-b-header", twin.auth_header("bob"))
    assert report["findings"] == []


# -- a Starlette (ASGI) API ---------------------------------------------------------------------
@pytest.fixture(params=[True, False], ids=["vulnerable", "fixed"])
def documents_api(request: pytest.FixtureRequest) -> Iterator[tuple[bool, str, Any]]:
    app, recorder = authz_starlette.create_app(vulnerable=request.param)
    with authz_starlette.serve_asgi(app) as url:
        yield request.param, url, recorder


def test_starlette_documents_api(documents_api, capsys, tmp_path):
    vulnerable, url, recorder = documents_api
    report = cli_scan(capsys, tmp_path, url, "-H", "Authorization: Bearer tok-alice",
                      "--user-b-header", "Authorization: Bearer tok-bob")
    expected = {
        ("authz.bola", "GET", "/documents/{docId}"),
        ("authz.bola", "PUT", "/documents/{docId}"),
        ("authz.header-identity", "GET", "/whoami"),
        ("authz.mass-assignment", "POST", "/documents"),
        ("authz.bfla", "GET", "/accounts"),
        ("ssrf.server-side-request", "POST", "/imports"),
    }
    assert located(report) == (expected if vulnerable else set())
    if vulnerable:
        ssrf = next(f for f in report["findings"] if f["check"] == "ssrf.server-side-request")
        assert "127.0.0.1" in ssrf["description"] and "same host" in ssrf["description"]
        mass = next(f for f in report["findings"] if f["check"] == "authz.mass-assignment")
        assert "approved" in mass["description"] and "ownerAccountId" in mass["description"]
    # Shared templates and public profiles were read as B and anonymously, and not reported
    # (where B's /accounts listing already shows every account, A's profile is no secret).
    assert any(m == "GET" and p.startswith("/api/v2/templates/") and who == 2
               for m, p, who in recorder.entries)
    assert vulnerable or any(m == "GET" and p.startswith("/api/v2/profiles/") and who is None
                             for m, p, who in recorder.entries)
    # Safe mode: no write reached a document that existed before the scan.
    assert recorder.writes_to("/api/v2/documents", authz_starlette.SEEDED_DOCS) == []


# -- a Flask service with cookie sessions -------------------------------------------------------
@pytest.mark.parametrize("vulnerable", [True, False], ids=["vulnerable", "fixed"])
def test_cookie_session_notes_service(vulnerable, capsys, tmp_path):
    app, recorder = authz_cookies.create_app(vulnerable=vulnerable)
    alice = authz_cookies.session_cookie(app, "u-alice")
    bob = authz_cookies.session_cookie(app, "u-bob")
    with serve_wsgi(app) as url:
        report = cli_scan(capsys, tmp_path, url, "-H", f"Cookie: {alice}",
                          "--user-b-header", f"Cookie: {bob}")
    expected = {
        ("authz.bola", "GET", "/notes/{note_id}"),
        ("authz.bola", "DELETE", "/notes/{note_id}"),
        ("authz.header-identity", "GET", "/notes/{note_id}/export"),
        ("authz.mass-assignment", "PATCH", "/account"),
        ("authz.bfla", "GET", "/manage/users"),
    }
    assert located(report) == (expected if vulnerable else set())
    if vulnerable:
        mass = next(f for f in report["findings"] if f["check"] == "authz.mass-assignment")
        for prop in ("is_staff", "plan", "credits"):
            assert prop in mass["description"]
        assert alice.split("=", 1)[1] not in json.dumps(report)  # A's session is masked
    # The catalogue item only A's note names was read by B, and not reported: it is public.
    assert ("GET", "/catalog/sku-3", "u-bob") in recorder.entries
    seeded = app.config["SEEDED_NOTES"]
    writes = [(m, p, u) for m, p, u in recorder.entries if m not in {"GET", "HEAD", "OPTIONS"}]
    assert not [w for w in writes if any(n in w[1] for n in seeded)]
    # "My account" was only ever changed for the scanner's own throwaway account.
    patched = {u for m, p, u in writes if p == "/account"}
    assert patched and not patched & {"u-alice", "u-bob", "u-staff"}
    accounts = app.config["ACCOUNTS"]
    assert accounts["u-alice"]["is_staff"] is False and accounts["u-alice"]["plan"] == "free"
