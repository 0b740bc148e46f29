"""Connection pooling that stays cheap at high concurrency.

httpcore walks every pooled connection on each request, so one pool of N connections costs
O(N^2) per request at concurrency N (measured in benchmarks/: 75% of the CPU at 128). Several
small pools, each request sent to the least busy one, keep that walk short.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx

POOL_SIZE = 4  # measured best between 1 and 16 connections per pool


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

    def __init__(self, concurrency: int, *, verify: bool = True, size: int = POOL_SIZE) -> None:
        count = max(1, -(-concurrency // size))
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self._pools = [httpx.AsyncHTTPTransport(limits=limits, verify=verify) for _ in range(count)]
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
