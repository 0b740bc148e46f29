"""Concurrent writers lose nothing: threads sharing a history, and separate processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from sqlalchemy import text

from middlebrick.storage import History

from .samples import finding, result

THREADS, PER_THREAD = 8, 10
PROCESSES, PER_PROCESS = 2, 15

WRITER = textwrap.dedent("""
    import sys
    from middlebrick.models import Severity
    from middlebrick.storage import History
    sys.path.insert(0, sys.argv[3])
    from samples import finding, result
    history = History.open(sys.argv[1])
    print("ready", flush=True)
    sys.stdin.readline()  # "go": start together with the test's threads
    for n in range(int(sys.argv[2])):
        history.record(result([finding(f"proc.check-{n}", Severity.LOW)],
                              target="http://process.test"), source="process")
    history.close()
""")


def test_threads_and_processes_writing_at_once_lose_no_record(tmp_path: Path):
    url = str(tmp_path / "busy.sqlite3")
    History.open(url).close()  # created and migrated; the writers race on inserts only
    here = str(Path(__file__).parent)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(PER_PROCESS), here],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(PROCESSES)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    history = History.open(url)
    errors: list[Exception] = []
    ids: list[int] = []
    start = threading.Barrier(THREADS + 1)

    def write(worker: int) -> None:
        start.wait()
        try:
            for n in range(PER_THREAD):
                found = [finding(f"thread.check-{worker}-{n}"), finding("shared.check")]
                ids.append(history.record(result(found, target=f"http://t{worker}.test")))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(THREADS)]
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
    assert len(set(ids)) == THREADS * PER_THREAD
    with history.engine.connect() as conn:
        scans = conn.execute(text("SELECT source, count(*) FROM scans GROUP BY source"))
        assert dict(scans.all()) == {"cli": THREADS * PER_THREAD,
                                     "process": PROCESSES * PER_PROCESS}
        findings = conn.execute(text("SELECT count(*) FROM findings")).scalar()
        assert findings == THREADS * PER_THREAD * 2 + PROCESSES * PER_PROCESS
        orphans = conn.execute(text(
            "SELECT count(*) FROM findings WHERE scan_id NOT IN (SELECT id FROM scans)")).scalar()
        assert orphans == 0
    history.close()
