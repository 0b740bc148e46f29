"""`middlebrick lab` through the real console script: it prints working URLs and tokens, serves
both twins until interrupted, then stops everything it started."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration


def test_lab_serves_until_interrupted_then_stops() -> None:
    script = Path(sys.executable).with_name("middlebrick")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "middlebrick"]
    lab = subprocess.Popen(
        [*command, "lab", "--backend", "moto"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        assert lab.stdout is not None
        while time.monotonic() < deadline:
            line = lab.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(lines)
        urls = re.findall(r"(http://127\.0\.0\.1:\d+)/openapi\.json", text)
        tokens = re.findall(r"alice: -H \"Authorization: Bearer ([^\"]+)\"", text)
        assert len(urls) == 2 and len(tokens) == 2, text
        for url, token in zip(urls, tokens, strict=True):
            assert httpx.get(url + "/openapi.json", timeout=5).json()["openapi"].startswith("3.1")
            me = httpx.get(url + "/users/me", headers={"Authorization": f"Bearer {token}"},
                           timeout=5)
            assert me.status_code == 200 and me.json()["username"] == "alice"
        lab.send_signal(signal.SIGINT)
        out, _ = lab.communicate(timeout=30)
        assert lab.returncode == 0
        assert "lab stopped" in out
        for url in urls:
            with pytest.raises(httpx.TransportError):
                httpx.get(url + "/openapi.json", timeout=2)
    finally:
        if lab.poll() is None:
            lab.kill()
            lab.wait(timeout=10)
