"""The authentication and abuse checks through the real CLI: the lab's twins, a Starlette
service with bearer JWTs and a Flask portal with cookie sessions, each vulnerable and fixed.

Only these checks run (`--checks authn,abuse`), so each report holds exactly what they find.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from middlebrick.lab import Lab, Twin

from support.cli import invoke
from support.schema import validate_report
from support.serving import serve_wsgi
from targets import authn_cookie, authn_starlette
from targets.authn_serving import serve_asgi

pytestmark = pytest.mark.integration
MINE = "authn,abuse"


def scan(capsys: pytest.CaptureFixture[str], out: Path, url: str, *args: str) -> dict[str, Any]:
    result = invoke(capsys, "scan", url, "--checks", MINE, "-q", "--format", "json",
                    "--output", str(out), *args)  # fmt: skip
    assert result.code == 0, result.err
    report: dict[str, Any] = json.loads(out.read_text())
    validate_report(report)
    assert not report.get("errors")
    return report


def found(report: dict[str, Any]) -> set[tuple[str, str, str | None, str | None]]:
    return {
        (f["check"], f["severity"], (f["endpoint"] or {}).get("method"),
         (f["endpoint"] or {}).get("path"))
        for f in report["findings"]
    }  # fmt: skip


def titles(report: dict[str, Any], check: str) -> set[str]:
    return {f["title"] for f in report["findings"] if f["check"] == check}


# -- the lab -------------------------------------------------------------------------------------
def scan_twin(capsys: pytest.CaptureFixture[str], out: Path, twin: Twin) -> dict[str, Any]:
    identities = ["-H", twin.auth_header("alice"), "--user-b-header", twin.auth_header("bob")]
    return scan(capsys, out, twin.url, "--openapi", twin.openapi_url, *identities)


def test_lab_vulnerable_twin(lab: Lab, capsys, tmp_path):
    twin = lab.vulnerable
    report = scan_twin(capsys, tmp_path / "v.json", twin)
    hits = found(report)
    # Ground truth login-no-rate-limit, and what else the twin truly has.
    assert ("abuse.rate-limit", "medium", "POST", "/auth/login") in hits
    assert ("authn.missing-authentication", "high", "GET", "/debug/config") in hits
    assert ("abuse.oversized-input", "low", "POST", "/users") in hits
    assert ("abuse.rate-limit", "low", "GET", "/search") in hits
    # Its tokens are itsdangerous signatures, not JWTs: nothing to forge here.
    assert not titles(report, "authn.forgeable-token")


def test_lab_hardened_twin_has_nothing_above_info(lab: Lab, capsys, tmp_path):
    twin = lab.hardened
    report = scan_twin(capsys, tmp_path / "h.json", twin)
    assert [f for f in report["findings"] if f["severity"] != "info"] == []
    # The login limit keys on (client, username): the scan never spent alice's or bob's.
    with httpx.Client(base_url=twin.url) as anonymous:
        answer = anonymous.post("/auth/login", json={"username": "alice", "password": "x" * 9})
    assert answer.status_code == 401


# -- a Starlette service with bearer JWTs ------------------------------------------------------
@pytest.fixture(scope="module")
def notes() -> Iterator[dict[str, str]]:
    with serve_asgi(authn_starlette.create_app(vulnerable=True)) as vulnerable:
        with serve_asgi(authn_starlette.create_app(vulnerable=False)) as fixed:
            yield {"vulnerable": vulnerable, "fixed": fixed}


def bearer(url: str, user: str) -> str:
    account = authn_starlette.USERS[user]
    with httpx.Client(base_url=url) as client:
        answer = client.post(
            "/auth/token", json={"username": user, "password": account["password"]}
        )
    return f"Authorization: Bearer {answer.raise_for_status().json()['access_token']}"


def scan_notes(capsys, tmp_path: Path, url: str) -> dict[str, Any]:
    return scan(capsys, tmp_path / "notes.json", url, "--openapi", f"{url}/openapi.json",
                "-H", bearer(url, "ann"), "--user-b-header", bearer(url, "ben"))  # fmt: skip


def test_starlette_vulnerable_service(notes, capsys, tmp_path):
    report = scan_notes(capsys, tmp_path, notes["vulnerable"])
    assert found(report) == {
        ("authn.missing-authentication", "high", "GET", "/notes/export"),
        ("authn.forgeable-token", "critical", None, None),
        ("authn.user-enumeration", "medium", "POST", "/auth/token"),
        ("abuse.rate-limit", "medium", "POST", "/auth/token"),
        ("abuse.rate-limit", "low", "GET", "/notes/search"),
        ("abuse.redos", "medium", "GET", "/coupons/validate"),
        ("abuse.oversized-input", "medium", "GET", "/notes"),
        ("abuse.oversized-input", "low", "POST", "/notes"),
    }
    assert titles(report, "authn.forgeable-token") == {
        "JWT signed with a guessable secret",
        "JWT with alg 'none' accepted: tokens need no signature",
    }
    assert titles(report, "authn.user-enumeration") == {
        "Login answers tell existing accounts from unknown ones"
    }
    assert not re.search(r"eyJ[\w-]{8,}\.", json.dumps(report))  # every token is masked


def test_starlette_fixed_service_is_clean(notes, capsys, tmp_path):
    report = scan_notes(capsys, tmp_path, notes["fixed"])
    assert report["findings"] == []


# -- a Flask portal with cookie sessions ---------------------------------------------------------
@pytest.fixture(scope="module")
def portal() -> Iterator[dict[str, str]]:
    with serve_wsgi(authn_cookie.create_app(vulnerable=True)) as vulnerable:
        with serve_wsgi(authn_cookie.create_app(vulnerable=False)) as fixed:
            yield {"vulnerable": vulnerable, "fixed": fixed}


def session_cookie(url: str, email: str) -> str:
    password = authn_cookie.ACCOUNTS[email]["password"]
    with httpx.Client(base_url=url) as client:
        answer = client.post("/api/v2/session", data={"email": email, "password": password})
        assert answer.status_code == 204
        return f"Cookie: sid={client.cookies['sid']}"


def scan_portal(capsys, tmp_path: Path, url: str) -> dict[str, Any]:
    return scan(capsys, tmp_path / "portal.json", url,
                "--openapi", f"{url}/api/v2/openapi.json",
                "-H", session_cookie(url, "dana@example.org"),
                "--user-b-header", session_cookie(url, "eli@example.org"))  # fmt: skip


def test_cookie_portal_vulnerable(portal, capsys, tmp_path):
    report = scan_portal(capsys, tmp_path, portal["vulnerable"])
    assert found(report) == {
        ("authn.missing-authentication", "high", "GET", "/reports/monthly"),
        ("authn.forgeable-token", "critical", None, None),
        ("authn.forgeable-token", "high", None, None),
        ("authn.user-enumeration", "medium", "POST", "/password-reset"),
        ("abuse.rate-limit", "medium", "POST", "/session"),
        ("abuse.rate-limit", "low", "GET", "/reports/monthly"),
    }
    assert titles(report, "authn.forgeable-token") == {
        "JWT signed with a guessable secret",
        "Expired JWT accepted",
    }


def test_cookie_portal_fixed_is_clean(portal, capsys, tmp_path):
    report = scan_portal(capsys, tmp_path, portal["fixed"])
    assert report["findings"] == []
