"""The DynamoDB checks through the real CLI, on real Flask apps over a real DynamoDB server: the
lab's twins and three targets written in other styles (ddb_notes, ddb_team, ddb_catalog), each
vulnerable and fixed, on DynamoDB Local (`lab`) and on moto (`moto_lab`); and a full scan with
every check of review_clinic, a target written to review the checks against, in both builds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from middlebrick.lab import Lab

from support.cli import invoke
from support.schema import validate_report
from support.serving import serve_wsgi
from targets import ddb_catalog, ddb_notes, ddb_team, review_clinic, review_clinic_store

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


# -- the review target: every check, a vet clinic written unlike anything above ------------------
CLINIC_FLAWS = {  # (check, "METHOD path") -> what the vulnerable build does there
    (EXPRESSION, "GET /visit-records"): "filter=attr:value pasted into a FilterExpression",
    (PARTIQL, "GET /clinic-reports/vet-workload"): "vet pasted into a PartiQL string",
    (TABLE, "GET /exports"): "dataset= is the table name",
    (RAW, "GET /visit-records"): "str(ClientError) in the error envelope",
    ("flask.weak-secret-key", "- "): "SECRET_KEY from a tutorial signs the CSRF session",
    ("exposure.aws-credentials", "GET /api/v3/diagnostics"): "an undocumented config dump",
    ("inventory.undocumented-endpoint", "GET /api/v3/diagnostics"): "the same, undocumented",
    ("authz.bola", "GET /pets/{pet_id}"): "any owner's pet by its sequential id",
    ("authz.mass-assignment", "POST /pets"): "owner_id taken from the body",
    ("exposure.sensitive-data", "GET /account"): "the stored item, password hash included",
    ("dynamodb.unbounded-scan", "GET /appointment-slots"): "per_page beyond its maximum honoured",
    ("abuse.rate-limit", "POST /sessions"): "sign-in without an attempt limit",
    ("headers.missing-security-headers", "- "): "no nosniff, framing, CSP or no-store",
    ("disclosure.server-version", "- "): "Werkzeug names itself",
}


def full_scan(capsys: pytest.CaptureFixture[str], out: Path, url: str, keys: dict[str, str]):
    outcome = invoke(capsys, "scan", url, "--openapi", f"{url}/api/v3/openapi.json", "-q",
                     "-H", f"X-Api-Key: {keys['ines@clinic.test']}",
                     "--user-b-header", f"X-Api-Key: {keys['omar@clinic.test']}",
                     "--format", "json", "--output", str(out), "--no-history")  # fmt: skip
    report: dict[str, Any] = json.loads(out.read_text())
    validate_report(report)
    assert report.get("errors", []) == [], report["errors"]
    return outcome, report


def where(finding: dict[str, Any]) -> str:
    endpoint = finding["endpoint"] or {"method": "-", "path": ""}
    return f"{endpoint['method']} {endpoint['path']}"


@pytest.mark.parametrize("fixed", [False, True], ids=["vulnerable", "fixed"])
def test_review_clinic_every_planted_flaw_and_nothing_on_the_fixed_build(
    capsys, tmp_path, lab, fixed
):
    store = review_clinic_store.create_store(lab.dynamodb_endpoint)
    try:
        app = review_clinic.create_app(store, fixed=fixed)
        with review_clinic.serve(app, server_header=not fixed) as url:
            outcome, report = full_scan(capsys, tmp_path / "clinic.json", url, store.keys)
    finally:
        review_clinic_store.drop_store(lab.dynamodb_endpoint, store)
    found = {(f["check"], where(f)): f for f in report["findings"]}
    if fixed:
        above_info = sorted(k for k, f in found.items() if f["severity"] != "info")
        assert above_info == [] and report["score"]["grade"] == "A"
        return
    expected = dict(CLINIC_FLAWS)
    certain = {(EXPRESSION, "GET /visit-records"), (TABLE, "GET /exports"),
               ("exposure.aws-credentials", "GET /api/v3/diagnostics")}  # fmt: skip
    if lab.backend == "moto":
        # moto's PartiQL matches nothing on a number (`owner_id = 1`): the report is always
        # empty there, so its injection has nothing to show.
        del expected[(PARTIQL, "GET /clinic-reports/vet-workload")]
    else:
        certain.add((PARTIQL, "GET /clinic-reports/vet-workload"))
    missing = {k: why for k, why in expected.items()
               if not any(c == k[0] and w.startswith(k[1]) for c, w in found)}  # fmt: skip
    assert missing == {}
    assert outcome.code == 0
    assert {k for k in certain if found[k]["confidence"] == "certain"} == certain
    assert "widens" in found[(EXPRESSION, "GET /visit-records")]["title"]
    assert found[(TABLE, "GET /exports")]["title"].endswith("table 'owners' readable")
    [secret] = [f for (c, _), f in found.items() if c == "flask.weak-secret-key"]
    assert secret["severity"] == "critical"  # the forged session was let in
    assert review_clinic.WEAK_KEY not in json.dumps(report)
