"""Inputs a regular expression backtracks on exponentially, found by trying them locally.

A candidate is a prefix that reaches a quantified group, a "pump" that group can match in
more than one way, and a suffix that makes the whole match fail, so the engine tries every
way of splitting the pumped run. Python's own `re` is the judge: a candidate counts only when
six more pumps make the local match at least eight times slower. Local runs are bounded: the
pump count grows two at a time and stops as soon as one run takes LOCAL_SLOW_S.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# The standard library's own regex parser; private, so loaded by name and used defensively.
_parser: Any = importlib.import_module("re._parser")
LOCAL_SLOW_S = 0.005
MAX_LOCAL_PUMPS = 26
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT"})
_SUFFIXES = ("!", "\x00")
_GENERIC_PUMPS = ("a", "0", "A", "a.", "a-", " ", "aa")
_CLASS_CHARS = "a0A_-. @!"
_MAX_CANDIDATES = 40


@dataclass(frozen=True, slots=True)
class EvilInput:
    """prefix + pump * n + suffix; `start` is about where a backtracking engine slows down."""

    prefix: str
    pump: str
    suffix: str
    start: int

    def make(self, pumps: int) -> str:
        return self.prefix + self.pump * pumps + self.suffix


# For email fields whose validating expression is unknown: the local part pumped, the domain
# pumped, and the top-level domain pumped (`([a-z]{2,4})+$`).
EMAIL_SHAPES = (
    EvilInput("", "a", "!", 12),
    EvilInput("a@", "a", "!", 12),
    EvilInput("a@a.", "a", "!", 12),
)


def evil_inputs(pattern: str, *, limit: int = 2) -> list[EvilInput]:
    """Inputs on which `pattern` (ECMA-262 syntax is mostly Python's) backtracks exponentially."""
    try:
        compiled = re.compile(pattern)
        tree = _parser.parse(pattern)
        candidates = list(dict.fromkeys(_candidates(tree)))[:_MAX_CANDIDATES]
    except (re.error, RecursionError, TypeError, ValueError, AttributeError, OverflowError):
        return []
    found: list[EvilInput] = []
    for prefix, pump in candidates:
        for suffix in _SUFFIXES:
            start = _slows_down(compiled, prefix, pump, suffix)
            if start is not None:
                found.append(EvilInput(prefix, pump, suffix, start))
                break
        if len(found) >= limit:
            break
    return found


def _slows_down(compiled: re.Pattern[str], prefix: str, pump: str, suffix: str) -> int | None:
    def took(pumps: int, runs: int = 1) -> float:
        best = float("inf")
        for _ in range(runs):  # the fastest of a few runs: a busy machine only adds time
            started = time.perf_counter()
            compiled.search(prefix + pump * pumps + suffix)
            best = min(best, time.perf_counter() - started)
        return best

    for pumps in range(4, MAX_LOCAL_PUMPS + 1, 2):
        if took(pumps) <= LOCAL_SLOW_S or took(pumps, 2) <= LOCAL_SLOW_S / 2:
            continue  # fast, or only a moment of a busy machine
        slow, fast = took(pumps, 2), took(max(pumps - 6, 1), 3)
        return pumps if slow >= 8 * max(fast, 1e-6) else None
    return None


def _candidates(tree: Any) -> Iterator[tuple[str, str]]:
    yield from _walk(list(tree), "")
    for pump in _GENERIC_PUMPS:
        yield "", pump


def _walk(items: list[Any], before: str) -> Iterator[tuple[str, str]]:
    """(prefix, pump) for every repeated group whose body can match more than one way."""
    for op, av in items:
        name = str(op)
        if name in _REPEATS:
            low, high, body = av
            if high > 1 and _ambiguous(list(body)):
                yield before, _sample(list(body)) or _sample(list(body), at_least_one=True)
                yield before, _sample(list(body), at_least_one=True)
            yield from _walk(list(body), before)
        elif name == "SUBPATTERN":
            yield from _walk(list(av[-1]), before)
        elif name == "BRANCH":
            for branch in av[1]:
                yield from _walk(list(branch), before)
        before += _sample_item(op, av, False)


def _ambiguous(items: list[Any]) -> bool:
    for op, av in items:
        name = str(op)
        if name in _REPEATS and av[0] < av[1]:
            return True
        if name == "BRANCH":
            return True
        if name == "SUBPATTERN" and _ambiguous(list(av[-1])):
            return True
    return False


def _sample(items: list[Any], at_least_one: bool = False) -> str:
    return "".join(_sample_item(op, av, at_least_one) for op, av in items)


def _sample_item(op: Any, av: Any, at_least_one: bool) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(av)
    if name == "NOT_LITERAL":
        return "a" if av != ord("a") else "b"
    if name == "ANY":
        return "a"
    if name == "IN":
        return _class_char(av)
    if name in _REPEATS or name == "POSSESSIVE_REPEAT":
        low, _, body = av
        times = min(max(int(low), 1 if at_least_one else 0), 8)
        return _sample(list(body), at_least_one) * times
    if name == "SUBPATTERN":
        return _sample(list(av[-1]), at_least_one)
    if name == "ATOMIC_GROUP":
        return _sample(list(av), at_least_one)
    if name == "BRANCH":
        return _sample(list(av[1][0]), at_least_one)
    return ""  # anchors, lookarounds and back-references match no characters of their own


def _class_char(items: Any) -> str:
    negate = any(str(op) == "NEGATE" for op, _ in items)
    for char in _CLASS_CHARS:
        if any(_member(str(op), av, char) for op, av in items) != negate:
            return char
    return "a"


def _member(name: str, av: Any, char: str) -> bool:
    if name == "LITERAL":
        return bool(chr(av) == char)
    if name == "RANGE":
        return bool(av[0] <= ord(char) <= av[1])
    if name == "CATEGORY":
        kind = str(av)
        inside = {
            "CATEGORY_DIGIT": char.isdigit(),
            "CATEGORY_WORD": char.isalnum() or char == "_",
            "CATEGORY_SPACE": char.isspace(),
        }
        for base, value in inside.items():
            if kind == base:
                return value
            if kind == base.replace("CATEGORY_", "CATEGORY_NOT_"):
                return not value
    return False
