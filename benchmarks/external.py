"""Measurements that run another program: wrk, `middlebrick scan` and `schemathesis run`.

Every program runs as a child of this (pinned) process, so it shares the scanner's core, and
its CPU time is read from RUSAGE_CHILDREN once it has been waited for.
"""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from targetproc import TargetLoad, TargetProcess


@dataclass(frozen=True, kw_only=True, slots=True)
class ToolRun:
    """One run of a scanner (or load generator) against the target."""

    tool: str
    settings: str
    command: list[str]
    exit_code: int | None  # None: it could not run or timed out
    wall_s: float
    cpu_s: float  # the child's user + system time
    target: TargetLoad
    reported_requests: int | None = None  # what the tool itself says it sent
    extra: dict[str, object] = field(default_factory=dict)
    error: str | None = None

    @property
    def requests(self) -> int:
        """Requests counted at the target: the same yardstick for every tool."""
        return self.target.requests

    @property
    def rps(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_s / self.requests * 1e3 if self.requests else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "tool": self.tool, "settings": self.settings, "command": self.command,
            "exit_code": self.exit_code, "error": self.error,
            "wall_s": round(self.wall_s, 3), "cpu_s": round(self.cpu_s, 3),
            "requests_at_target": self.requests, "reported_requests": self.reported_requests,
            "requests_per_s": round(self.rps, 1),
            "cpu_ms_per_request": round(self.cpu_ms_per_request, 3),
            "target_busy": round(self.target.busy, 3),
            "target_cpu_us_per_request": round(self.target.cpu_us_per_request, 2),
            **self.extra,
        }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_tool(
    target: TargetProcess, tool: str, settings: str, command: list[str], *, timeout: float,
    cwd: Path | None = None,
) -> tuple[ToolRun, str]:
    """Run `command` to completion (killed after `timeout` s); the run and its stdout."""
    before, cpu0 = target.counters(), _children_cpu()
    started = time.perf_counter()
    code: int | None
    error = None
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                              stdin=subprocess.DEVNULL)
        code, stdout = proc.returncode, proc.stdout
        if code not in (0, 1):
            error = (proc.stderr or proc.stdout).strip()[-600:]
    except subprocess.TimeoutExpired:
        code, stdout, error = None, "", f"killed after {timeout:.0f} s"
    wall = time.perf_counter() - started
    load = target.counters().since(before)
    run = ToolRun(tool=tool, settings=settings, command=command, exit_code=code, wall_s=wall,
                  cpu_s=_children_cpu() - cpu0, target=load, error=error)
    return run, stdout


def wrk(target: TargetProcess, *, connections: int, seconds: int) -> ToolRun | None:
    """wrk (one thread) against the target, when it is installed."""
    exe = shutil.which("wrk")
    if exe is None:
        return None
    command = [exe, "-t1", f"-c{connections}", f"-d{seconds}s", f"{target.base_url}/res1"]
    run, out = run_tool(target, "wrk", f"1 thread, {connections} conn.", command,
                        timeout=seconds + 15)
    found = re.search(r"Requests/sec:\s*([\d.]+)", out)
    extra: dict[str, object] = {"wrk_requests_per_s": float(found.group(1))} if found else {}
    return replace(run, extra=extra)


def middlebrick_scan(target: TargetProcess, *, extra_args: list[str], timeout: float) -> ToolRun:
    """`middlebrick scan` of the whole API (its OpenAPI document given by URL)."""
    with tempfile.TemporaryDirectory(prefix="mb-bench-") as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "middlebrick", "scan", target.base_url,
                   "--openapi", f"{target.base_url}/openapi.json", *extra_args,
                   "-q", "--format", "json", "--output", str(report)]
        settings = " ".join(extra_args) or "default settings"
        run, _ = run_tool(target, "middlebrick scan", settings, command, timeout=timeout,
                          cwd=Path(tmp))
        if not report.exists():
            return replace(run, error=run.error or "no report was written")
        data = json.loads(report.read_text(encoding="utf-8"))
    stats = data.get("stats", {})
    in_run = data.get("duration_s")
    extra = {
        "operations": (data.get("spec") or {}).get("operations"),
        "in_run_s": in_run,
        "in_run_requests_per_s": round(run.requests / in_run, 1) if in_run else None,
        "checks_run": stats.get("checks_run"),
        "findings": len(data.get("findings", [])),
        "check_errors": len(data.get("errors", [])),
    }
    return replace(run, reported_requests=stats.get("requests"), extra=extra)


def schemathesis_executable() -> tuple[str | None, str | None]:
    """The schemathesis CLI beside this interpreter (else on PATH) and its version."""
    local = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    exe = local or shutil.which("schemathesis")
    if exe is None:
        return None, None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return exe, None
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", out.stdout + out.stderr)
    return exe, found.group(0) if found else None


def schemathesis_run(
    target: TargetProcess, exe: str, *, max_examples: int, timeout: float
) -> ToolRun:
    """`schemathesis run` (4.x CLI) of the same document, bounded by examples per operation."""
    # One worker: its default, and in 4.32 more workers crash hypothesis's lambda-source cache.
    options = ["--max-examples", str(max_examples), "--workers", "1", "--seed", "1",
               "--checks", "not_a_server_error", "--generation-database", "none", "--no-color"]
    command = [exe, "run", f"{target.base_url}/openapi.json", *options]
    settings = f"--max-examples {max_examples}, 1 worker, all phases, check not_a_server_error"
    with tempfile.TemporaryDirectory(prefix="st-bench-") as tmp:
        run, out = run_tool(target, "schemathesis run", settings, command, timeout=timeout,
                            cwd=Path(tmp))
    found = re.search(r"(\d+) generated", out)
    cases = int(found.group(1)) if found else None
    # Its closing line says how long the run took without start-up: "... in 4.38s ===".
    took = re.findall(r" in ([\d.]+)s =+\s*$", out, flags=re.MULTILINE)
    in_run = float(took[-1]) if took else None
    return replace(run, extra={
        "test_cases": cases, "in_run_s": in_run,
        "in_run_requests_per_s": round(run.requests / in_run, 1) if in_run else None,
    })

