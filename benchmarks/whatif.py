"""What-if runs: ScanClient throughput with the two fixes the profile points at, applied from
outside `src/` so they can be measured before anyone changes the client.

* `sniffio`: httpcore asks `import sniffio` every time it sets up a lock or event; when the
  package is absent (anyio >= 4.11 no longer installs it), each failing import walks sys.path.
  The what-if puts a stand-in module in `sys.modules` for the run and removes it afterwards.
* `sharded pool`: httpcore's pool does O(connections²) work on every request it queues or
  releases, so one pool of `concurrency` connections collapses at 32+. The what-if passes
  ScanClient a transport made of several small pools (the public `transport=` argument).
"""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from importlib.util import find_spec

import httpx
from clientbench import run_round
from targetproc import TargetProcess

from middlebrick.http.client import ClientOptions, ScanClient

SHARD = 4  # connections per small pool: 4 measured cheapest per request (1-16 tried)


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that tells its pool's counter when it is closed."""

    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class ShardedTransport(httpx.AsyncBaseTransport):
    """Several small connection pools; each request goes to the least busy one."""

    def __init__(self, concurrency: int, shard: int = SHARD) -> None:
        count = max(1, -(-concurrency // shard))
        limits = httpx.Limits(max_connections=shard, max_keepalive_connections=shard)
        self._pools = [httpx.AsyncHTTPTransport(limits=limits) for _ in range(count)]
        self._busy = [0] * count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        k = min(range(len(self._pools)), key=self._busy.__getitem__)
        self._busy[k] += 1

        def release() -> None:
            self._busy[k] -= 1

        try:
            response = await self._pools[k].handle_async_request(request)
        except BaseException:
            release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(response.stream, release)
        return response

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


@contextmanager
def sniffio_present() -> Iterator[bool]:
    """Make `import sniffio` succeed for the duration; yields False if it already did."""
    if "sniffio" in sys.modules or find_spec("sniffio") is not None:
        yield False
        return
    stand_in = types.ModuleType("sniffio")
    stand_in.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
    sys.modules["sniffio"] = stand_in
    try:
        yield True
    finally:
        del sys.modules["sniffio"]


async def _variant(base_url: str, concurrency: int, sharded: bool, seconds: float,
                   max_requests: int) -> tuple[float, float]:
    transport = ShardedTransport(concurrency) if sharded else None
    options = ClientOptions(concurrency=concurrency)
    async with ScanClient(base_url, options, transport=transport) as client:
        await asyncio.gather(*(client.request("GET", "/res1") for _ in range(concurrency)))
        found = await run_round(client, concurrency, seconds, max_requests)
    return found.rps, found.cpu_ms_per_request


def what_if(
    target: TargetProcess, levels: list[int], *, rounds: int, seconds: float, max_requests: int
) -> list[dict[str, object]]:
    """Requests/s and CPU per request for each fix, alone and together, at each level."""
    rows: list[dict[str, object]] = []
    for level in levels:
        for name, with_sniffio, sharded in (("as is", False, False), ("+ sniffio", True, False),
                                            ("+ sharded pool", False, True),
                                            ("+ both", True, True)):
            found = []
            for _ in range(rounds):
                with sniffio_present() if with_sniffio else _nothing():
                    found.append(asyncio.run(_variant(target.base_url, level, sharded, seconds,
                                                      max_requests)))
            # The best of the rounds, each measure on its own: other processes only subtract.
            rps, cpu = max(f[0] for f in found), min(f[1] for f in found)
            rows.append({"concurrency": level, "variant": name, "requests_per_s": round(rps, 1),
                         "cpu_ms_per_request": round(cpu, 4)})
            print(f"  what-if c={level} {name}: {rps:,.0f} req/s, {cpu:.3f} ms CPU/request",
                  file=sys.stderr)
    return rows


@contextmanager
def _nothing() -> Iterator[bool]:
    yield False
