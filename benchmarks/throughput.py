"""middlebrick's throughput benchmark (`./dev bench`): loopback only, bounded, about a minute.

1. A fast HTTP/1.1 target (benchmarks/target.py) runs in its own process on one core; it is
   measured alone first (wrk where installed, and a raw-socket client), so the report shows it
   is not the bottleneck.
2. ScanClient GETs at concurrency 1, 8, 32, 128 on the other core: requests/s and the
   scanner's CPU time per request.
3. `middlebrick scan` of the target's 50-operation OpenAPI document at default settings, and
   `schemathesis run` of the same document, side by side.

Results go to benchmarks/results/latest.json and latest.md (the table the README quotes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

# The sibling modules are found because Python puts this script's folder first on sys.path.
import report
from clientbench import measure_level
from external import ToolRun, middlebrick_scan, schemathesis_executable, schemathesis_run, wrk
from loadgen import raw_load
from targetproc import TargetProcess

RESULTS = Path(__file__).resolve().parent / "results"
SCANNER_CPU, TARGET_CPU = 0, 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="middlebrick throughput benchmark (loopback only)")
    p.add_argument("--levels", default="1,8,32,128", help="ScanClient concurrencies")
    p.add_argument("--rounds", type=int, default=3, help="measured rounds per concurrency")
    p.add_argument("--seconds", type=float, default=1.2, help="time limit of one round")
    p.add_argument("--max-requests", type=int, default=5000, help="request limit of one round")
    p.add_argument("--scan-runs", type=int, default=3, help="full middlebrick scans (median)")
    p.add_argument("--scan-timeout", type=float, default=60.0)
    p.add_argument("--schemathesis-examples", type=int, default=10,
                   help="schemathesis --max-examples (per operation)")
    p.add_argument("--skip-target-alone", action="store_true", help="no wrk/raw-socket run")
    p.add_argument("--skip-scan", action="store_true", help="no full middlebrick scan")
    p.add_argument("--skip-schemathesis", action="store_true")
    p.add_argument("--profile", type=int, metavar="CONCURRENCY", default=None,
                   help="also cProfile the ScanClient loop at this concurrency")
    p.add_argument("--quick", action="store_true", help="a short smoke run (1 round, 0.5 s)")
    p.add_argument("--output-dir", type=Path, default=RESULTS)
    p.add_argument("--name", default=None, help="results file stem (default: latest; quick)")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.scan_runs = 1, 0.5, 1
        args.schemathesis_examples = min(args.schemathesis_examples, 2)
    # A smoke run never overwrites the results the README quotes.
    args.name = args.name or ("quick" if args.quick else "latest")
    return args


def pin() -> str:
    """Scanner on CPU 0 (children inherit it), target on CPU 1, when there are two cores."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        return "not pinned (fewer than 2 usable cores)"
    os.sched_setaffinity(0, {SCANNER_CPU})
    return f"scanner pinned to CPU {SCANNER_CPU}, target to CPU {TARGET_CPU}"


def machine(pinning: str) -> dict[str, Any]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=5, cwd=RESULTS.parent).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        commit = ""
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
        "platform": platform.platform(), "pinning": pinning,
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "commit": commit or "uncommitted",
        "packages": {d: version(d) for d in ("middlebrick", "httpx", "httpcore", "anyio", "h11",
                                             "sniffio", "schemathesis")},
    }


def measure_target_alone(target: TargetProcess) -> list[ToolRun | dict[str, Any]]:
    found: list[ToolRun | dict[str, Any]] = []
    for connections in (1, 32):
        run = wrk(target, connections=connections, seconds=3)
        if run is not None:
            found.append(run)
    before = target.counters()
    raw = asyncio.run(raw_load(target.port, "/res1", connections=8, seconds=2.0,
                               max_requests=200_000))
    load = target.counters().since(before)
    found.append({"tool": raw.tool, "settings": f"{raw.connections} connections",
                  "requests": raw.requests, "requests_per_s": round(raw.rps, 1),
                  "target_busy": round(load.busy, 3),
                  "target_cpu_us_per_request": round(load.cpu_us_per_request, 2)})
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    pinning = pin()
    target_cpu = TARGET_CPU if pinning.startswith("scanner pinned") else None
    results: dict[str, Any] = {
        "benchmark": "middlebrick throughput",
        "date": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "machine": machine(pinning),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "notes": [],
    }
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    with TargetProcess(cpu=target_cpu) as target:
        print(f"target on {target.base_url} ({pinning})", file=sys.stderr)
        if not args.skip_target_alone:
            alone = measure_target_alone(target)
            results["target_alone"] = [a.to_dict() if isinstance(a, ToolRun) else a
                                       for a in alone]

        results["client"] = []
        for level in levels:
            found = measure_level(target, level, rounds=args.rounds, seconds=args.seconds,
                                  max_requests=args.max_requests)
            results["client"].append(found.to_dict())
            print(f"  ScanClient concurrency {level}: {found.median.rps:,.0f} req/s, "
                  f"{found.median.cpu_ms_per_request:.3f} ms CPU/request", file=sys.stderr)

        if args.profile:
            from profiling import profile_client

            text, summary = profile_client(target, args.profile, seconds=args.seconds,
                                           max_requests=args.max_requests)
            results["profile"] = summary
            args.output_dir.mkdir(parents=True, exist_ok=True)
            (args.output_dir / f"profile-c{args.profile}.txt").write_text(text, encoding="utf-8")
            print(text.split("\nTop functions")[0], file=sys.stderr)

        if not args.skip_scan:
            results["full_scan"] = full_scans(target, args)
        if not args.skip_schemathesis:
            results["schemathesis"] = schemathesis(target, args, results["notes"])
    results["machine"]["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    shared = [str(lv["concurrency"]) for lv in results["client"] if lv["scanner_cpu_share"] < 0.9]
    if shared:
        results["notes"].append(
            "other processes shared the scanner's core (CPU share < 90%) at concurrency "
            f"{', '.join(shared)}: trust CPU per request there, not requests/s; rerun when idle")
    results["ratio"] = ratio(results)
    results["goals"] = report.goals(results)
    return results


def full_scans(target: TargetProcess, args: argparse.Namespace) -> dict[str, Any]:
    runs = [middlebrick_scan(target, extra_args=[], timeout=args.scan_timeout)
            for _ in range(args.scan_runs)]
    for r in runs:
        print(f"  middlebrick scan: {r.wall_s:.2f} s, {r.requests} requests"
              + (f" ({r.error})" if r.error else ""), file=sys.stderr)
    ok = [r for r in runs if r.exit_code in (0, 1)] or runs
    walls = sorted(r.wall_s for r in ok)
    median = min(ok, key=lambda r: abs(r.wall_s - statistics.median_low(walls)))
    return {"median": median.to_dict(), "runs": [r.to_dict() for r in runs]}


def schemathesis(
    target: TargetProcess, args: argparse.Namespace, notes: list[str]
) -> dict[str, Any] | None:
    exe, version = schemathesis_executable()
    if exe is None or version is None or int(version.split(".")[0]) < 4:
        notes.append(f"schemathesis 4.x not found (found {version or 'none'}); no comparison")
        return None
    found = schemathesis_run(target, exe, max_examples=args.schemathesis_examples,
                             timeout=max(90.0, args.scan_timeout))
    print(f"  schemathesis {version}: {found.wall_s:.2f} s, {found.requests} requests",
          file=sys.stderr)
    return {**found.to_dict(), "version": version}


def ratio(results: dict[str, Any]) -> dict[str, float] | None:
    """middlebrick over schemathesis: requests/s (whole command and in-run) and CPU/request."""
    scan = (results.get("full_scan") or {}).get("median")
    st = results.get("schemathesis")
    if not scan or not st or not st["requests_per_s"] or not scan["requests_per_s"]:
        return None

    def over(key: str) -> float:
        a, b = scan.get(key), st.get(key)
        return round(a / b, 3) if a and b else 0.0

    return {"requests_per_s": over("requests_per_s"),
            "in_run_requests_per_s": over("in_run_requests_per_s"),
            "cpu_per_request": over("cpu_ms_per_request")}


def main(argv: list[str] | None = None) -> int:
    # SIGTERM unwinds like Ctrl-C, so the target and any running child are stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    args = parse_args(argv)
    try:
        results = run(args)
    except KeyboardInterrupt:
        print("interrupted; the target was stopped", file=sys.stderr)
        return 130
    if results["machine"]["packages"]["sniffio"] == "not installed":
        results["notes"].append("sniffio is not installed: httpcore then retries `import sniffio`"
                                " on every lock it sets up, which costs CPU on every request")
    table = report.render(results)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    json_path = args.output_dir / f"{args.name}.json"
    md_path = args.output_dir / f"{args.name}.md"
    json_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(table, encoding="utf-8")
    print(table)
    print(f"written: {json_path}, {md_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
