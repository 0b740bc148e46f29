"""Scan history: every scan remembered (SQLite by default, PostgreSQL by URL).

    record(result, db=None) -> scan id       store one scan (what `scan` and `demo` call)
    History.open(db)                          read and compare stored scans, manage schedules
    default_db_url()                          `MIDDLEBRICK_DB`, else SQLite in the data directory
"""

from __future__ import annotations

from middlebrick.storage.database import HistoryUnavailable
from middlebrick.storage.history import History, record
from middlebrick.storage.paths import data_dir, default_db_url, display_url, resolve_url
from middlebrick.storage.records import (
    Changes,
    FindingRow,
    ScanPoint,
    ScanSummary,
    StoredScan,
    TargetSummary,
)
from middlebrick.storage.rows import stamp
from middlebrick.storage.schedules import AlertRecord, Schedule, ScheduleSecrets
from middlebrick.storage.vault import SecretUnreadable

__all__ = [
    "AlertRecord",
    "Changes",
    "FindingRow",
    "History",
    "HistoryUnavailable",
    "ScanPoint",
    "ScanSummary",
    "Schedule",
    "ScheduleSecrets",
    "SecretUnreadable",
    "StoredScan",
    "TargetSummary",
    "data_dir",
    "default_db_url",
    "display_url",
    "record",
    "resolve_url",
    "stamp",
]
