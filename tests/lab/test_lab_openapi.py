"""Both twins serve valid OpenAPI 3.1; only the vulnerable one has an undocumented route."""

from __future__ import annotations

import inspect
import re
from typing import Any

import httpx
import pytest
from flask import Flask
from openapi_spec_validator import validate

from middlebrick.lab import Lab, load_ground_truth, vulnerable

pytestmark = pytest.mark.integration
Route = tuple[str, str]


def routes(app: Flask) -> set[Route]:
    """(METHOD, /path/{param}) of every route the app serves, the document itself aside."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule == "/openapi.json":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        found |= {(m, path) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    return found


def documented(document: dict[str, Any]) -> set[Route]:
    return {(m.upper(), p) for p, item in document["paths"].items() for m in item}


def fetch_document(url: str) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(url, timeout=10).raise_for_status().json()
    return document


def test_both_twins_serve_valid_openapi_3_1(lab: Lab) -> None:
    for twin in lab.twins:
        document = fetch_document(twin.openapi_url)
        assert document["openapi"].startswith("3.1.")
        validate(document)
        assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
        assert len(documented(document)) >= 12


def test_the_vulnerable_twin_hides_exactly_its_undocumented_route(lab: Lab) -> None:
    served = routes(lab.vulnerable.app)
    described = documented(fetch_document(lab.vulnerable.openapi_url))
    assert served - described == {("GET", "/internal/export")}
    assert described <= served


def test_the_hardened_twin_documents_every_route(lab: Lab) -> None:
    assert routes(lab.hardened.app) == documented(fetch_document(lab.hardened.openapi_url))


def test_hardened_operations_declare_their_error_answers(lab: Lab) -> None:
    document = fetch_document(lab.hardened.openapi_url)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            answers = set(operation["responses"])
            if operation.get("security") != []:
                assert "401" in answers, (method, path)
            if "{" in path:
                assert "404" in answers, (method, path)
    assert "429" in document["paths"]["/auth/login"]["post"]["responses"]
    assert "403" in document["paths"]["/admin/users"]["get"]["responses"]


def test_ground_truth_routes_are_served_by_the_vulnerable_twin(lab: Lab) -> None:
    served = routes(lab.vulnerable.app)
    for item in load_ground_truth():
        if item.path is not None:
            assert (item.method, item.path) in served, item.id


def test_every_vuln_marker_in_the_source_is_in_the_ground_truth() -> None:
    marked = set(re.findall(r"# VULN ([a-z0-9, -]+?):", inspect.getsource(vulnerable)))
    ids = {i.strip() for group in marked for i in group.split(",")}
    assert ids == {item.id for item in load_ground_truth()}
