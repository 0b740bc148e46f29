"""Fixtures for the history tests: a fresh SQLite history in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from middlebrick.storage import History


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's real data directory or database."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MIDDLEBRICK_DB", raising=False)
    monkeypatch.delenv("MIDDLEBRICK_KEY_FILE", raising=False)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    opened = History.open(str(tmp_path / "history.sqlite3"))
    yield opened
    opened.close()
