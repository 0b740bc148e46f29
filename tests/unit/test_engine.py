"""The engine isolates crashing checks, selects checks, and validates before it fans out."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from middlebrick.checks.base import CHECKS, CheckContext, check
from middlebrick.config import ScanConfig
from middlebrick.engine import scan, select_checks
from middlebrick.errors import TargetUnreachable, UsageError
from middlebrick.http.client import ClientOptions
from middlebrick.models import Category, Coverage, Finding, Severity

from support.schema import validate_report


@pytest.fixture
def temporary_checks() -> Iterator[None]:
    @check("test.boom", category=Category.MISCONFIGURATION, severity=Severity.HIGH,
           remediation="none")
    async def boom(ctx: CheckContext) -> list[Finding]:
        """Always crashes."""
        raise RuntimeError("kaboom")

    @check("test.always", category=Category.INVENTORY, severity=Severity.MEDIUM,
           remediation="Remove it.")
    async def always(ctx: CheckContext) -> list[Finding]:
        """Always finds something."""
        return [ctx.finding(exchange=ctx.exchanges[0])]

    yield
    CHECKS.unregister("test.boom")
    CHECKS.unregister("test.always")


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def run(config: ScanConfig) -> dict:
    result = asyncio.run(scan(config, transport=httpx.MockTransport(handler)))
    report = result.to_dict()
    validate_report(report)
    return report


def test_a_crashing_check_is_recorded_and_the_scan_goes_on(temporary_checks):
    report = run(ScanConfig(target="http://api.test", checks=("test",)))
    assert report["errors"] == [
        {"check": "test.boom", "error": report["errors"][0]["error"]}
    ]
    assert "RuntimeError: kaboom" in report["errors"][0]["error"]
    assert [f["check"] for f in report["findings"]] == ["test.always"]
    assert report["stats"]["checks_run"] == 2


def test_debug_reraises_a_crashing_check(temporary_checks):
    with pytest.raises(RuntimeError, match="kaboom"):
        run(ScanConfig(target="http://api.test", checks=("test.boom",), debug=True))


def test_select_by_id_prefix_and_category(temporary_checks):
    assert {c.id for c in select_checks(["test"])} == {"test.boom", "test.always"}
    assert {c.id for c in select_checks(["inventory"], ["test.always"])} & {"test.always"} == set()
    with pytest.raises(UsageError, match="nope"):
        select_checks(["nope"])


@pytest.mark.parametrize("target", ["ftp://x", "not a url", "http://", "http://api.test:99999",
                                    "http://api.test/?api_key=1", "http://api.test/#top"])
def test_bad_targets_are_usage_errors(target):
    with pytest.raises(UsageError):
        asyncio.run(scan(ScanConfig(target=target)))


def test_transport_failure_is_unreachable():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(TargetUnreachable, match="cannot reach"):
        transport = httpx.MockTransport(refuse)
        asyncio.run(scan(ScanConfig(target="http://api.test"), transport=transport))


def test_credentials_in_the_target_url_become_user_a_and_never_reach_a_report():
    seen: list[tuple[str, str | None]] = []

    @check("test.anonymous", category=Category.AUTHENTICATION, severity=Severity.HIGH,
           remediation="none")
    async def anonymous(ctx: CheckContext) -> list[Finding]:
        """Sends one anonymous request."""
        x = await ctx.request("GET", "/private", identity=None)
        return [ctx.finding(exchange=x)]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("authorization")))
        return httpx.Response(200, json={"ok": True})

    try:
        config = ScanConfig(target="http://alice:s3cret-pw@api.test/", checks=("test.anonymous",))
        result = asyncio.run(scan(config, transport=httpx.MockTransport(handler)))
    finally:
        CHECKS.unregister("test.anonymous")
    assert ("/", "Basic YWxpY2U6czNjcmV0LXB3") in seen  # user A: the URL's credentials
    assert ("/private", None) in seen  # anonymous means anonymous
    report = result.to_dict()
    validate_report(report)
    assert report["target"] == "http://api.test"
    assert "s3cret" not in json.dumps(report)


def test_credentials_in_the_url_and_in_a_header_are_a_usage_error():
    config = ScanConfig(target="http://alice:pw@api.test", headers_a={"Authorization": "Bearer x"})
    with pytest.raises(UsageError, match="not both"):
        asyncio.run(scan(config, transport=httpx.MockTransport(handler)))


@pytest.mark.parametrize("headers", [{"X-Token": "caf\u00e9"}, {"X-Token": "a\r\nX-Evil: 1"},
                                     {"Bad Name": "v"}])
def test_headers_that_cannot_be_sent_are_a_usage_error_before_any_request(headers):
    sent: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    with pytest.raises(UsageError, match="header"):
        asyncio.run(scan(ScanConfig(target="http://api.test", headers_b=headers),
                         transport=httpx.MockTransport(recording)))
    assert sent == []


def test_an_operation_that_never_answered_was_not_exercised():
    assert not Coverage(method="GET", path="/a", requests=2, statuses={"error": 2}).exercised
    assert not Coverage(method="GET", path="/a", requests=2,
                        statuses={"error": 1, "404": 1}).exercised
    assert Coverage(method="GET", path="/a", requests=2, statuses={"error": 1, "500": 1}).exercised


def test_a_deadline_stops_the_scan_with_partial_results_and_says_so():
    @check("test.endless", category=Category.RESOURCE_CONSUMPTION, severity=Severity.LOW,
           remediation="none")
    async def endless(ctx: CheckContext) -> list[Finding]:
        """Requests until a limit stops it."""
        while True:
            await ctx.request("GET", "/again")

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return httpx.Response(200)

    config = ScanConfig(target="http://api.test", checks=("test.endless",),
                        client=ClientOptions(deadline=1.0))
    started = time.monotonic()
    try:
        result = asyncio.run(scan(config, transport=httpx.MockTransport(slow)))
    finally:
        CHECKS.unregister("test.endless")
    assert time.monotonic() - started < 2.5
    assert result.stats.requests > 5 and result.errors == ()
    assert any("deadline" in note for note in result.notes)


def test_the_spec_is_fetched_with_the_scans_tls_setting(monkeypatch):
    calls: list[tuple[str, bool]] = []

    def fake_fetch(url: str, *, verify: bool = True) -> bytes:
        calls.append((url, verify))
        return json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                           "paths": {}}).encode()

    monkeypatch.setattr("middlebrick.engine.fetch_url", fake_fetch)
    config = ScanConfig(target="https://api.test", openapi="https://api.test/openapi.json",
                        checks=("inventory",), client=ClientOptions(verify_tls=False))
    result = asyncio.run(scan(config, transport=httpx.MockTransport(handler)))
    assert calls == [("https://api.test/openapi.json", False)]
    assert result.spec is not None


def test_a_hostile_discovered_document_is_a_note_not_a_crash():
    deep = b'{"openapi": "3.0.3", "x": ' + b'{"a":' * 5000

    def hostile(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/openapi.json":
            return httpx.Response(200, content=deep)
        return httpx.Response(200, json={"ok": True})

    config = ScanConfig(target="http://api.test", checks=("inventory",))
    result = asyncio.run(scan(config, transport=httpx.MockTransport(hostile)))
    assert result.spec is None
    assert any("nests too deeply" in note for note in result.notes)
