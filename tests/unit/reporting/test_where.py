"""Where a finding is, as every reporter names it."""

from __future__ import annotations

from middlebrick.models import (
    Category,
    Confidence,
    Endpoint,
    Finding,
    Severity,
    SpecLocation,
)
from middlebrick.reporting.view import where


def finding(**kw: object) -> Finding:
    base: dict[str, object] = {
        "id": "x", "check": "a.b", "category": Category.INJECTION, "severity": Severity.HIGH,
        "confidence": Confidence.FIRM, "title": "t", "description": "d", "remediation": "r",
        "endpoint": None,
    }
    return Finding(**{**base, **kw})  # type: ignore[arg-type]


def test_an_operation_a_source_line_a_document_node_or_the_service():
    endpoint = Endpoint(method="GET", path="/items/{id}", url="http://x/items/1")
    assert where(finding(endpoint=endpoint)) == "GET /items/{id}"
    code = SpecLocation(file="service/app.py", pointer="", line=40)
    assert where(finding(location=code)) == "service/app.py:40"
    doc = SpecLocation(file="openapi.yaml", pointer="/paths/~1items/get", line=12)
    assert where(finding(location=doc)) == "openapi.yaml#/paths/~1items/get"
    assert where(finding()) == "service"
