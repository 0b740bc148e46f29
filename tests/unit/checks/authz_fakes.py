"""Runner and helpers for the authorization and SSRF check tests.

`scan_mock` runs the real engine (spec discovery, exploration as users A and B, the checks)
against an httpx.MockTransport handler, so a check sees exactly what it sees in a real scan.
The target URL is a loopback address, but MockTransport never opens a socket to it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from middlebrick.config import ScanConfig
from middlebrick.engine import scan
from middlebrick.http.client import ClientOptions
from middlebrick.models import Finding, ScanResult

from support.mock import wsgi_handler as wsgi  # noqa: F401  (re-exported)

TARGET = "http://127.0.0.1:9"
Handler = Callable[[httpx.Request], Any]


def scan_mock(
    handler: Handler,
    *,
    checks: str,
    a: Mapping[str, str] | None = None,
    b: Mapping[str, str] | None = None,
    allow_destructive: bool = False,
    read_only: bool = False,
    target: str = TARGET,
) -> ScanResult:
    """One scan of the mock API with the named checks (ids or prefixes, comma-separated)."""
    config = ScanConfig(
        target=target,
        headers_a=dict(a or {}),
        headers_b=dict(b or {}),
        checks=tuple(checks.split(",")),
        client=ClientOptions(allow_destructive=allow_destructive, read_only=read_only),
        debug=True,  # a crashing check fails the test instead of becoming a recorded error
    )
    return asyncio.run(scan(config, transport=httpx.MockTransport(handler)))


def found(result: ScanResult, check_id: str) -> list[Finding]:
    return [f for f in result.findings if f.check == check_id]


def where(findings: list[Finding]) -> set[tuple[str, str]]:
    """(method, path template) of each finding."""
    return {(f.endpoint.method, f.endpoint.path) for f in findings if f.endpoint}


def reply(status: int, body: Any = None, **headers: str) -> httpx.Response:
    """A JSON answer (204 and None bodies are empty)."""
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def body_of(request: httpx.Request) -> Any:
    try:
        return json.loads(request.content or b"null")
    except ValueError:
        return None


@dataclass
class Router:
    """A tiny regex router for hand-written mock APIs, recording every request."""

    routes: list[tuple[str, re.Pattern[str], Callable[..., httpx.Response]]] = field(
        default_factory=list
    )
    log: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, user
    requests: list[httpx.Request] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # bearer token -> user id

    def route(self, method: str, pattern: str) -> Callable[..., Any]:
        def add(view: Callable[..., httpx.Response]) -> Callable[..., httpx.Response]:
            self.routes.append((method, re.compile(pattern + "$"), view))
            return view

        return add

    def who(self, request: httpx.Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return self.users.get(token) if scheme.lower() == "bearer" else None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        user = self.who(request)
        self.log.append((request.method, request.url.path, user))
        self.requests.append(request)
        for method, pattern, view in self.routes:
            match = pattern.match(request.url.path)
            if match and method == request.method:
                return view(request, user, *match.groups())
        return reply(404, {"message": "not found"})


def openapi(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An OpenAPI 3.0 document around `paths`."""
    return {"openapi": "3.0.3", "info": {"title": "mock", "version": "1"}, "paths": paths, **extra}


def ok(schema: Any = None, status: str = "200") -> dict[str, Any]:
    """A responses object with one JSON success answer."""
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    return {status: {"description": "ok", "content": content}}


def json_body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def path_id(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}
