"""Run one check after the real exploration of an OpenAPI document, as users A and B.

conftest's `run_check` replays a fixed list of requests; checks that compare what A and B saw,
or that need each exchange's operation, get that here from `middlebrick.explore`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from werkzeug.test import Client

from middlebrick.checks import CHECKS, CheckContext
from middlebrick.config import ScanConfig
from middlebrick.explore import explore
from middlebrick.http.client import ClientOptions, ScanClient
from middlebrick.models import Finding
from middlebrick.spec.ids import IdStore
from middlebrick.spec.load import parse_spec

Handler = Callable[[httpx.Request], httpx.Response]


def wsgi(app: Callable[..., Any]) -> Handler:
    """A MockTransport handler answering through `app`, with no cookie jar of its own: a real
    server sees exactly the Cookie header the scanner sent (wsgi.py's client keeps a jar)."""
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


def run_explored(
    check_id: str,
    handler: Handler,
    document: Mapping[str, Any] | None,
    *,
    headers_a: Mapping[str, str] | None = None,
    headers_b: Mapping[str, str] | None = None,
    read_only: bool = False,
    base_url: str = "http://api.test",
) -> list[Finding]:
    """`GET /`, explore `document` (if any) as A (and B), then run the check."""
    identities = {"a": dict(headers_a or {})}
    if headers_b:
        identities["b"] = dict(headers_b)
    options = ClientOptions(identities=identities, read_only=read_only)
    config = ScanConfig(
        target=base_url, headers_a=identities["a"], headers_b=dict(headers_b or {}), client=options
    )
    spec = parse_spec(json.dumps(document), source="memory.json") if document else None

    async def go() -> list[Finding]:
        transport = httpx.MockTransport(handler)
        async with ScanClient(base_url, options, transport=transport) as client:
            ids = IdStore()
            seen = [await client.request("GET", "/")]
            if spec is not None:
                seen += await explore(client, spec, ids, identities=list(identities))
            check = CHECKS.get(check_id)
            ctx = CheckContext(
                check=check, config=config, client=client, spec=spec, ids=ids, exchanges=seen
            )
            return await check.function(ctx)

    return asyncio.run(go())
