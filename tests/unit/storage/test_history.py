"""The history: what a recorded scan keeps, and new/fixed findings against the previous scan."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from middlebrick.baseline import compare
from middlebrick.models import Category, Severity
from middlebrick.reporting.view import CheckInfo, annotate
from middlebrick.storage import History, HistoryUnavailable, record

from .samples import TARGET, at, finding, result
from support.schema import validate_report

DEBUG = finding("flask.debug", Severity.CRITICAL, path="/console")
CORS = finding("cors.permissive", Severity.HIGH, path="/me")
HEADERS = finding("headers.missing", Severity.LOW, path=None)
IDOR = finding("authz.bola", Severity.HIGH, path="/items/{id}", category=Category.BOLA)


def test_a_recorded_scan_keeps_its_report_and_indexed_columns(history: History):
    scanned = result([DEBUG, CORS, HEADERS])
    validate_report(scanned.to_dict())
    scan_id = history.record(scanned)
    stored = history.get(scan_id)
    assert stored is not None
    assert stored.report == scanned.to_dict()
    summary = stored.summary
    assert (summary.target, summary.score, summary.grade) == (
        TARGET, scanned.score.value, scanned.score.grade)
    assert summary.counts == {"critical": 1, "high": 1, "medium": 0, "low": 1, "info": 0}
    assert stored.categories == dict(scanned.score.categories)
    assert [f.check for f in history.findings_of(scan_id)] == [
        "flask.debug", "cors.permissive", "headers.missing"]
    assert history.findings_of(scan_id)[0].where == "GET /console"


def test_new_and_fixed_against_the_previous_scan_of_the_same_target(history: History):
    first = history.record(at(result([DEBUG, CORS]), "2026-01-01T10:00:00.000Z"))
    history.record(at(result([IDOR], target="http://other.test"), "2026-01-01T11:00:00.000Z"))
    second = history.record(at(result([CORS, IDOR]), "2026-01-02T10:00:00.000Z"))

    assert history.changes(first).previous is None
    changes = history.changes(second)
    assert changes.previous is not None and changes.previous.id == first
    assert [f.check for f in changes.new] == ["authz.bola"]
    assert [f.check for f in changes.fixed] == ["flask.debug"]
    assert history.change_counts(history.scans(TARGET)) == {second: (1, 1), first: None}


def test_previous_means_earlier_in_time_not_recorded_earlier(history: History):
    late = history.record(at(result([DEBUG]), "2026-03-01T00:00:00.000Z"))
    early = history.record(at(result([CORS]), "2026-02-01T00:00:00.000Z"))
    assert history.changes(early).previous is None
    changes = history.changes(late)
    assert changes.previous is not None and changes.previous.id == early
    assert [s.id for s in history.scans(TARGET)] == [late, early]


def test_a_finding_whose_check_did_not_run_is_not_claimed_fixed(history: History):
    history.record(at(result([DEBUG, CORS]), "2026-01-01T00:00:00.000Z"))
    second = history.record(at(result([]), "2026-01-02T00:00:00.000Z"),
                            checks_run=["cors.permissive"])
    changes = history.changes(second)
    assert [f.check for f in changes.fixed] == ["cors.permissive"]
    assert [f.check for f in changes.unchecked] == ["flask.debug"]


def test_an_annotated_result_keeps_its_baseline_and_catalog(history: History):
    scanned = result([DEBUG, CORS])
    previous = result([CORS]).to_dict()
    catalog = [CheckInfo(id=c, title=f"Title {c}", category=Category.MISCONFIGURATION,
                         severity=Severity.HIGH, confidence=scanned.findings[0].confidence,
                         description="d", remediation="r") for c in ("flask.debug",
                                                                     "cors.permissive")]
    annotated = annotate(scanned, catalog=catalog,
                         baseline=compare(previous, scanned.findings, source="prev.json"))
    validate_report(annotated.to_dict())
    stored = history.get(history.record(annotated))
    assert stored is not None
    assert stored.report["baseline"]["new"] == 1
    assert {f["baseline"] for f in stored.report["findings"]} == {"new", "existing"}
    assert stored.checks == ("cors.permissive", "flask.debug")


def test_targets_come_worst_first_with_recent_scores_oldest_first(history: History):
    for n, found in enumerate(([], [HEADERS], [CORS])):
        history.record(at(result(found, target="http://a.test"), f"2026-01-0{n + 1}T00:00:00Z"))
    history.record(result([DEBUG, CORS], target="http://b.test"))
    history.record(result([], target="http://c.test"))
    targets = history.targets()
    assert [t.target for t in targets] == ["http://b.test", "http://a.test", "http://c.test"]
    a = targets[1]
    assert a.scans == 3
    assert a.recent_scores[0] == 100 and a.recent_scores[-1] == a.latest.score < 100
    assert a.latest.counts["high"] == 1
    series = history.series("http://a.test")
    assert [p.score for p in series] == list(a.recent_scores)
    assert set(series[0].categories) == {"misconfiguration", "bola", "injection"}


def test_record_opens_the_default_database_in_the_data_directory(tmp_path: Path):
    scan_id = record(result([DEBUG]))
    database = tmp_path / "xdg" / "middlebrick" / "history.sqlite3"
    assert database.exists()
    with sqlite3.connect(database) as raw:
        assert raw.execute("SELECT id, grade FROM scans").fetchall() == [(scan_id, "D")]
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_record_honours_the_environment_and_db(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MIDDLEBRICK_DB", str(tmp_path / "env.sqlite3"))
    record(result())
    record(result(), db=str(tmp_path / "nested" / "given.sqlite3"))
    assert (tmp_path / "env.sqlite3").exists()
    assert (tmp_path / "nested" / "given.sqlite3").exists()


def test_an_unusable_database_is_one_clear_error(tmp_path: Path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(HistoryUnavailable, match="history database sqlite:///"):
        History.open(str(folder))


def test_odd_reports_from_files_are_stored_without_crashing(history: History):
    report = {"target": "http://x.test", "score": {"value": "high", "grade": None},
              "findings": [{"id": "a", "check": "c", "endpoint": "nope"}, "junk"],
              "started_at": "not a time"}
    stored = history.get(history.record_report(report))
    assert stored is not None
    assert stored.summary.score == 0 and stored.summary.grade == "?"
    assert [f.finding_id for f in history.findings_of(stored.summary.id)] == ["a"]
    assert json.loads(json.dumps(stored.report)) == report


def test_category_names_that_collide_once_cut_to_the_column_are_stored_once(history: History):
    report = result().to_dict()
    report["score"]["categories"] = {"c" * 70: 10, "c" * 70 + "-more": 20, "bola": 90}
    scan_id = history.record_report(report)
    stored = history.get(scan_id)
    assert stored is not None and stored.categories == {"c" * 64: 20, "bola": 90}


def test_a_new_history_is_readable_by_its_owner_only(tmp_path: Path):
    # scan reports describe how to attack the user's services: not for other local accounts
    import os
    import stat

    old = os.umask(0o022)
    try:
        record(result([finding("flask.debug")]), db=str(tmp_path / "fresh" / "h.sqlite3"))
    finally:
        os.umask(old)
    made = tmp_path / "fresh"
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    for file in made.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    mine = tmp_path / "existing.sqlite3"
    mine.touch(mode=0o644)
    record(result(), db=str(mine))
    assert stat.S_IMODE(mine.stat().st_mode) == 0o644  # a file the user made keeps its mode
