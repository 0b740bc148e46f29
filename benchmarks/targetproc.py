"""Running the loopback target as its own process, and reading its counters."""

from __future__ import annotations

import http.client
import json
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

TARGET_SCRIPT = Path(__file__).with_name("target.py")


@dataclass(frozen=True, kw_only=True, slots=True)
class TargetCounters:
    """What the target has served so far (requests and its own CPU seconds)."""

    requests: int
    cpu_s: float
    at: float  # time.perf_counter() when read

    def since(self, before: TargetCounters) -> TargetLoad:
        return TargetLoad(requests=self.requests - before.requests,
                          cpu_s=self.cpu_s - before.cpu_s, wall_s=self.at - before.at)


@dataclass(frozen=True, kw_only=True, slots=True)
class TargetLoad:
    """The target's side of one measurement."""

    requests: int
    cpu_s: float
    wall_s: float

    @property
    def busy(self) -> float:
        """Share of its one core the target used: far below 1 means it was not the bottleneck."""
        return self.cpu_s / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_us_per_request(self) -> float:
        return self.cpu_s / self.requests * 1e6 if self.requests else 0.0


class TargetProcess:
    """The target in a child process on 127.0.0.1, stopped on exit (its stdin is our pipe)."""

    def __init__(self, cpu: int | None) -> None:
        self.cpu = cpu
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> TargetProcess:
        args = [sys.executable, str(TARGET_SCRIPT)]
        if self.cpu is not None:
            args += ["--cpu", str(self.cpu)]
        self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout=15):
                self.stop()
                raise RuntimeError("the benchmark target did not start within 15 s")
        line = self._proc.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "PORT":
            self.stop()
            raise RuntimeError(f"the benchmark target said {line!r}, not 'PORT <n>'")
        self.port = int(line[1])
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def counters(self) -> TargetCounters:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/__count")
            data = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        return TargetCounters(requests=int(data["requests"]), cpu_s=float(data["cpu_s"]),
                              at=time.perf_counter())

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the target exits on EOF
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=3)
        if proc.stdout is not None:
            proc.stdout.close()
