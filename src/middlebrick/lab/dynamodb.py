"""Run a DynamoDB-compatible server on loopback for the lab: DynamoDB Local, moto, or the user's.

python -m middlebrick.lab.dynamodb fetch     # put DynamoDB Local in the cache (idempotent)
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeAlias

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from middlebrick.errors import LabError
from middlebrick.lab import dynamodb_local

# boto3 ships no type information; a DynamoDB client is what boto3's `client("dynamodb")` returns.
DynamoClient: TypeAlias = Any

REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0
_NO_USER_CONFIG = {
    "profile": (None, None, None, None),
    "config_file": (None, None, os.devnull, None),
    "credentials_file": (None, None, os.devnull, None),
}
MOTO_NOTE = (
    "DynamoDB Local is unavailable ({reason}); using moto's server instead, which validates "
    "requests less strictly than DynamoDB (some injections fail differently or not at all)"
)

# The server runs under this shell so it dies with us even if we are killed with SIGKILL: the
# shell reads a pipe whose only writer is this process, and at end-of-file (we closed it, or we
# died) it terminates the server and reaps it, leaving no zombie for an init that may not reap.
_WATCHDOG = '"$@" & child=$!; read -r _; kill "$child" 2>/dev/null; wait "$child"'


def make_client(endpoint: str, *, quick: bool = False) -> DynamoClient:
    """A DynamoDB client for a local server: dummy credentials, us-east-1, nothing from ~/.aws."""
    # The user's AWS_PROFILE, config files and proxy variables are for real AWS, not the lab.
    isolated = botocore.session.Session(session_vars=_NO_USER_CONFIG)
    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        botocore_session=isolated,
    )
    config = Config(
        connect_timeout=1 if quick else 5,
        read_timeout=2 if quick else 30,
        retries={"max_attempts": 1 if quick else 3, "mode": "standard"},
        max_pool_connections=64,  # the twins serve requests on many threads at once
        proxies={},
    )
    return session.client("dynamodb", endpoint_url=endpoint, config=config)


class DynamoServer:
    """A running DynamoDB-compatible server (or the user's); stop() is idempotent."""

    def __init__(
        self,
        *,
        backend: str,
        endpoint: str,
        note: str | None = None,
        process: subprocess.Popen[bytes] | None = None,
        lifeline: IO[bytes] | None = None,
    ) -> None:
        self.backend = backend
        self.endpoint = endpoint
        self.note = note
        self._process = process
        self._lifeline = lifeline
        atexit.register(self.stop)

    @property
    def pid(self) -> int | None:
        """The server's process group id (its watchdog's pid), None when not ours."""
        return self._process.pid if self._process is not None else None

    def client(self) -> DynamoClient:
        """A fresh client for this server."""
        return make_client(self.endpoint)

    def stop(self) -> None:
        """Terminate the server's whole process group and wait for it; safe to call twice."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        lifeline, self._lifeline = self._lifeline, None
        if process is None:
            return
        if lifeline is not None:
            lifeline.close()  # the watchdog's signal to terminate and reap the server
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
        _kill_group(process)

    def __enter__(self) -> DynamoServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_dynamodb(
    *,
    backend: str = "auto",
    endpoint: str | None = None,
    port: int | None = None,
    ready_timeout: float = READY_TIMEOUT_S,
) -> DynamoServer:
    """Start (or, given `endpoint`, just reach) a DynamoDB server; raise LabError if it fails."""
    if endpoint is not None:
        _wait_ready(endpoint.rstrip("/"), None, time.monotonic() + min(ready_timeout, 10.0))
        return DynamoServer(backend="external", endpoint=endpoint.rstrip("/"))
    if backend not in ("auto", "dynamodb-local", "moto"):
        raise LabError(f"unknown DynamoDB backend {backend!r} (auto, dynamodb-local or moto)")
    note = None
    if backend != "moto":
        try:
            return _start_dynamodb_local(port, ready_timeout)
        except LabError as exc:
            if backend == "dynamodb-local":
                raise
            note = MOTO_NOTE.format(reason=exc)
    server = _start_moto(port, ready_timeout)
    server.note = note
    return server


def _start_dynamodb_local(port: int | None, ready_timeout: float) -> DynamoServer:
    # Never fetched here: starting the lab makes no request beyond loopback. `fetch` is a
    # set-up step (`./dev` runs it); without the jar, `auto` falls back to moto.
    java = dynamodb_local.java_path()
    if java is None:
        raise LabError("java is not installed (DynamoDB Local needs Java 17+)")
    jar = dynamodb_local.installed_jar()
    if jar is None:
        raise LabError("DynamoDB Local is not in the cache: fetch it once with "
                       "`python -m middlebrick.lab.dynamodb fetch`")
    port = port or _free_port()
    command = [
        java,
        "-Xms64m",
        "-Xmx256m",  # the lab holds a few hundred items; the JVM default would take 1/4 of RAM
        "-XX:TieredStopAtLevel=1",  # faster start-up; throughput does not matter here
        f"-Djava.library.path={jar.parent / dynamodb_local.LIB_DIR}",
        "-jar",
        str(jar),
        "-inMemory",
        "-sharedDb",
        "-disableTelemetry",  # without it DynamoDB Local tries to reach AWS
        # It listens on every interface (it has no bind option); at least keep web pages of
        # other origins from scripting it, which its default CORS policy ("*") would allow.
        "-cors",
        "http://127.0.0.1",
        "-port",
        str(port),
    ]
    return _launch("dynamodb-local", command, jar.parent, port, ready_timeout)


def _start_moto(port: int | None, ready_timeout: float) -> DynamoServer:
    port = port or _free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return _launch("moto", command, None, port, ready_timeout)


def _launch(
    backend: str, command: list[str], cwd: Path | None, port: int, ready_timeout: float
) -> DynamoServer:
    endpoint = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()  # the server's output, quoted if it fails to start
    lifeline_read, lifeline_write = os.pipe()
    try:
        process = subprocess.Popen(
            ["/bin/sh", "-c", _WATCHDOG, "middlebrick-dynamodb", *command],
            cwd=cwd,
            stdin=lifeline_read,
            env=_server_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches every process
        )
    except OSError as exc:
        os.close(lifeline_write)
        log.close()
        raise LabError(f"could not start {backend}: {exc}") from exc
    finally:
        os.close(lifeline_read)
    server = DynamoServer(
        backend=backend,
        endpoint=endpoint,
        process=process,
        lifeline=os.fdopen(lifeline_write, "wb"),
    )
    try:
        _wait_ready(endpoint, process, time.monotonic() + ready_timeout, log)
    except BaseException:
        server.stop()  # also on Ctrl-C while waiting
        raise
    finally:
        log.close()
    return server


def _server_environment() -> dict[str, str]:
    # moto reads AWS_* itself (a missing AWS_PROFILE crashes it); give both servers only ours.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION=REGION)
    return env


def _wait_ready(
    endpoint: str,
    process: subprocess.Popen[bytes] | None,
    deadline: float,
    log: IO[bytes] | None = None,
) -> None:
    # A plain GET answers before the server can serve; a signed ListTables is the real test.
    client = make_client(endpoint, quick=True)
    while True:
        if process is not None and process.poll() is not None:
            raise LabError(f"DynamoDB server exited at start-up: {_tail(log)}")
        try:
            client.list_tables(Limit=1)
            return
        except (BotoCoreError, ClientError):
            pass
        if time.monotonic() > deadline:
            raise LabError(f"DynamoDB server at {endpoint} did not answer ListTables: {_tail(log)}")
        time.sleep(0.1)


def _tail(log: IO[bytes] | None) -> str:
    if log is None:
        return "no output"
    log.seek(0)
    lines = [ln.strip() for ln in log.read().decode(errors="replace").splitlines() if ln.strip()]
    return " | ".join(lines[-3:]) or "no output"


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # Normally empty by now; this is for a server that ignored SIGTERM or a watchdog that died.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=STOP_TIMEOUT_S)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    """`python -m middlebrick.lab.dynamodb fetch`: put DynamoDB Local in the cache."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["fetch"]:
        sys.stderr.write("usage: python -m middlebrick.lab.dynamodb fetch\n")
        return 2
    try:
        jar = dynamodb_local.fetch()
    except LabError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    sys.stdout.write(f"DynamoDB Local is ready: {jar}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
