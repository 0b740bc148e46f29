"""A string matching a regular expression, for schemas with `pattern` (deterministic)."""

from __future__ import annotations

import importlib
import re
from typing import Any

# The standard library's own regex parser; private, so loaded by name and used defensively.
_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")
_CATEGORY_CHAR = {
    "CATEGORY_DIGIT": "1",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
}
_FALLBACK_CHARS = "a1A-_. x"
MAX_REPEAT = 64


def matching_string(
    pattern: str, *, min_length: int = 0, max_length: int | None = None
) -> str | None:
    """A short string `re.search` finds `pattern` in, within the lengths; None when unsure."""
    try:
        compiled = re.compile(pattern)
        tree = _parser.parse(pattern)
    except (re.error, RecursionError, TypeError, ValueError):
        return None
    for extra in (0, 1, 4, 16):
        try:
            text = _emit(tree, extra)
        except (_Unsupported, RecursionError, TypeError, ValueError, AttributeError):
            return None
        if len(text) < min_length and extra == 16:
            text = _pad(text, compiled, min_length)
        fits = len(text) >= min_length and (max_length is None or len(text) <= max_length)
        if fits and compiled.search(text):
            return text
    return None


class _Unsupported(Exception):
    pass


def _emit(tree: Any, extra: int) -> str:
    out: list[str] = []
    for op, arg in tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(next(c for c in _FALLBACK_CHARS if ord(c) != arg))
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_in_set(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            high = MAX_REPEAT if high == _constants.MAXREPEAT else high
            count = min(max(low, min(low + extra, high)), MAX_REPEAT)
            out.extend(_emit(sub, extra) for _ in range(count))
        elif name == "SUBPATTERN":
            out.append(_emit(arg[-1], extra))
        elif name == "ATOMIC_GROUP":
            out.append(_emit(arg, extra))
        elif name == "BRANCH":
            out.append(_emit(arg[1][0], extra))
        elif name in ("AT", "ASSERT_NOT"):
            continue  # anchors and negative lookaheads add no characters
        else:
            raise _Unsupported(name)  # back-references, conditionals, lookaheads
    return "".join(out)


def _in_set(items: Any) -> str:
    negated = any(str(op) == "NEGATE" for op, _ in items)
    if negated:
        for char in _FALLBACK_CHARS:
            if not any(_member(op, arg, char) for op, arg in items):
                return char
        raise _Unsupported("NEGATE")
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return _CATEGORY_CHAR.get(str(arg), "a")
    raise _Unsupported("IN")


def _member(op: Any, arg: Any, char: str) -> bool:
    name = str(op)
    if name == "LITERAL":
        return bool(ord(char) == arg)
    if name == "RANGE":
        return bool(arg[0] <= ord(char) <= arg[1])
    if name == "CATEGORY":
        probe = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
                 "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}
        return re.fullmatch(probe.get(str(arg), "."), char) is not None
    return False


def _pad(text: str, compiled: re.Pattern[str], min_length: int) -> str:
    # An unanchored pattern still matches with characters around it.
    if not compiled.pattern.endswith("$"):
        return text + "a" * (min_length - len(text))
    if not compiled.pattern.startswith("^"):
        return "a" * (min_length - len(text)) + text
    return text
