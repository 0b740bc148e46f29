"""exposure.*, inventory.* and transport.* through the real engine against real Flask apps on
loopback, each target in a vulnerable and a fixed version (the fixed one: nothing above info)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from middlebrick.config import ScanConfig
from middlebrick.engine import scan
from middlebrick.http.client import ClientOptions
from middlebrick.models import Finding, Severity

from support.cli import invoke
from support.schema import validate_report
from support.serving import serve_wsgi
from targets import exp_members, exp_settings, exp_tls, exp_versions

pytestmark = pytest.mark.integration
MINE = ("exposure", "inventory", "transport")


def run_scan(url: str, *, headers: dict[str, str] | None = None, verify: bool = True,
             openapi: str | None = None) -> list[Finding]:  # fmt: skip
    headers = headers or {}
    config = ScanConfig(
        target=url, openapi=openapi, headers_a=headers, checks=MINE,
        client=ClientOptions(verify_tls=verify, max_requests=400, deadline=60),
    )  # fmt: skip
    result = asyncio.run(scan(config))
    assert result.errors == (), result.errors
    return list(result.findings)


def above_info(findings: list[Finding]) -> list[tuple[str, str, str | None]]:
    return [
        (f.check, f.severity.value, f.endpoint.path if f.endpoint else None)
        for f in findings
        if f.severity is not Severity.INFO
    ]


def by_check(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.check, []).append(f)
    return out


# -- a settings route dumping the environment -------------------------------------------------
def test_settings_dump_leaks_aws_keys_found_by_probing(capsys, tmp_path):
    key_id, secret = exp_settings.fake_keys()
    with serve_wsgi(exp_settings.create_app(fixed=False)) as url:
        out = tmp_path / "report.json"
        outcome = invoke(capsys, "scan", url, "--checks", "exposure", "-q",
                         "--format", "json", "--output", str(out))  # fmt: skip
    assert outcome.code == 0, outcome.err
    text = out.read_text()
    report = json.loads(text)
    validate_report(report)
    [leak] = [f for f in report["findings"] if f["check"] == "exposure.aws-credentials"]
    assert leak["severity"] == "critical" and leak["endpoint"]["path"] == "/api/settings"
    assert leak["title"] == (
        "AWS access key id, AWS secret access key and AWS ARN with an account id exposed by "
        "GET /api/settings"
    )
    assert key_id not in text and secret not in text and exp_settings.ACCOUNT not in text


def test_fixed_settings_route_is_clean():
    with serve_wsgi(exp_settings.create_app(fixed=True)) as url:
        assert above_info(run_scan(url)) == []


# -- bcrypt hashes in a public member list ----------------------------------------------------
def test_member_list_exposes_hashes_and_bulk_personal_data():
    with serve_wsgi(exp_members.create_app(fixed=False)) as url:
        found = by_check(run_scan(url, headers={"X-Api-Key": exp_members.API_KEY}))
    kinds = {f.title.split(" exposed")[0].split(" ", 1)[1] for f in found["exposure.sensitive-data"]
             if f.endpoint.path == "/members"}  # fmt: skip
    assert kinds == {"password hashes", "email addresses", "phone numbers"}
    hashes = next(f for f in found["exposure.sensitive-data"] if "hash" in f.title)
    assert hashes.severity is Severity.HIGH and hashes.endpoint.method == "GET"
    assert "$2b$12$" not in json.dumps([e.to_dict() for e in hashes.evidence])
    [bulk] = found["exposure.anonymous-bulk-data"]
    assert bulk.endpoint.path == "/members" and bulk.severity is Severity.HIGH


def test_fixed_member_list_is_clean():
    with serve_wsgi(exp_members.create_app(fixed=True)) as url:
        findings = run_scan(url, headers={"X-Api-Key": exp_members.API_KEY})
    assert above_info(findings) == []


# -- an old API version behind a single-page app ----------------------------------------------
def test_old_version_is_found_and_the_spa_catch_all_is_not():
    with serve_wsgi(exp_versions.create_app(fixed=False)) as url:
        found = by_check(run_scan(url))
    [old] = found["inventory.undocumented-endpoint"]
    assert (old.endpoint.method, old.endpoint.path) == ("GET", "/api/v1/invoices")
    assert old.severity is Severity.MEDIUM


def test_fixed_versions_app_reports_no_inventory_findings_despite_the_catch_all():
    with serve_wsgi(exp_versions.create_app(fixed=True)) as url:
        findings = run_scan(url)
    assert [f for f in findings if f.check == "inventory.undocumented-endpoint"] == []
    assert above_info(findings) == []


# -- HTTPS on loopback ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[exp_tls.Pem, ...]:
    return exp_tls.make_certificates(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def weak_https(certificates) -> Iterator[str]:
    self_signed, _, _ = certificates
    context = exp_tls.server_context(self_signed, fixed=False)
    with exp_tls.serve_https(exp_tls.create_app(fixed=False), context) as url:
        yield url


def test_self_signed_legacy_tls_server(weak_https):
    found = by_check(run_scan(weak_https, verify=False))
    [cert] = found["transport.bad-certificate"]
    assert cert.severity is Severity.HIGH and "self-signed" in cert.title
    [tls] = found["transport.weak-tls"]
    assert tls.title == "TLS 1.0 and TLS 1.1 accepted" and tls.severity is Severity.MEDIUM
    [cookie] = found["transport.insecure-cookie"]
    assert cookie.severity is Severity.MEDIUM and "Secure" in cookie.title
    [hsts] = found["transport.missing-hsts"]
    assert hsts.severity is Severity.INFO  # an IP address: browsers ignore HSTS there
    assert "transport.plain-http" not in found


def test_fixed_https_server_is_clean(certificates, monkeypatch):
    _, ca, leaf = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.cert))
    context = exp_tls.server_context(leaf, fixed=True)
    with exp_tls.serve_https(exp_tls.create_app(fixed=True), context) as url:
        findings = run_scan(url)
    assert above_info(findings) == []
    assert not [f for f in findings if f.check.startswith("transport.")]


def test_tls_probes_are_bounded_against_a_silent_port():
    import socket

    from middlebrick.checks.transport_tls import weak_tls_probe

    with socket.socket() as listener:  # accepts connections, never speaks TLS
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        assert weak_tls_probe("127.0.0.1", port, timeout=0.3) == []

