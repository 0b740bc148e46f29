"""Scoring: a pure function from findings to a 0-100 score, an A-F grade and category scores.

Every weight lives in the tables below (documented in the README). A finding costs
SEVERITY_WEIGHT x CONFIDENCE_FACTOR points; repeats of the same check cost less each time
(halving), so one missing header on fifty endpoints is not fifty problems. Info never costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from middlebrick.models import Confidence, Finding, Score, Severity

SEVERITY_WEIGHT: dict[Severity, float] = {
    Severity.CRITICAL: 40.0,
    Severity.HIGH: 20.0,
    Severity.MEDIUM: 8.0,
    Severity.LOW: 3.0,
    Severity.INFO: 0.0,
}
CONFIDENCE_FACTOR: dict[Confidence, float] = {
    Confidence.CERTAIN: 1.0,
    Confidence.FIRM: 0.8,
    Confidence.TENTATIVE: 0.4,
}
REPEAT_DECAY = 0.5  # the n-th finding of one check costs REPEAT_DECAY ** (n - 1) of its weight
GRADES: tuple[tuple[int, str], ...] = ((90, "A"), (80, "B"), (70, "C"), (60, "D"))
CRITICAL_CAP = 69  # a critical finding caps the score (and so the grade) at D


def penalty(findings: Iterable[Finding]) -> float:
    """Points lost to these findings."""
    by_check: dict[str, list[float]] = defaultdict(list)
    for f in findings:
        by_check[f.check].append(SEVERITY_WEIGHT[f.severity] * CONFIDENCE_FACTOR[f.confidence])
    total = 0.0
    for costs in by_check.values():
        for n, cost in enumerate(sorted(costs, reverse=True)):
            total += cost * REPEAT_DECAY**n
    return total


def value_of(findings: list[Finding]) -> int:
    value = max(0, round(100 - penalty(findings)))
    if any(f.severity is Severity.CRITICAL for f in findings):
        value = min(value, CRITICAL_CAP)
    return value


def grade_of(value: int) -> str:
    for floor, grade in GRADES:
        if value >= floor:
            return grade
    return "F"


def score(findings: Iterable[Finding], categories: Iterable[str] = ()) -> Score:
    """Score a scan; `categories` lists those checked, so clean ones show 100."""
    found = list(findings)
    names = set(categories) | {f.category.value for f in found}
    per_category = {
        name: value_of([f for f in found if f.category.value == name]) for name in sorted(names)
    }
    value = value_of(found)
    return Score(value=value, grade=grade_of(value), categories=per_category)
