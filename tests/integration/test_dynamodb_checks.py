"""The DynamoDB checks through the real CLI, on real Flask apps over a real DynamoDB server: the
lab's twins and three targets written in other styles (ddb_notes, ddb_team, ddb_catalog), each
vulnerable and fixed, on DynamoDB Local (`lab`) and on moto (`moto_lab`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from middlebrick.lab import Lab

from support.cli import invoke
from support.schema import validate_report
from support.serving import serve_wsgi
from targets import ddb_catalog, ddb_notes, ddb_team

pytestmark = pytest.mark.integration
TABLE = "dynamodb.table-name-injection"
EXPRESSION = "dynamodb.expression-injection"
PARTIQL = "dynamodb.partiql-injection"
RAW = "dynamodb.raw-sdk-error"
MINE = ",".join((TABLE, EXPRESSION, PARTIQL, RAW))


@pytest.fixture(params=["lab", "moto_lab"])
def backend(request: pytest.FixtureRequest) -> Lab:
    """The lab's DynamoDB server: DynamoDB Local first, then moto."""
    running: Lab = request.getfixturevalue(request.param)
    return running


def scan(capsys: pytest.CaptureFixture[str], out: Path, url: str, *extra: str) -> dict[str, Any]:
    outcome = invoke(capsys, "scan", url, "-q", "--checks", MINE, "--format", "json",
                     "--output", str(out), *extra)  # fmt: skip
    assert outcome.code == 0, outcome.err
    report: dict[str, Any] = json.loads(out.read_text())
    validate_report(report)
    assert report.get("errors", []) == []
    return report


def places(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["check"], f["endpoint"]["method"] + " " + f["endpoint"]["path"])
            for f in report["findings"]}  # fmt: skip


def by_check(report: dict[str, Any], check_id: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == check_id]


def test_lab_twins(capsys, tmp_path, backend):
    vulnerable = backend.vulnerable
    auth = ("-H", vulnerable.auth_header("alice"))
    report = scan(capsys, tmp_path / "v.json", vulnerable.url, "--openapi",
                  vulnerable.openapi_url, *auth)  # fmt: skip
    found = places(report)
    assert {
        (TABLE, "GET /reports/{table}"),
        (EXPRESSION, "GET /products"),
        (EXPRESSION, "GET /orders"),
        (PARTIQL, "GET /search"),
    } <= found
    assert {p for c, p in found if c == RAW} >= {"GET /orders", "POST /orders"}
    assert {c for c, _ in found} == {TABLE, EXPRESSION, PARTIQL, RAW}  # nothing else, nowhere
    [table] = by_check(report, TABLE)
    assert table["confidence"] == "certain" and "'users' readable" in table["title"]
    hardened = backend.hardened
    clean = scan(capsys, tmp_path / "h.json", hardened.url, "--openapi", hardened.openapi_url,
                 "-H", hardened.auth_header("alice"))  # fmt: skip
    assert clean["findings"] == []


def test_notes_blueprint_with_its_own_error_envelope(capsys, tmp_path, backend):
    for vulnerable in (True, False):
        app = ddb_notes.create_app(backend.dynamodb_endpoint, vulnerable=vulnerable)
        with serve_wsgi(app) as url:
            report = scan(capsys, tmp_path / f"notes-{vulnerable}.json", url,
                          "--openapi", f"{url}/api/v2/_meta/openapi",
                          "-H", f"X-Api-Key: {ddb_notes.API_KEY}")  # fmt: skip
        if not vulnerable:
            assert report["findings"] == []
            continue
        assert places(report) == {(TABLE, "GET /records"), (RAW, "GET /records")}
        [table] = by_check(report, TABLE)
        assert table["title"].endswith("'collection': table 'accounts' readable")
        assert table["confidence"] == "certain"
        assert "apiKeyHash" in json.dumps(table["evidence"])  # the other table's items


def test_team_directory_resource_api_behind_a_generic_500(capsys, tmp_path, backend):
    for vulnerable in (True, False):
        app = ddb_team.create_app(backend.dynamodb_endpoint, vulnerable=vulnerable)
        with serve_wsgi(app) as url:
            report = scan(capsys, tmp_path / f"team-{vulnerable}.json", url,
                          "--openapi", f"{url}/docs/swagger.json")  # fmt: skip
        if not vulnerable:
            assert report["findings"] == []
            continue
        expected = {(EXPRESSION, "GET /directory")}
        if backend.backend != "moto":
            # Only DynamoDB's grammar takes "(joinedAt)" for "joinedAt": moto refuses both, so
            # there the generic 500 leaves nothing to tell the key condition's injection by.
            expected.add((EXPRESSION, "GET /teams/{teamId}/members"))
        assert places(report) == expected
        directory = next(f for f in report["findings"] if f["endpoint"]["path"] == "/directory")
        assert directory["confidence"] == "certain" and "widens" in directory["title"]


def test_catalog_partiql_with_raw_text_errors(capsys, tmp_path, backend):
    spec = tmp_path / "catalog.yaml"
    spec.write_text(ddb_catalog.OPENAPI_YAML)
    for vulnerable in (True, False):
        app = ddb_catalog.create_app(backend.dynamodb_endpoint, vulnerable=vulnerable)
        with serve_wsgi(app) as url:
            report = scan(capsys, tmp_path / f"catalog-{vulnerable}.json", url,
                          "--openapi", str(spec))  # fmt: skip
        if not vulnerable:
            assert report["findings"] == []
            continue
        found = places(report)
        partiql = {p for c, p in found if c == PARTIQL}
        if backend.backend == "moto":
            # moto reads what it can of a broken statement and fails only on parenthesised ORs:
            # the quotes the raw-error probes send pass, and only the search has ORs to fail on.
            assert partiql == {"GET /catalog/search"}
            assert {p for c, p in found if c == RAW} == set()
        else:
            both = {"GET /catalog/items", "GET /catalog/search"}
            assert partiql == both and {p for c, p in found if c == RAW} == both
            for finding in by_check(report, PARTIQL):
                assert finding["confidence"] == "certain" and "widens" in finding["title"]
