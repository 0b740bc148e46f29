"""The HTML report: one self-contained file (inline CSS, no script, nothing loaded from outside).

Everything a target sent is evidence, and evidence is hostile: the template autoescapes every
value and a Content-Security-Policy forbids scripts, so a `<script>` in a response body is text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import IO, Any

import jinja2
from markupsafe import Markup, escape

from middlebrick.evidence import mask_text
from middlebrick.models import Evidence, Finding, ScanResult, Severity
from middlebrick.reporting import reporter
from middlebrick.reporting.view import baseline_of, by_severity, severity_counts, where

OPEN_SEVERITIES = {Severity.CRITICAL, Severity.HIGH}  # these groups start unfolded
_CODE = re.compile(r"`([^`]+)`")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("middlebrick.reporting", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["prose"] = prose
    return env


def prose(text: object) -> Markup:
    """Escaped text whose `code` spans become <code> elements."""
    pieces = _CODE.split(str(text))
    return Markup("").join(
        Markup("<code>%s</code>") % piece if n % 2 else escape(piece)
        for n, piece in enumerate(pieces)
    )


@reporter("html")
def render(result: ScanResult, out: IO[str]) -> None:
    out.write(environment().get_template("report.html.j2").render(**context(result)))


def context(result: ScanResult) -> dict[str, Any]:
    """Everything the template shows, as plain values."""
    baseline = baseline_of(result)
    coverage = [c.to_dict() for c in result.coverage]
    return {
        "target": result.target,
        "version": result.tool_version,
        "grade": result.score.grade,
        "score": result.score.value,
        "stats": result.stats.to_dict(),
        "duration": f"{result.duration_s:.1f}",
        "finished_at": result.finished_at,
        "spec": result.spec.to_dict() if result.spec else None,
        "counts": [(s.value, n) for s, n in severity_counts(result.findings).items()],
        "categories": [
            {"name": name, "value": value, "css": _bar_class(value)}
            for name, value in sorted(result.score.categories.items(), key=lambda kv: kv[1])
        ],
        "baseline": None
        if baseline is None
        else {
            "source": baseline.source,
            "new": baseline.new,
            "existing": baseline.existing,
            "fixed": [_prior(p.to_dict()) for p in baseline.fixed],
            "unchecked": [_prior(p.to_dict()) for p in baseline.unchecked],
        },
        "groups": [
            {
                "severity": severity.value,
                "open": severity in OPEN_SEVERITIES,
                "findings": [
                    _finding(f, baseline.status_of(f.id) if baseline else None) for f in findings
                ],
            }
            for severity, findings in by_severity(result.findings)
        ],
        "coverage": {
            "rows": [
                {**c, "statuses": ", ".join(f"{k}\u00d7{v}" for k, v in c["statuses"].items())}
                for c in coverage
            ],
            "total": len(coverage),
            "exercised": sum(1 for c in coverage if c["exercised"]),
            "requests": sum(c["requests"] for c in coverage),
        }
        if coverage
        else None,
        "notes": list(result.notes),
        "errors": [e.to_dict() for e in result.errors],
    }


def _bar_class(value: int) -> str:
    return "good" if value >= 90 else "fair" if value >= 70 else "poor"


def _prior(summary: Mapping[str, Any]) -> dict[str, Any]:
    endpoint = summary.get("endpoint")
    shown = f"{endpoint['method']} {endpoint['path']}" if endpoint else "service"
    return {**summary, "where": shown}


def _finding(f: Finding, status: str | None) -> dict[str, Any]:
    location = None
    if f.location is not None:
        line = f":{f.location.line}" if f.location.line else ""
        pointer = f" #{f.location.pointer}" if f.location.pointer else ""
        location = f"{f.location.file}{line}{pointer}"
    return {
        "id": f.id,
        "check": f.check,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "category": f.category.value,
        "title": f.title,
        "where": where(f),
        "url": mask_text(f.endpoint.url) if f.endpoint else None,
        "owasp": f.owasp,
        "cwe": f.cwe,
        "location": location,
        "location_label": "in the spec" if f.location and f.location.pointer else "in the source",
        "description": f.description,
        "remediation": f.remediation,
        "baseline": status,
        "evidence": [_evidence(e) for e in f.evidence],
    }


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {
        "note": evidence.note,
        "request": http_message(
            f"{evidence.request.get('method', '')} {evidence.request.get('url', '')}",
            evidence.request.get("headers"),
            evidence.request.get("body"),
        ),
        "response": http_message(
            _status_line(evidence.response),
            evidence.response.get("headers"),
            evidence.response.get("body"),
        ),
    }


def _status_line(response: Mapping[str, Any]) -> str:
    status = response.get("status")
    if not status:
        return f"(no response: {response.get('error') or 'transport error'})"
    elapsed = response.get("elapsed_ms")
    return f"HTTP {status}" + (f"   ({elapsed} ms)" if elapsed is not None else "")


def http_message(first_line: str, headers: Any, body: Any) -> str:
    """A request or response written the way it travelled (plain text; the template escapes)."""
    lines = [first_line]
    if isinstance(headers, Mapping):
        lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines += ["", str(body)]
    return "\n".join(lines)


__all__ = ["context", "environment", "http_message", "prose", "render"]
