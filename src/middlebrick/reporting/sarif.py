"""SARIF 2.1.0, the way GitHub code scanning reads it.

One rule per check, one result per finding. GitHub rejects a whole file if one result has no
location, so every result gets one: the operation's line in the OpenAPI file when the scan used
a local file, else the URL that was requested (plus a logical location: the operation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit

from middlebrick.evidence import mask_text
from middlebrick.models import Confidence, Evidence, Finding, ScanResult, Severity
from middlebrick.reporting import reporter
from middlebrick.reporting.view import CheckInfo, baseline_of, checks_of, where

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "middlebrickFindingId/v1"
SRCROOT = "%SRCROOT%"


@dataclass(frozen=True, slots=True)
class SarifSeverity:
    level: str  # SARIF result level
    security_severity: str  # GitHub's 0.0-10.0 score, as a string


# The one place a severity becomes a SARIF level and a GitHub security-severity.
SARIF_SEVERITY: Mapping[Severity, SarifSeverity] = {
    Severity.CRITICAL: SarifSeverity("error", "9.5"),
    Severity.HIGH: SarifSeverity("error", "8.0"),
    Severity.MEDIUM: SarifSeverity("warning", "5.5"),
    Severity.LOW: SarifSeverity("note", "3.0"),
    Severity.INFO: SarifSeverity("note", "0.0"),
}
PRECISION = {
    Confidence.CERTAIN: "very-high",
    Confidence.FIRM: "high",
    Confidence.TENTATIVE: "medium",
}
BASELINE_STATE = {"new": "new", "existing": "unchanged"}


@reporter("sarif")
def render(result: ScanResult, out: IO[str]) -> None:
    json.dump(to_sarif(result), out, indent=2, ensure_ascii=False)
    out.write("\n")


def to_sarif(result: ScanResult, *, cwd: Path | None = None) -> dict[str, Any]:
    """The SARIF log of one scan; file locations are made relative to `cwd` (default: here)."""
    base = (cwd or Path.cwd()).resolve()
    checks = checks_of(result)
    worst = _worst_severity(result)
    rules = [_rule(c, worst.get(c.id, c.severity)) for c in checks]
    index = {c.id: n for n, c in enumerate(checks)}
    lines = {
        (f.endpoint.method, f.endpoint.path): f.location.line
        for f in result.findings
        if f.endpoint and f.location and f.location.line
    }
    spec_file = _local_file(result.spec.source) if result.spec else None
    results = [
        _result(f, result, index[f.check], _location(f, result.target, spec_file, lines, base))
        for f in result.findings
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "middlebrick",
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "rules": rules,
            }
        },
        "invocations": [_invocation(result)],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "target": result.target,
            "score": result.score.value,
            "grade": result.score.grade,
        },
    }
    if any(
        loc.get("physicalLocation", {}).get("artifactLocation", {}).get("uriBaseId") == SRCROOT
        for r in results
        for loc in r["locations"]
    ):
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base.as_uri() + "/"}}
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _worst_severity(result: ScanResult) -> dict[str, Severity]:
    # GitHub reads security-severity from the rule only: a rule is as severe as its worst result.
    worst: dict[str, Severity] = {}
    for f in result.findings:
        if f.check not in worst or f.severity.rank > worst[f.check].rank:
            worst[f.check] = f.severity
    return worst


def _rule(check: CheckInfo, severity: Severity) -> dict[str, Any]:
    text = f"{check.description}\n\nFix: {check.remediation}".strip()
    markdown = f"{check.description}\n\n**Fix**\n\n{check.remediation}".strip()
    tags = ["security", check.category.value]
    if check.cwe:
        tags += [check.cwe, f"external/cwe/{check.cwe.lower()}"]
    if check.owasp:
        tags += [f"OWASP-{check.owasp}"]
    rule: dict[str, Any] = {
        "id": check.id,
        "name": "".join(part.capitalize() for part in check.id.replace("-", ".").split(".")),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.description or check.title},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": SARIF_SEVERITY[severity].level},
        "properties": {
            "security-severity": SARIF_SEVERITY[severity].security_severity,
            "precision": PRECISION[check.confidence],
            "tags": list(dict.fromkeys(tags)),
        },
    }
    if check.cwe:
        number = check.cwe.removeprefix("CWE-")
        rule["helpUri"] = f"https://cwe.mitre.org/data/definitions/{number}.html"
    return rule


def _result(
    finding: Finding, result: ScanResult, rule_index: int, location: dict[str, Any]
) -> dict[str, Any]:
    message = f"{finding.title} ({where(finding)}). {finding.description}".strip()
    data: dict[str, Any] = {
        "ruleId": finding.check,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": SARIF_SEVERITY[finding.severity].level,
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.id},
        "properties": {
            "id": finding.id,
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            "category": finding.category.value,
            "owasp": finding.owasp,
            "cwe": finding.cwe,
            "url": mask_text(finding.endpoint.url if finding.endpoint else result.target),
            "remediation": finding.remediation,
        },
    }
    baseline = baseline_of(result)
    if baseline is not None:
        data["baselineState"] = BASELINE_STATE[baseline.status_of(finding.id)]
    if finding.evidence:
        data.update(_web(finding.evidence[0]))
    return data


def _location(
    finding: Finding,
    target: str,
    spec_file: str | None,
    lines: Mapping[tuple[str, str], int],
    base: Path,
) -> dict[str, Any]:
    logical = {
        "name": where(finding),
        "fullyQualifiedName": where(finding),
        "kind": "function" if finding.endpoint else "module",
    }
    own_file = _local_file(finding.location.file) if finding.location else None
    file = own_file or spec_file
    if file is not None:
        line = finding.location.line if own_file and finding.location else None
        if line is None and finding.endpoint:
            line = lines.get((finding.endpoint.method, finding.endpoint.path))
        physical = {"artifactLocation": _artifact(file, base), "region": {"startLine": line or 1}}
    else:
        url = finding.endpoint.url if finding.endpoint else target
        physical = {"artifactLocation": {"uri": _uri_reference(_without_query(url))}}
    return {"physicalLocation": physical, "logicalLocations": [logical]}


def _local_file(source: str) -> str | None:
    """The path of a local file, or None for a URL."""
    parts = urlsplit(source)
    if parts.scheme == "file":
        return parts.path
    if len(parts.scheme) > 1:  # http(s) and friends; one letter is a Windows drive
        return None
    return source


def _artifact(file: str, base: Path) -> dict[str, Any]:
    path = Path(file).resolve()
    try:
        relative = path.relative_to(base)
    except ValueError:
        return {"uri": path.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}


def _without_query(url: str) -> str:
    # A query string may carry a token; the place is the path.
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path or '/'}" if parts.scheme else parts.path or "/"


def _uri_reference(value: str) -> str:
    # Evidence URLs are already URLs; keep them, only quoting what a URI may not contain.
    return quote(value, safe="!#$%&'()*+,-./:;=?@[]_~")


def _web(evidence: Evidence) -> dict[str, Any]:
    request, response = evidence.request, evidence.response
    web_request: dict[str, Any] = {
        "protocol": "http",
        "method": str(request.get("method", "")),
        "target": str(request.get("url", "")),
        "headers": _headers(request.get("headers")),
    }
    if request.get("body"):
        web_request["body"] = {"text": str(request["body"])}
    status = response.get("status")
    web_response: dict[str, Any] = {
        "protocol": "http",
        "headers": _headers(response.get("headers")),
    }
    if isinstance(status, int) and status > 0:
        web_response["statusCode"] = status
        web_response["body"] = {"text": str(response.get("body", ""))}
    else:
        web_response["noResponseReceived"] = True
    return {"webRequest": web_request, "webResponse": web_response}


def _headers(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def _invocation(result: ScanResult) -> dict[str, Any]:
    notes = [{"level": "note", "message": {"text": note}} for note in result.notes]
    errors = [
        {
            "level": "error",
            "message": {"text": f"check {e.check} crashed: {e.error}"},
            "associatedRule": {"id": e.check},
        }
        for e in result.errors
    ]
    return {
        "executionSuccessful": True,
        "startTimeUtc": result.started_at,
        "endTimeUtc": result.finished_at,
        "toolExecutionNotifications": errors + notes,
    }


__all__ = ["SARIF_SEVERITY", "SarifSeverity", "render", "to_sarif"]
