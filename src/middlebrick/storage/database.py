"""Connections to the history database, made safe for several writers at once.

SQLite: WAL (readers never block the writer), a busy timeout, and write transactions that take
the write lock up front (`BEGIN IMMEDIATE`), so two writers queue instead of one failing on an
upgrade from reader to writer; what still says "database is locked" is retried with backoff.
PostgreSQL needs none of this: every insert gets its own id from a sequence.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from middlebrick.errors import MiddlebrickError
from middlebrick.storage.paths import display_url

T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000
RETRIES = 8
_LOCKED = ("database is locked", "database table is locked", "database schema is locked")


class HistoryUnavailable(MiddlebrickError):
    """The history database cannot be opened or written."""

    exit_code = 2


def create(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and immediate write locks."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_file(Path(database))
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: the SQLite write lock is taken at BEGIN, not at the first write."""
    with engine.connect() as conn:
        conn = conn.execution_options(middlebrick_write=True)
        with conn.begin():
            yield conn


def retrying(operation: Callable[[], T], *, attempts: int = RETRIES) -> T:
    """Run `operation` (a whole transaction), again after a short wait while SQLite is locked."""
    for attempt in range(attempts):
        try:
            return operation()
        except OperationalError as exc:
            if not _locked(exc) or attempt == attempts - 1:
                raise
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


def guarded(url: str, operation: Callable[[], T]) -> T:
    """Run a database operation; a database failure becomes one clear HistoryUnavailable."""
    try:
        return operation()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise HistoryUnavailable(f"history database {display_url(url)}: {reason}") from exc
    except OSError as exc:
        raise HistoryUnavailable(f"history database {display_url(url)}: {exc}") from exc


def inserted_id(result: CursorResult[Any]) -> int:
    """The id the database gave the row just inserted."""
    key = result.inserted_primary_key
    if key is None:
        raise HistoryUnavailable("the database did not return the new row's id")
    return int(key[0])


def _private_file(path: Path) -> None:
    """Create the database file (and any missing directory) for its owner only: scan reports
    tell how to attack the services scanned. SQLite gives its -wal and -shm files the same mode.
    A file or directory that already exists keeps its mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _locked(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return isinstance(exc.orig, sqlite3.OperationalError) and any(m in text for m in _LOCKED)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transactions over from the driver so BEGIN is ours (see `_sqlite_begin`).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        for attempt in range(RETRIES):
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; durable at checkpoints
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("middlebrick_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


__all__ = [
    "HistoryUnavailable",
    "create",
    "guarded",
    "inserted_id",
    "is_sqlite",
    "retrying",
    "writing",
]
