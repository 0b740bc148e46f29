"""`middlebrick history` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from middlebrick.models import Severity
from middlebrick.storage import History

from .samples import TARGET, at, finding, result
from support.cli import invoke

DEBUG = finding("flask.debug", Severity.CRITICAL, path="/console")
CORS = finding("cors.permissive", Severity.HIGH, path="/me")


def fill(db: Path) -> list[int]:
    with History.open(str(db)) as history:
        return [
            history.record(at(result([CORS]), "2026-01-01T09:00:00.000Z")),
            history.record(at(result([DEBUG]), "2026-01-02T09:00:00.000Z")),
            history.record(at(result([], target="http://other.test"), "2026-01-03T09:00:00Z")),
        ]


def test_an_empty_history_says_so(capsys, tmp_path: Path):
    outcome = invoke(capsys, "history", "--db", str(tmp_path / "h.sqlite3"))
    assert outcome.code == 0 and "No scans recorded" in outcome.out


def test_text_shows_each_target_with_scores_grades_new_and_fixed(capsys, tmp_path: Path):
    fill(tmp_path / "h.sqlite3")
    out = invoke(capsys, "history", "--db", str(tmp_path / "h.sqlite3")).out
    assert out.index("http://other.test") < out.index(TARGET)  # latest activity first
    lines = {line.split()[0]: line.split() for line in out.splitlines()
             if line.strip().startswith("#")}
    assert lines["#2"][3:5] == ["D", "60"] and lines["#2"][-2:] == ["+1", "1"]
    assert lines["#1"][-2:] == ["first", "-"]


def test_json_for_one_target_with_a_limit(capsys, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MIDDLEBRICK_DB", str(tmp_path / "h.sqlite3"))
    ids = fill(tmp_path / "h.sqlite3")
    outcome = invoke(capsys, "history", TARGET + "/", "--format", "json", "--limit", "1")
    data = json.loads(outcome.out)
    assert data["target"] == TARGET
    assert [(s["id"], s["grade"], s["new"], s["fixed"]) for s in data["scans"]] == [
        (ids[1], "D", 1, 1)]
    assert data["scans"][0]["counts"]["critical"] == 1


def test_an_unknown_target_lists_the_known_ones(capsys, tmp_path: Path):
    fill(tmp_path / "h.sqlite3")
    out = invoke(capsys, "history", "http://nobody.test", "--db", str(tmp_path / "h.sqlite3")).out
    assert "No scans of http://nobody.test" in out and "http://other.test" in out


def test_control_characters_from_a_target_never_reach_the_terminal(capsys, tmp_path: Path):
    with History.open(str(tmp_path / "h.sqlite3")) as history:
        report = result().to_dict()
        report["target"] = "http://evil.test/\x1b]0;owned\x07\x1b[31mred"
        history.record_report(report)
        graded = result(target="http://graded.test").to_dict()
        graded["score"]["grade"] = "\x1bc"  # two characters fit the column: a terminal reset
        history.record_report(graded)
    out = invoke(capsys, "history", "--db", str(tmp_path / "h.sqlite3")).out
    assert "\x1b" not in out and "\x07" not in out and "http://evil.test/" in out
    assert "http://graded.test" in out


def test_a_bad_database_url_is_a_usage_error(capsys):
    outcome = invoke(capsys, "history", "--db", "mysql://u@h/db")
    assert outcome.code == 2 and "--db" in outcome.err
