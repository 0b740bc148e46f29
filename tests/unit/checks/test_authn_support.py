"""Shared pieces of the authentication and abuse checks, and the harness their tests use.

`scan_check` runs one check the way the engine does: `GET /`, the real exploration of an
OpenAPI document as user A (and B), then the check, against a MockTransport handler, a WSGI
app (through `wsgi`) or any httpx transport (an ASGI app through `httpx.ASGITransport`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from werkzeug.test import Client

from middlebrick.checks import CHECKS, CheckContext
from middlebrick.checks.authn_support import json_shape, rate_limited, same_shape
from middlebrick.config import ScanConfig
from middlebrick.explore import explore
from middlebrick.http.client import ClientOptions, ScanClient
from middlebrick.http.exchange import Exchange
from middlebrick.models import Finding
from middlebrick.spec.ids import IdStore
from middlebrick.spec.load import parse_spec

Handler = Callable[[httpx.Request], httpx.Response]


def wsgi(app: Callable[..., Any]) -> Handler:
    """A handler answering through a WSGI app, with no cookie jar of its own."""
    client = Client(app, use_cookies=False)

    def handle(request: httpx.Request) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers.items() if k.lower() != "host"]
        answer = client.open(
            request.url.raw_path.decode("ascii"),
            method=request.method,
            headers=headers,
            data=request.content,
            base_url=f"{request.url.scheme}://{request.headers['host']}",
        )
        return httpx.Response(
            answer.status_code, headers=list(answer.headers.items()), content=answer.get_data()
        )

    return handle


def scan_check(
    check_id: str,
    target: Handler | httpx.AsyncBaseTransport,
    document: Mapping[str, Any] | None,
    *,
    headers_a: Mapping[str, str] | None = None,
    headers_b: Mapping[str, str] | None = None,
    read_only: bool = False,
    allow_destructive: bool = False,
    base_url: str = "http://api.test",
    sent: list[Exchange] | None = None,
    rate_limit_burst: int = 20,
) -> list[Finding]:
    """Explore `document` as A (and B), then run one check; `sent` collects every exchange."""
    identities = {"a": dict(headers_a or {})}
    if headers_b:
        identities["b"] = dict(headers_b)
    options = ClientOptions(
        identities=identities, read_only=read_only, allow_destructive=allow_destructive
    )
    config = ScanConfig(
        target=base_url,
        headers_a=identities["a"],
        headers_b=dict(headers_b or {}),
        client=options,
        rate_limit_burst=rate_limit_burst,
    )
    spec = parse_spec(json.dumps(document), source="memory.json") if document else None
    transport = target if isinstance(target, httpx.AsyncBaseTransport) else None

    async def go() -> list[Finding]:
        mock = transport or httpx.MockTransport(target)  # type: ignore[arg-type]
        async with ScanClient(base_url, options, transport=mock) as client:
            ids = IdStore(spec)
            seen = [await client.request("GET", "/")]
            if spec is not None:
                seen += await explore(client, spec, ids, identities=list(identities))
            check = CHECKS.get(check_id)
            ctx = CheckContext(
                check=check, config=config, client=client, spec=spec, ids=ids, exchanges=seen
            )
            try:
                return await check.function(ctx)
            finally:
                if sent is not None:
                    sent.extend(client.exchanges)

    return asyncio.run(go())


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
