"""The terminal report: target text can neither drive the terminal nor reorder what it shows."""

from __future__ import annotations

import io
from dataclasses import replace

from middlebrick.models import CheckError, ScanResult
from middlebrick.reporting import REPORTERS
from middlebrick.reporting.text import safe

from .samples import make_finding, make_result

ATTACKS = (
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b[2J\x1b[1;1H",  # clear screen, move the cursor
    "\x9b31m",  # a C1 CSI
    "fee \u202eexe.txt\u202c and \u2066isolate\u2069",  # bidi override and isolate
)


def render(result: ScanResult) -> str:
    out = io.StringIO()
    REPORTERS.get("text")(result, out)
    return out.getvalue()


def test_safe_removes_escape_sequences_whole_and_bidi_controls():
    assert safe("a\x1b[31mred\x1b[0m b") == "ared b"
    assert safe("x\u202eyz\u2069") == "xyz"
    assert safe("tab\tand\nnewline stay; caf\u00e9 too") == "tab\tand\nnewline stay; caf\u00e9 too"


def test_no_control_character_from_the_target_reaches_the_terminal():
    hostile = " ".join(ATTACKS)
    finding = make_finding(title=f"Echoes {hostile}", path=f"/items/{hostile}")
    result = replace(
        make_result([finding]),
        target=f"http://127.0.0.1:5999/{hostile}",
        notes=(f"note {hostile}",),
        errors=(CheckError(check="demo.crashy", error=f"ValueError: {hostile}"),),
    )
    text = render(result)
    assert not any(c in text for c in "\x1b\x9b\x07\u202e\u202c\u2066\u2069"), repr(text)
    assert "Echoes" in text and "demo.crashy" in text
