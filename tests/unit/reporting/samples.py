"""Scan results for the reporter tests, built directly.

`hostile_result()` carries what a malicious target can put into a report: markup and script in
bodies, Markdown links and mentions, table pipes, backticks and control characters.
"""

from __future__ import annotations

from typing import Any

from middlebrick.models import (
    Category,
    CheckError,
    Confidence,
    Coverage,
    Endpoint,
    Evidence,
    Finding,
    ScanResult,
    Score,
    Severity,
    SpecInfo,
    SpecLocation,
    Stats,
    finding_id,
)
from middlebrick.reporting.view import CheckInfo

TARGET = "http://127.0.0.1:5999"
SCRIPT = "<script>window.__pwned = 'script'</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'\">"
HOSTILE_BODY = f"<html><body>{SCRIPT}{IMG}</body></html>"
HOSTILE_TITLE = "Echoes `a|b` | [click](https://evil.example) @acme/admins <b>bold</b>\x00\x1b[31m"


def evidence(method: str, url: str, status: int, body: str = "ok", **extra: Any) -> Evidence:
    return Evidence(
        request={"method": method, "url": url, "headers": {"accept": "*/*"}},
        response={"status": status, "headers": {"content-type": "text/html"}, "body": body,
                  **extra},
    )


def make_finding(
    check: str = "demo.check",
    *,
    severity: Severity = Severity.HIGH,
    method: str | None = "GET",
    path: str | None = "/items/{item_id}",
    title: str = "Something is wrong",
    discriminator: str = "",
    category: Category = Category.MISCONFIGURATION,
    location: SpecLocation | None = None,
    body: str = "ok",
    cwe: str | None = "CWE-200",
) -> Finding:
    endpoint = (
        Endpoint(method=method, path=path, url=TARGET + path.replace("{item_id}", "it-1"))
        if method and path
        else None
    )
    url = endpoint.url if endpoint else TARGET + "/"
    return Finding(
        id=finding_id(check, method, path, discriminator),
        check=check,
        category=category,
        severity=severity,
        confidence=Confidence.FIRM,
        title=title,
        description=f"What is wrong with {check}.",
        remediation="Change `app.config['X']` to something safe.",
        endpoint=endpoint,
        evidence=(evidence(method or "GET", url, 500, body),),
        owasp=category.owasp,
        cwe=cwe,
        location=location,
    )


def make_result(
    findings: list[Finding],
    *,
    spec_source: str | None = None,
    coverage: tuple[Coverage, ...] = (),
    errors: tuple[CheckError, ...] = (),
    notes: tuple[str, ...] = (),
    value: int = 55,
) -> ScanResult:
    grade = "A" if value >= 90 else "B" if value >= 80 else "C" if value >= 70 else "F"
    return ScanResult(
        tool_version="0.1.0",
        target=TARGET,
        started_at="2026-01-02T03:04:05.000Z",
        finished_at="2026-01-02T03:04:07.500Z",
        duration_s=2.5,
        spec=SpecInfo(source=spec_source, version="3.0.3", operations=len(coverage))
        if spec_source
        else None,
        score=Score(value=value, grade=grade,
                    categories={f.category.value: 40 for f in findings} or {"bola": 100}),
        stats=Stats(requests=12, endpoints=len(coverage), checks_run=3),
        findings=tuple(sorted(findings, key=lambda f: (f.severity, f.check, f.id))),
        coverage=coverage,
        errors=errors,
        notes=notes,
    )


COVERAGE = (
    Coverage(method="GET", path="/items", requests=3, statuses={"200": 3}),
    Coverage(method="GET", path="/items/{item_id}", requests=2, statuses={"200": 1, "404": 1}),
    Coverage(method="DELETE", path="/items/{item_id}", requests=1, statuses={"401": 1}),
)


def info(check_id: str, severity: Severity = Severity.MEDIUM) -> CheckInfo:
    return CheckInfo(
        id=check_id,
        title=f"Title of {check_id}",
        category=Category.MISCONFIGURATION,
        severity=severity,
        confidence=Confidence.FIRM,
        description=f"Description of {check_id}.",
        remediation=f"Remediation of {check_id}.",
        cwe="CWE-16",
        owasp="API8:2023",
    )


def hostile_result() -> ScanResult:
    """A result whose target-controlled text tries to attack every report format."""
    findings = [
        make_finding("demo.reflect", severity=Severity.CRITICAL, title=HOSTILE_TITLE,
                     body=HOSTILE_BODY),
        make_finding("demo.reflect", severity=Severity.LOW, method=None, path=None,
                     title=f"Service says {SCRIPT}", body=IMG),
        make_finding("demo.header", severity=Severity.MEDIUM, path="/items",
                     title="Header\u000b with | pipe", body="\x01\x02 binary \uffff junk"),
    ]
    return make_result(
        findings,
        coverage=COVERAGE,
        errors=(CheckError(check="demo.crashy", error=f"ValueError: {SCRIPT}"),),
        notes=(f"note with {IMG} and [link](https://evil.example)",),
    )
