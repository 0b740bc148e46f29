"""Shared pieces of the authentication and abuse checks, and the harness their tests use
(`scan_check` and `wsgi` live in tests/support, re-exported here for those tests)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from middlebrick.checks.authn_support import json_shape, rate_limited, same_shape
from middlebrick.http.exchange import Exchange

from support.harness import scan_check  # noqa: F401  (re-exported)
from support.mock import wsgi_handler as wsgi  # noqa: F401  (re-exported)

Handler = Callable[[httpx.Request], httpx.Response]


def operation(
    *,
    secured: bool | None = True,
    response: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    params: list[Mapping[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An OpenAPI 3.0 operation; secured=None leaves security to the document's default."""
    op: dict[str, Any] = {
        "responses": {
            "200": {
                "description": "ok",
                "content": {"application/json": {"schema": response or {"type": "object"}}},
            }
        }
    }
    if secured is True:
        op["security"] = [{"bearer": []}]
    elif secured is False:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    op.update(extra or {})
    return op


def document(paths: Mapping[str, Mapping[str, Any]], **extra: Any) -> dict[str, Any]:
    """An OpenAPI 3.0 document with a bearer scheme."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "unit", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        **extra,
    }


def _exchange(status: int, headers: Mapping[str, str] | None = None, body: bytes = b"") -> Exchange:
    return Exchange(
        method="GET",
        url="http://api.test/x",
        request_headers=httpx.Headers(),
        request_body=b"",
        status=status,
        headers=httpx.Headers(headers or {}),
        body=body,
    )


def test_same_shape_compares_structure_not_values():
    alice = {"orders": [{"id": "o-1", "total": 12, "items": ["a"]}], "next": None}
    bob = {"orders": [{"id": "o-9", "total": 99, "items": []}], "next": "cursor"}
    assert same_shape(alice, bob)
    assert not same_shape(alice, {"error": "authentication required"})
    assert not same_shape(alice, {"orders": []})


def test_trivial_shapes_prove_nothing():
    assert len(json_shape({"status": "ok"})) == 2
    assert not same_shape({"status": "ok"}, {"status": "ok"})
    assert not same_shape([], [])


def test_push_back_is_a_429_a_rate_header_or_a_lockout_message():
    assert rate_limited(_exchange(429))
    assert rate_limited(_exchange(401, {"X-RateLimit-Remaining": "3"}))
    assert rate_limited(_exchange(200, {"RateLimit-Policy": "10;w=60"}))
    assert rate_limited(_exchange(403, body=b'{"error": "account locked, try again later"}'))
    assert not rate_limited(_exchange(401, body=b'{"error": "invalid username or password"}'))
    assert not rate_limited(_exchange(200, body=b'{"title": "too many cooks"}'))
