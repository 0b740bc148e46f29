"""Shared test helpers: run one check against an httpx.MockTransport handler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest

from middlebrick.checks.base import CHECKS, CheckContext
from middlebrick.config import ScanConfig
from middlebrick.http.client import ClientOptions, ScanClient
from middlebrick.models import Finding

Handler = Callable[[httpx.Request], httpx.Response]


def run_check(
    check_id: str,
    handler: Handler,
    *,
    base_url: str = "http://api.test",
    spec: Any = None,
    explore: Sequence[tuple[str, str]] = (("GET", "/"),),
    config: ScanConfig | None = None,
    options: ClientOptions | None = None,
) -> list[Finding]:
    """Run a registered check against a mock API, after "exploring" the given requests."""
    import middlebrick.checks  # noqa: F401  (registers the built-in checks)
    from middlebrick.spec.ids import IdStore

    async def go() -> list[Finding]:
        cfg = config or ScanConfig(target=base_url)
        opts = options or cfg.client
        async with ScanClient(base_url, opts, transport=httpx.MockTransport(handler)) as client:
            seen = [await client.request(m, p) for m, p in explore]
            ctx = CheckContext(
                check=CHECKS.get(check_id),
                config=cfg,
                client=client,
                spec=spec,
                ids=IdStore(),
                exchanges=seen,
            )
            return await CHECKS.get(check_id).function(ctx)

    return asyncio.run(go())


@pytest.fixture(scope="session", autouse=True)
def _history_in_a_temporary_place(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Scans the tests run are recorded like any scan, but never in the user's own history."""
    import os

    data = tmp_path_factory.mktemp("data")
    os.environ["XDG_DATA_HOME"] = str(data)
    os.environ["MIDDLEBRICK_DB"] = str(data / "history.sqlite3")


@pytest.fixture
def check_runner() -> Callable[..., list[Finding]]:
    return run_check
