"""A minimal keep-alive load generator on raw asyncio protocols, to measure the target alone.

It does the least a client can (one pre-built GET, find the end of the head, skip
Content-Length bytes), so what it measures is the target's capacity, not a client library's.
`wrk` does this better where installed; this is the fallback that needs nothing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadResult:
    tool: str
    connections: int
    requests: int
    seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class _Connection(asyncio.Protocol):
    def __init__(self, request: bytes, state: _State) -> None:
        self.request = request
        self.state = state
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        marker = head.find(b"content-length:")
        length = int(head[marker + 15:].split(b"\r\n", 1)[0]) if marker >= 0 else 0
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        self.state.done += 1
        assert self.transport is not None
        if self.state.keep_going():
            self.transport.write(self.request)
        else:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.state.closed += 1
        if self.state.closed == self.state.connections:
            self.state.finished.set()


class _State:
    def __init__(self, connections: int, max_requests: int, deadline: float) -> None:
        self.connections = connections
        self.max_requests = max_requests
        self.deadline = deadline
        self.done = 0
        self.closed = 0
        self.finished = asyncio.Event()

    def keep_going(self) -> bool:
        return self.done < self.max_requests and time.monotonic() < self.deadline


async def raw_load(
    port: int, path: str, *, connections: int, seconds: float, max_requests: int
) -> LoadResult:
    """GET `path` on 127.0.0.1:`port` over `connections` keep-alive sockets, bounded both ways."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    state = _State(connections, max_requests, started + seconds)
    for _ in range(connections):
        await loop.create_connection(lambda: _Connection(request, state), "127.0.0.1", port)
    try:
        await asyncio.wait_for(state.finished.wait(), timeout=seconds + 5)
    except TimeoutError:
        pass
    return LoadResult(tool="raw asyncio sockets", connections=connections, requests=state.done,
                      seconds=time.monotonic() - started)
