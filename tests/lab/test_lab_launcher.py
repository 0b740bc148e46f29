"""The launcher: servers start, leave no process behind however the lab ends, and fall back."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from middlebrick.errors import LabError
from middlebrick.lab import Lab, start_lab
from middlebrick.lab.dynamodb import make_client, start_dynamodb
from middlebrick.lab.dynamodb_local import installed_jar, java_path

pytestmark = pytest.mark.integration


def group_members(pgid: int) -> list[int]:
    """Live processes whose process group is `pgid` (zombies do not count: nothing runs)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def wait_until_gone(pgid: int, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return True
    return False


@pytest.mark.parametrize("ending", ["normal", "exception"])
def test_start_lab_leaves_no_process_behind(ending: str) -> None:
    try:
        with start_lab() as lab:
            assert lab.dynamodb_pid is not None
            pgid = lab.dynamodb_pid
            urls = [lab.dynamodb_endpoint, lab.vulnerable.url, lab.hardened.url]
            server = "java" if lab.backend == "dynamodb-local" else "moto.server"
            members = group_members(pgid)
            assert any(server in command_line(pid) for pid in members), members
            if ending == "exception":
                raise RuntimeError("a failing test")
    except RuntimeError:
        assert ending == "exception"
    assert lab.stopped
    assert wait_until_gone(pgid, timeout=2.0) == []
    assert all(refuses_connections(url) for url in urls)


def test_a_killed_parent_takes_its_server_along(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from middlebrick.lab.dynamodb import start_dynamodb\n"
        "server = start_dynamodb()\n"
        "print(server.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pgid = int(parent.stdout.readline())
        assert group_members(pgid)
    finally:
        parent.send_signal(signal.SIGKILL)  # no atexit, no finally: only the watchdog is left
        parent.wait()
    assert wait_until_gone(pgid) == []


def test_an_external_endpoint_is_used_as_is_and_left_clean(moto_lab: Lab) -> None:
    client = make_client(moto_lab.dynamodb_endpoint)
    before = set(client.list_tables()["TableNames"])
    with start_lab(dynamodb_endpoint=moto_lab.dynamodb_endpoint) as lab:
        assert (lab.backend, lab.dynamodb_pid) == ("external", None)
        ours = set(client.list_tables()["TableNames"]) - before
        assert len(ours) == 6 and all(name.startswith("mb") for name in ours)
    assert set(client.list_tables()["TableNames"]) == before


def test_without_java_auto_falls_back_to_moto_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with start_dynamodb(backend="auto") as server:
        assert server.backend == "moto"
        assert server.note is not None and "java" in server.note
    with pytest.raises(LabError, match="java"):
        start_dynamodb(backend="dynamodb-local")


def test_the_users_aws_settings_stay_out_of_the_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_PROFILE": "no-such-profile",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_REGION": "eu-west-3",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setenv(name, value)
    with start_dynamodb(backend="moto") as server:
        assert server.client().list_tables()["TableNames"] == []


def test_an_unreachable_endpoint_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(LabError, match="did not answer ListTables"):
        start_dynamodb(endpoint=f"http://127.0.0.1:{port}", ready_timeout=1.0)


@pytest.mark.skipif(java_path() is None or installed_jar() is None, reason="no DynamoDB Local")
def test_fetch_is_idempotent_when_installed() -> None:
    done = _fetch_cli(os.environ)
    assert done.returncode == 0, done.stderr


def test_fetch_without_java_fails_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": "/nonexistent", "MIDDLEBRICK_CACHE": str(tmp_path)}
    done = _fetch_cli(env)
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and "java" in done.stderr


def _fetch_cli(env: os._Environ[str] | dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "middlebrick.lab.dynamodb", "fetch"],
        capture_output=True,
        text=True,
        env=dict(env),
        timeout=60,
        check=False,
    )
