"""Scan results for the history and dashboard tests, built from the real models and scoring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from middlebrick.models import (
    Category,
    Confidence,
    Endpoint,
    Evidence,
    Finding,
    ScanResult,
    Severity,
    Stats,
    finding_id,
)
from middlebrick.scoring import score

TARGET = "http://127.0.0.1:5999"
SCRIPT = "<script>window.__pwned = 'script'; document.title = 'pwned'</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'; document.title = 'pwned'\">"
CATEGORIES = ("misconfiguration", "bola", "injection")


def finding(check: str, severity: Severity = Severity.HIGH, *, path: str | None = "/items",
            title: str | None = None, body: str = "ok",
            category: Category = Category.MISCONFIGURATION) -> Finding:
    endpoint = Endpoint(method="GET", path=path, url=TARGET + path) if path else None
    return Finding(
        id=finding_id(check, "GET" if path else None, path),
        check=check,
        category=category,
        severity=severity,
        confidence=Confidence.CERTAIN,
        title=title or f"Problem found by {check}",
        description=f"What {check} found and why it matters.",
        remediation="Set `app.config['DEBUG'] = False` and redeploy.",
        endpoint=endpoint,
        evidence=(Evidence(
            request={"method": "GET", "url": endpoint.url if endpoint else TARGET + "/",
                     "headers": {"accept": "*/*"}},
            response={"status": 200, "headers": {"content-type": "text/html"}, "body": body},
        ),),
        owasp=category.owasp,
        cwe="CWE-200",
    )


def result(findings: Sequence[Finding] = (), *, target: str = TARGET,
           started_at: str = "2026-01-02T03:04:05.000Z") -> ScanResult:
    """A result scored by the real scoring function."""
    return ScanResult(
        tool_version="0.1.0",
        target=target,
        started_at=started_at,
        finished_at=started_at.replace("05.000Z", "07.500Z"),
        duration_s=2.5,
        spec=None,
        score=score(findings, CATEGORIES),
        stats=Stats(requests=12, endpoints=3, checks_run=5),
        findings=tuple(findings),
    )


def at(base: ScanResult, started_at: str) -> ScanResult:
    return replace(base, started_at=started_at, finished_at=started_at)


def hostile_result(target: str = TARGET) -> ScanResult:
    """What a malicious target can put into a report: markup in titles and bodies."""
    return result([
        finding("demo.reflect", Severity.CRITICAL, title=f"Echoes {IMG}",
                body=f"<html><body>{SCRIPT}{IMG}</body></html>"),
        finding("demo.other", Severity.LOW, path=None, title=f"Service says {SCRIPT}", body=IMG),
    ], target=target)
