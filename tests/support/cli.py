"""Run the real `middlebrick` entry point in-process and capture what it prints."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from middlebrick.cli import main


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> Outcome:
    capsys.readouterr()
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Outcome(code=code, out=captured.out, err=captured.err)
