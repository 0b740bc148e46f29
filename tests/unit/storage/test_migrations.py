"""Schema migrations: a fresh database gets the latest schema; a version-1 database is upgraded
in place with its scans intact and comparable."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from middlebrick.storage import History, HistoryUnavailable
from middlebrick.storage.database import create
from middlebrick.storage.migrations import current_version, migrate
from middlebrick.storage.schema import SCHEMA_VERSION, metadata

from .samples import at, finding, result


def test_a_fresh_database_has_exactly_the_latest_schema(tmp_path: Path):
    history = History.open(str(tmp_path / "h.sqlite3"))
    with history.engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
        found = inspect(conn)
        for table in metadata.sorted_tables:
            assert {c["name"] for c in found.get_columns(table.name)} == set(table.c.keys())
    history.close()


def test_a_version_1_database_is_upgraded_with_its_scans(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create(url)
    migrate(engine, to=1)
    old = result([finding("flask.debug"), finding("cors.permissive", path="/me")])
    with engine.begin() as conn:
        assert current_version(conn) == 1
        conn.execute(text(
            "INSERT INTO scans (id, target, started_at, finished_at, duration_s, tool_version, "
            "score, grade, critical, high, medium, low, info, report) VALUES (7, :t, "
            "'2025-12-01T00:00:00.000Z', '2025-12-01T00:00:01.000Z', 1.0, '0.0.9', :s, :g, "
            "0, 2, 0, 0, 0, :r)"),
            {"t": old.target, "s": old.score.value, "g": old.score.grade,
             "r": json.dumps(old.to_dict())})
        for f in old.findings:
            conn.execute(text(
                "INSERT INTO findings (scan_id, finding_id, check_id, category, severity, title, "
                "method, path) VALUES (7, :i, :c, 'misconfiguration', 'high', :t, 'GET', :p)"),
                {"i": f.id, "c": f.check, "t": f.title, "p": f.endpoint.path})
    engine.dispose()

    history = History.open(url)
    with history.engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
    stored = history.get(7)
    assert stored is not None
    assert stored.summary.source == "cli"
    assert stored.categories == dict(old.score.categories)  # backfilled from the report
    assert stored.checks is None
    newer = history.record(at(result([old.findings[0]]), "2026-01-01T00:00:00.000Z"))
    changes = history.changes(newer)
    assert changes.previous is not None and changes.previous.id == 7
    assert [f.check for f in changes.fixed] == ["cors.permissive"] and not changes.new
    history.close()


def test_opening_a_fresh_database_from_many_threads_migrates_once(tmp_path: Path):
    url = str(tmp_path / "race.sqlite3")
    errors: list[Exception] = []
    barrier = threading.Barrier(6)

    def open_it() -> None:
        try:
            barrier.wait()
            History.open(url).close()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    history = History.open(url)
    with history.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM schema_version")).scalar() == 1
    history.close()


def test_a_database_from_a_newer_middlebrick_is_refused(tmp_path: Path):
    history = History.open(str(tmp_path / "new.sqlite3"))
    with history.engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION + 1})
    history.close()
    with pytest.raises(HistoryUnavailable, match="newer than this middlebrick"):
        History.open(str(tmp_path / "new.sqlite3"))


@pytest.mark.parametrize("score", [
    None,
    "A",
    {"value": 50, "grade": "F", "categories": None},
    {"value": 50, "grade": "F", "categories": {"bola": "high", "injection": None, "ok": 80,
                                               "x" * 100: 40, "flag": True}},
])
def test_an_odd_version_1_report_never_blocks_the_upgrade(tmp_path: Path, score):
    # version 1 stored any report it was given; one odd row must not make the history unusable
    url = f"sqlite:///{tmp_path / 'odd.sqlite3'}"
    engine = create(url)
    migrate(engine, to=1)
    report = {**result().to_dict(), "score": score}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO scans (id, target, started_at, finished_at, duration_s, tool_version, "
            "score, grade, critical, high, medium, low, info, report) VALUES (3, 'http://o.test', "
            "'2025-12-01T00:00:00.000Z', '2025-12-01T00:00:01.000Z', 1.0, '0.0.9', 50, 'F', "
            "0, 0, 0, 0, 0, :r)"), {"r": json.dumps(report)})
    engine.dispose()
    with History.open(url) as history:
        stored = history.get(3)
        assert stored is not None
        odd = isinstance(score, dict) and score["categories"]
        assert stored.categories == ({"ok": 80, "x" * 64: 40} if odd else {})
