"""Is a hard-coded secret one of the well-known defaults, or too short to resist guessing?"""

from __future__ import annotations

import codecs
import re
from functools import cache
from importlib.resources import files

MIN_LENGTH = 16
# Words that mark a placeholder someone meant to replace.
_PLACEHOLDER = re.compile(r"change|replace|insecure|secret|password|passwd|example|default|"
                          r"dev|test|dummy|todo|fixme|sample|placeholder|xxx", re.I)


def _normal(value: str) -> str:
    # Case, separators and a trailing year or counter do not make a default any stronger.
    return re.sub(r"\d+$|[\s_\-!.]", "", value.lower())


@cache
def _known() -> frozenset[str]:
    text = files("middlebrick").joinpath("data", "flask_secret_keys.txt").read_text("utf-8")
    found: set[str] = set()
    for line in text.splitlines():
        if not line or line == "#" or line.startswith("# "):
            continue
        if "\\" in line:
            line = codecs.escape_decode(line.encode())[0].decode("latin-1")
        found.add(_normal(line))
    return frozenset(found - {""})


def weakness(value: str | bytes) -> str | None:
    """Why this secret is weak ("a well-known default", ...), or None if it is not obviously."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if _normal(value) in _known():
        return "a well-known default from Flask's docs, tutorials and templates"
    if len(value) < MIN_LENGTH:
        return f"only {len(value)} characters long"
    if _PLACEHOLDER.search(value) and len(value) < 48:
        return "a placeholder meant to be replaced"
    return None
