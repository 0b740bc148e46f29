"""The history on PostgreSQL: the same behaviour as on SQLite, concurrent writers included.

The fixture makes a throwaway cluster (initdb in a temporary directory, `postgres` on
127.0.0.1 and a free port, its socket in the same directory) and stops it at the end. As root
the server runs as the `postgres` system user when there is one, else as `nobody`. Skipped, with
the reason, only when the PostgreSQL server binaries are not installed
(`apt-get install -y postgresql` on Debian).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from middlebrick.models import Severity
from middlebrick.storage import History
from middlebrick.web import create_app
from unit.storage.samples import at, finding, result

pytestmark = pytest.mark.integration
TESTS = Path(__file__).resolve().parents[1]


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Cluster:
    url: str
    process: subprocess.Popen[bytes]
    directory: Path


def _run_as() -> dict[str, Any]:
    """Popen arguments that drop root: PostgreSQL refuses to run as root."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    pytest.skip("running as root and no unprivileged user to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres() -> Iterator[Cluster]:
    bindir = _bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries missing (apt-get install -y postgresql)")
    drop = _run_as()
    top = Path(tempfile.mkdtemp(prefix="middlebrick-pg-"))  # not under root's 0700 pytest dir
    data = top / "data"
    if drop:
        os.chown(top, drop["user"], drop["group"])
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    process = None
    try:
        subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "--no-sync", "-E", "UTF8", "--no-instructions"],
                       check=True, capture_output=True, env=env, cwd=top, **drop)
        port = _free_port()
        process = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-k", str(top), "-h", "127.0.0.1",
             "-p", str(port), "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=60"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=top, **drop)
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        _wait_ready(url, process)
        yield Cluster(url=url, process=process, directory=top)
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # "fast" shutdown: ends every backend
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        shutil.rmtree(top, ignore_errors=True)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"postgres exited early: {err[-2000:]}")
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def pg_history(postgres: Cluster) -> Iterator[History]:
    history = History.open(postgres.url)
    yield history
    with history.engine.begin() as conn:  # each test starts from an empty, migrated database
        conn.execute(text("TRUNCATE scans, findings, category_scores, schedules, alerts "
                          "RESTART IDENTITY CASCADE"))
    history.close()


DEBUG = finding("flask.debug", Severity.CRITICAL, path="/console")
CORS = finding("cors.permissive", Severity.HIGH, path="/me")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_same_history_on_sqlite_and_postgresql(backend, request, tmp_path: Path):
    history = (request.getfixturevalue("pg_history") if backend == "postgresql"
               else History.open(str(tmp_path / "h.sqlite3")))
    assert history.engine.dialect.name == backend
    first = history.record(at(result([DEBUG, CORS]), "2026-01-01T00:00:00.000Z"))
    second = history.record(at(result([CORS]), "2026-01-02T00:00:00.000Z"))
    history.record(result([], target="http://other.test"))
    changes = history.changes(second)
    assert changes.previous is not None and changes.previous.id == first
    assert [f.check for f in changes.fixed] == ["flask.debug"] and changes.new == ()
    assert [t.target for t in history.targets()][-1] == "http://other.test"
    assert history.get(second).report == at(result([CORS]), "2026-01-02T00:00:00.000Z").to_dict()
    schedule = history.schedules.add("http://a.test", interval_minutes=5,
                                     headers={"Authorization": "Bearer x"})
    assert history.schedules.claim(history.schedules.due()[0])
    assert history.schedules.secrets(schedule).headers == {"Authorization": "Bearer x"}
    page = create_app(history).test_client().get(f"/scans/{second}").get_data(as_text=True)
    assert 'id="fixed-count">1<' in page


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[3])
    from unit.storage.samples import finding, result
    from middlebrick.storage import History
    history = History.open(sys.argv[1])
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(int(sys.argv[2])):
        history.record(result([finding(f"proc.c{n}")], target="http://p.test"), source="process")
    history.close()
""")


def test_concurrent_writers_lose_nothing_on_postgresql(pg_history: History, postgres: Cluster):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, postgres.url, "15", str(TESTS)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    errors: list[Exception] = []
    start = threading.Barrier(9)

    def write(worker: int) -> None:
        start.wait()
        try:
            for n in range(10):
                pg_history.record(result([finding(f"t.c{worker}-{n}"), finding("shared")],
                                         target=f"http://t{worker}.test"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    start.wait()
    for t in threads:
        t.join()
    for p in procs:
        assert p.wait(timeout=60) == 0
    assert errors == []
    with pg_history.engine.connect() as conn:
        counts = conn.execute(text("SELECT source, count(*) FROM scans GROUP BY source"))
        assert dict(counts.all()) == {"cli": 80, "process": 30}
        assert conn.execute(text("SELECT count(*) FROM findings")).scalar() == 80 * 2 + 30


def test_a_fresh_postgresql_database_is_migrated_once_by_racing_openers(postgres: Cluster):
    import psycopg

    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE race")
    url = postgres.url.rsplit("/", 1)[0] + "/race"
    errors: list[Exception] = []
    barrier = threading.Barrier(5)

    def open_it() -> None:
        barrier.wait()
        try:
            History.open(url).close()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with History.open(url) as history, history.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM schema_version")).scalar() == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_text_no_database_can_store_is_kept_readable(backend, request, tmp_path: Path):
    # What a target sent can hold NUL (PostgreSQL refuses it in text) and, decoded from a
    # JSON `\ud800` escape, lone surrogates (not encodable as UTF-8 for any database).
    history = (request.getfixturevalue("pg_history") if backend == "postgresql"
               else History.open(str(tmp_path / "h.sqlite3")))
    odd = finding("odd.text", Severity.HIGH, path="/it\x00ems", title="Field a\x00b\ud800c",
                  body="body \x00 \udfff")
    scan_id = history.record(result([odd]))
    row = history.findings_of(scan_id)[0]
    assert row.title == "Field a\ufffdb?c" and row.path == "/it\ufffdems"
    stored = history.get(scan_id)
    assert stored is not None
    assert stored.report["findings"][0]["title"] == "Field a\x00b?c"  # JSON escapes the NUL
    schedule = history.schedules.add("http://a.test", interval_minutes=5)
    history.schedules.finished(schedule, scan_id=None, error="target said \x00\ud800")
    assert history.schedules.get(schedule).last_error == "target said \ufffd?"
    page = create_app(history).test_client().get(f"/scans/{scan_id}")
    assert page.status_code == 200 and "Field a" in page.get_data(as_text=True)
