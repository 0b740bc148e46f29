"""The engine isolates crashing checks, selects checks, and validates before it fans out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from middlebrick.checks.base import CHECKS, CheckContext, check
from middlebrick.config import ScanConfig
from middlebrick.engine import scan, select_checks
from middlebrick.errors import TargetUnreachable, UsageError
from middlebrick.models import Category, Finding, Severity

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


@pytest.mark.parametrize("target", ["ftp://x", "not a url", "http://"])
def test_bad_targets_are_usage_errors(target):
    with pytest.raises(UsageError):
        asyncio.run(scan(ScanConfig(target=target)))


def test_transport_failure_is_unreachable():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(TargetUnreachable, match="cannot reach"):
        transport = httpx.MockTransport(refuse)
        asyncio.run(scan(ScanConfig(target="http://api.test"), transport=transport))
