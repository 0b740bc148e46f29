"""The CI gate of `middlebrick scan`: which conditions make the command exit 1.

`--fail-under N` fails on the score; `--fail-severity LEVEL` fails on any finding at or above
LEVEL; with `--fail-on-new` (and a `--baseline`) only findings the baseline did not have count,
at or above `--fail-severity` (default: anything above info). Any failing gate exits 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from middlebrick.baseline import NEW, Baseline
from middlebrick.errors import UsageError
from middlebrick.models import ScanResult, Severity
from middlebrick.reporting.view import at_or_above, where

SHOWN = 3  # findings named in a gate's message


@dataclass(frozen=True, kw_only=True, slots=True)
class Gate:
    """The conditions a scan must meet to pass."""

    fail_under: int = 0
    fail_severity: Severity | None = None
    fail_on_new: bool = False

    def validate(self, *, has_baseline: bool) -> None:
        if self.fail_on_new and not has_baseline:
            raise UsageError("--fail-on-new needs --baseline PREVIOUS.json")

    @property
    def threshold(self) -> Severity | None:
        if self.fail_severity is None and self.fail_on_new:
            return Severity.LOW
        return self.fail_severity


def gate_failures(result: ScanResult, gate: Gate, baseline: Baseline | None) -> list[str]:
    """Why the scan fails its gate, one line per failing condition; empty means it passes."""
    reasons: list[str] = []
    if result.score.value < gate.fail_under:
        reasons.append(f"score {result.score.value} is below --fail-under {gate.fail_under}")
    threshold = gate.threshold
    if threshold is None:
        return reasons
    pool = list(result.findings)
    if gate.fail_on_new and baseline is not None:
        pool = [f for f in pool if baseline.status_of(f.id) == NEW]
    hits = at_or_above(pool, threshold)
    if hits:
        kind = "new finding" if gate.fail_on_new else "finding"
        plural = "s" if len(hits) > 1 else ""
        places = Counter(f"{f.severity.value} {f.check} at {where(f)}" for f in hits)
        named = "; ".join(
            place + (f" (x{n})" if n > 1 else "") for place, n in list(places.items())[:SHOWN]
        )
        more = f"; and {len(places) - SHOWN} more" if len(places) > SHOWN else ""
        reasons.append(
            f"{len(hits)} {kind}{plural} at or above {threshold.value}: {named}{more}"
        )
    return reasons


__all__ = ["Gate", "gate_failures"]
