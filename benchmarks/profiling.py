"""Where the scanner's CPU goes per request: cProfile on the ScanClient loop, grouped by layer."""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
from collections import defaultdict

from clientbench import run_round
from targetproc import TargetProcess

from middlebrick.http.client import ClientOptions, ScanClient

# (substring of the code's file name, layer); the first match wins.
LAYERS = (
    ("/middlebrick/", "middlebrick (client.py, exchange.py)"),
    ("/httpx/", "httpx (request building, URL parsing, models)"),
    ("/httpcore/_async/connection_pool", "httpcore connection pool"),
    ("/httpcore/", "httpcore (HTTP/1.1 connection, locks)"),
    ("/h11/", "h11 (HTTP/1.1 parsing)"),
    ("/anyio/", "anyio (socket streams, cancel scopes)"),
    ("/sniffio/", "sniffio"),
    ("<frozen importlib", "importlib (a failing `import` per call)"),
    ("/asyncio/", "asyncio event loop, tasks, timeouts"),
)


def _layer(filename: str, function: str) -> str:
    for needle, name in LAYERS:
        if needle in filename:
            return name
    if filename == "~" and "posix.stat" in function:
        return "importlib (a failing `import` per call)"  # path scans of that import
    if filename == "~":
        # C functions: socket calls and selectors are I/O, the rest is interpreter work.
        io_calls = ("send", "recv", "poll", "select", "getpeername")
        if any(word in function for word in io_calls):
            return "system calls (send, recv; epoll incl. idle wait)"
        return "C built-ins (isinstance, dict, str ...)"
    return "other Python"


def profile_client(
    target: TargetProcess, concurrency: int, *, seconds: float, max_requests: int
) -> tuple[str, dict[str, object]]:
    """A text report and a JSON-able summary of one profiled round at `concurrency`."""
    profiler = cProfile.Profile()
    sent = 0

    async def run() -> None:
        nonlocal sent
        options = ClientOptions(concurrency=concurrency)
        async with ScanClient(target.base_url, options) as client:
            await asyncio.gather(*(client.request("GET", "/res1") for _ in range(concurrency)))
            profiler.enable()
            result = await run_round(client, concurrency, seconds, max_requests)
            profiler.disable()
            sent = result.requests

    asyncio.run(run())
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]  # {(file, line, fn): (cc, nc, tt, ct, callers)}
    total = sum(entry[2] for entry in raw.values()) or 1.0
    by_layer: dict[str, float] = defaultdict(float)
    for (filename, _line, function), entry in raw.items():
        by_layer[_layer(filename, function)] += entry[2]
    layers = sorted(by_layer.items(), key=lambda kv: -kv[1])

    out = io.StringIO()
    out.write(f"cProfile of {sent} ScanClient GETs at concurrency {concurrency} "
              f"(profiler overhead inflates the absolute numbers; read the shares)\n\n")
    out.write(f"{'layer':<48} {'share':>6} {'us/req':>8}\n")
    for name, seconds_in in layers:
        out.write(f"{name:<48} {seconds_in / total:6.1%} {seconds_in / max(sent, 1) * 1e6:8.1f}\n")
    out.write("\nTop functions by own time:\n")
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    out.write("\nmiddlebrick functions by cumulative time:\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats("middlebrick", 10)
    summary: dict[str, object] = {
        "concurrency": concurrency,
        "requests": sent,
        "layers": {name: round(seconds_in / total, 4) for name, seconds_in in layers},
    }
    return out.getvalue(), summary
