"""`middlebrick demo` through the real console script: both twins scanned, reports written,
grades side by side, and nothing left running afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from support.schema import validate_report

pytestmark = pytest.mark.integration


def _servers(mark: str) -> set[int]:
    """Pids of DynamoDB-compatible servers (DynamoDB Local or moto) started with `mark` in their
    environment: only ours, whatever else runs on a shared machine."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if (b"DynamoDBLocal" in cmdline or b"moto.server" in cmdline) and mark.encode() in environ:
            found.add(int(entry.name))
    return found


def test_demo_end_to_end(tmp_path: Path) -> None:
    mark = f"MIDDLEBRICK_DEMO_TEST={uuid.uuid4().hex}"
    script = Path(sys.executable).with_name("middlebrick")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "middlebrick"]
    done = subprocess.run(
        [*command, "demo", "--output-dir", str(tmp_path / "reports")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "160", "MIDDLEBRICK_DB": str(tmp_path / "h.sqlite3"),
             mark.split("=")[0]: mark.split("=")[1]},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "vulnerable twin" in done.stdout and "hardened twin" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    vulnerable = json.loads((tmp_path / "reports" / "vulnerable.json").read_text())
    hardened = json.loads((tmp_path / "reports" / "hardened.json").read_text())
    for report in (vulnerable, hardened):
        validate_report(report)
    assert vulnerable["score"]["grade"] == "F" and hardened["score"]["grade"] == "A"
    # The comparison shows both scores; the top findings of the vulnerable twin follow with fixes.
    assert f'{vulnerable["score"]["value"]}/100' in done.stdout
    assert f'{hardened["score"]["value"]}/100' in done.stdout
    assert "Top findings on the vulnerable twin" in done.stdout
    first_check = vulnerable["findings"][0]["severity"]
    assert first_check in done.stdout
    history = subprocess.run(
        [*command, "history", "--db", str(tmp_path / "h.sqlite3"), "--format", "json"],
        capture_output=True, text=True, timeout=60,
    )
    scans = json.loads(history.stdout)["scans"]
    assert sorted(s["grade"] for s in scans) == ["A", "F"]
    leaked = _servers(mark)
    assert not leaked, f"demo left DynamoDB servers running: {leaked}"
