"""Run one check the way the engine does: `GET /`, the real exploration of an OpenAPI document
as user A (and B), then the check — against a MockTransport handler or any httpx transport (an
ASGI app through `httpx.ASGITransport`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from middlebrick.checks import CHECKS, CheckContext
from middlebrick.config import ScanConfig
from middlebrick.explore import explore
from middlebrick.http.client import ClientOptions, ScanClient
from middlebrick.http.exchange import Exchange
from middlebrick.models import Finding
from middlebrick.spec.ids import IdStore
from middlebrick.spec.load import parse_spec

Handler = Callable[[httpx.Request], httpx.Response]


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
