"""Where the history lives: data directory, `--db` paths and URLs, `MIDDLEBRICK_DB`."""

from __future__ import annotations

from pathlib import Path

import pytest

from middlebrick.errors import UsageError
from middlebrick.storage import data_dir, default_db_url, display_url, resolve_url


def test_the_default_database_is_in_the_xdg_data_directory(tmp_path: Path, monkeypatch):
    assert default_db_url() == f"sqlite:///{tmp_path}/xdg/middlebrick/history.sqlite3"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")  # invalid per the spec: ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".local" / "share" / "middlebrick"


def test_the_environment_overrides_the_default(monkeypatch):
    monkeypatch.setenv("MIDDLEBRICK_DB", "postgresql://scan:pw@db.internal/history")
    assert default_db_url() == "postgresql+psycopg://scan:pw@db.internal/history"


@pytest.mark.parametrize(("given", "expected"), [
    ("postgresql://u@127.0.0.1:5432/h", "postgresql+psycopg://u@127.0.0.1:5432/h"),
    ("postgres://u@127.0.0.1/h", "postgresql+psycopg://u@127.0.0.1/h"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////var/lib/mb.sqlite3", "sqlite:////var/lib/mb.sqlite3"),
])
def test_urls_are_accepted_and_postgresql_gets_the_psycopg_driver(given, expected):
    assert resolve_url(given) == expected


def test_a_path_becomes_an_absolute_sqlite_url(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_url("runs/h.sqlite3") == f"sqlite:///{tmp_path}/runs/h.sqlite3"


@pytest.mark.parametrize("given", ["mysql://u@h/db", "http://example.com/db"])
def test_other_databases_are_a_usage_error(given):
    with pytest.raises(UsageError, match="--db"):
        resolve_url(given)


def test_passwords_are_hidden_when_shown():
    shown = display_url("postgresql+psycopg://scan:hunter2@db/h")
    assert "hunter2" not in shown and "scan" in shown


def test_a_password_given_as_a_query_parameter_is_hidden_too():
    for url in ("postgresql+psycopg://app@db.internal/history?password=hunter2",
                "postgresql+psycopg://app@db.internal/history?sslmode=require&PASSWORD=hunter2",
                "postgresql+psycopg://app:hunter2@db.internal/history?sslpassword=hunter2"):
        shown = display_url(url)
        assert "hunter2" not in shown and "db.internal/history" in shown, shown
    kept = display_url("postgresql+psycopg://app@db/history?sslmode=require")
    assert kept.endswith("?sslmode=require")
