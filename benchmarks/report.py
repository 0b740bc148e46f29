"""The benchmark's results as Markdown (for the terminal, `results/latest.md` and the README)."""

from __future__ import annotations

from typing import Any

RPS_GOAL = 1500.0
SCAN_GOAL_S = 10.0


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _opt(value: float | None, digits: int) -> str:
    return "–" if value is None else _n(value, digits)


def _yes(met: bool | None) -> str:
    return "n/a" if met is None else ("**yes**" if met else "**no**")


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's two targets, judged from the measurements."""
    found: list[dict[str, Any]] = []
    levels = results.get("client") or []
    if levels:
        worst = min(levels, key=lambda lv: lv["requests_per_s"])
        below = [str(lv["concurrency"]) for lv in levels if lv["requests_per_s"] < RPS_GOAL]
        found.append({
            "goal": f"ScanClient sustains >= {RPS_GOAL:,.0f} requests/s on loopback "
                    "(every concurrency measured)",
            "measured": f"{_n(worst['requests_per_s'])} req/s at worst "
                        f"(concurrency {worst['concurrency']})"
                        + (f"; below at concurrency {', '.join(below)}" if below else "")
                        + f"; CPU-bound {_n(min(lv['cpu_bound_requests_per_s'] for lv in levels))}"
                        " req/s at worst",
            "met": not below,
        })
    scan = (results.get("full_scan") or {}).get("median")
    if scan:
        ok = scan["exit_code"] in (0, 1) and scan.get("operations") == 50
        found.append({
            "goal": f"50-operation API scanned in < {SCAN_GOAL_S:.0f} s wall at default settings",
            "measured": f"{scan['wall_s']:.2f} s ({scan.get('operations')} operations, "
                        f"{scan['requests_at_target']} requests)",
            "met": ok and scan["wall_s"] < SCAN_GOAL_S,
        })
    return found


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Measured {results['date']} on {m['nproc']} cores ({m['cpu']}), Python {m['python']}, "
        f"{m['pinning']}; load average {m['loadavg']} at start, {m.get('loadavg_end', '?')} "
        "at the end.",
        "",
    ]
    lines += ["| goal | measured | met |", "|---|---|---|"]
    lines += [f"| {g['goal']} | {g['measured']} | {_yes(g['met'])} |" for g in results["goals"]]

    alone = results.get("target_alone") or []
    if alone:
        lines += ["", "**The target alone** (no scanner; shows how far it is from being the "
                  "bottleneck):", "", "| load generator | settings | req/s | target busy |",
                  "|---|---|---:|---:|"]
        lines += [f"| {t['tool']} | {t['settings']} | {_n(t['requests_per_s'])} | "
                  f"{t['target_busy']:.0%} |" for t in alone]

    levels = results.get("client") or []
    if levels:
        lines += ["", "**ScanClient GETs** (median of the rounds; CPU-bound req/s = 1 / CPU per "
                  "request, what one free core would sustain; CPU share below ~90% means another "
                  "process was using the scanner's core):", "",
                  "| concurrency | req/s | min–max | scanner CPU ms/req | CPU-bound req/s "
                  "| scanner CPU share | target CPU µs/req | target busy |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for lv in levels:
            low, high = lv["requests_per_s_min_max"]
            lines.append(
                f"| {lv['concurrency']} | {_n(lv['requests_per_s'])} | {_n(low)}–{_n(high)} | "
                f"{lv['scanner_cpu_ms_per_request']:.3f} | {_n(lv['cpu_bound_requests_per_s'])} | "
                f"{lv['scanner_cpu_share']:.0%} | {lv['target_cpu_us_per_request']:.1f} | "
                f"{lv['target_busy']:.0%} |")

    rows = []
    scan = (results.get("full_scan") or {}).get("median")
    if scan:
        rows.append(scan)
    st = results.get("schemathesis")
    if st and st.get("exit_code") is not None:
        rows.append(st)
    if rows:
        lines += ["", "**Whole-API scan** of the same 50-operation document (requests counted "
                  "at the target; wall = the whole command, start-up included; in-run = the "
                  "tool's own timing):", "",
                  "| tool | settings | wall s | requests | req/s | in-run s | in-run req/s "
                  "| CPU ms/req |", "|---|---|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['tool']} | {r['settings']} | {r['wall_s']:.2f} | "
                  f"{r['requests_at_target']:,} | {_n(r['requests_per_s'])} | "
                  f"{_opt(r.get('in_run_s'), 2)} | {_opt(r.get('in_run_requests_per_s'), 0)} | "
                  f"{r['cpu_ms_per_request']:.2f} |" for r in rows]
    ratio = results.get("ratio")
    if ratio:
        lines += ["", f"middlebrick / schemathesis: **{ratio['requests_per_s']:.2f}×** the "
                  f"requests per second over the whole command "
                  f"({ratio['in_run_requests_per_s']:.2f}× in-run, start-up excluded), at "
                  f"{ratio['cpu_per_request']:.2f}× the CPU per request (start-up included)."]
    for note in results.get("notes", []):
        lines += ["", f"_Note: {note}_"]
    return "\n".join(lines) + "\n"
