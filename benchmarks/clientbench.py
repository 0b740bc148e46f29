"""ScanClient throughput: GETs at a fixed concurrency, requests/s and scanner CPU per request."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from targetproc import TargetLoad, TargetProcess

from middlebrick.http.client import ClientOptions, ScanClient

RESOURCES = 10
# A mix of collection and item reads over the whole API, as exploration would send them.
PATHS = tuple(p for n in range(1, RESOURCES + 1) for p in (f"/res{n}", f"/res{n}/{n}"))


@dataclass(frozen=True, kw_only=True, slots=True)
class Round:
    requests: int
    wall_s: float
    cpu_s: float
    failed: int  # responses that were not 200 (or no response at all)

    @property
    def rps(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_s / self.requests * 1e3 if self.requests else 0.0


@dataclass(frozen=True, kw_only=True, slots=True)
class LevelResult:
    concurrency: int
    rounds: tuple[Round, ...]
    target: TargetLoad

    @property
    def median(self) -> Round:
        """The round with the median requests/s (the middle one of an odd count)."""
        ordered = sorted(self.rounds, key=lambda r: r.rps)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def rps_spread(self) -> tuple[float, float]:
        return min(r.rps for r in self.rounds), max(r.rps for r in self.rounds)

    def to_dict(self) -> dict[str, object]:
        m = self.median
        return {
            "concurrency": self.concurrency,
            "requests_per_s": round(m.rps, 1),
            "requests_per_s_min_max": [round(x, 1) for x in self.rps_spread],
            "scanner_cpu_ms_per_request": round(m.cpu_ms_per_request, 4),
            # Below ~0.9 while the target idles, another process was sharing the scanner's core.
            "scanner_cpu_share": round(m.cpu_s / m.wall_s, 3) if m.wall_s else 0.0,
            # What one core could sustain at this CPU cost, whatever else ran on the machine.
            "cpu_bound_requests_per_s": round(1e3 / m.cpu_ms_per_request, 1)
            if m.cpu_ms_per_request else 0.0,
            "requests": sum(r.requests for r in self.rounds),
            "failed": sum(r.failed for r in self.rounds),
            "rounds": [{"requests": r.requests, "wall_s": round(r.wall_s, 4),
                        "cpu_s": round(r.cpu_s, 4)} for r in self.rounds],
            "target_requests": self.target.requests,
            "target_cpu_us_per_request": round(self.target.cpu_us_per_request, 2),
            "target_busy": round(self.target.busy, 3),
        }


async def run_round(
    client: ScanClient, concurrency: int, seconds: float, max_requests: int
) -> Round:
    """GETs from `concurrency` workers until `seconds` pass or `max_requests` are sent."""
    issued = failed = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal issued, failed
        while issued < max_requests and time.perf_counter() < deadline:
            path = PATHS[issued % len(PATHS)]
            issued += 1  # counted before the await, so the total never overshoots
            exchange = await client.request("GET", path)
            failed += exchange.status != 200

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return Round(requests=issued, wall_s=wall, cpu_s=cpu, failed=failed)


async def _level(
    base_url: str, concurrency: int, *, rounds: int, seconds: float, max_requests: int
) -> list[Round]:
    async with ScanClient(base_url, ClientOptions(concurrency=concurrency)) as client:
        # Warm up: open every connection once, outside the measurement.
        await asyncio.gather(*(client.request("GET", "/res1") for _ in range(concurrency)))
        results = []
        for _ in range(rounds):
            results.append(await run_round(client, concurrency, seconds, max_requests))
            client.exchanges.clear()  # a scan keeps them; rounds must not grow each other's GC work
        return results


def measure_level(
    target: TargetProcess, concurrency: int, *, rounds: int, seconds: float, max_requests: int
) -> LevelResult:
    """`rounds` bounded rounds (each at most `seconds` and `max_requests`) at one concurrency."""
    before = target.counters()
    found = asyncio.run(_level(target.base_url, concurrency, rounds=rounds, seconds=seconds,
                               max_requests=max_requests))
    load = target.counters().since(before)
    return LevelResult(concurrency=concurrency, rounds=tuple(found), target=load)
