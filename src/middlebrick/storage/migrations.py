"""Schema migrations: a `schema_version` table and ordered migration functions.

Each migration describes its own tables as they were when it was written, so editing
schema.py later never changes what an old migration does. All pending migrations run in
one transaction under a lock (SQLite: the write lock; PostgreSQL: an advisory lock), so two
processes opening a fresh database at once cannot both create the tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)

from middlebrick.storage.database import retrying, writing
from middlebrick.storage.schema import SCHEMA_VERSION, SEVERITIES, schema_version

Migration = Callable[[Connection], None]
_ADVISORY_LOCK = 0x6D62_6869  # "mbhi": serialises migrations across PostgreSQL clients


def _v1_scans_and_findings(conn: Connection) -> None:
    meta = MetaData()
    Table(
        "scans", meta,
        Column("id", Integer, primary_key=True),
        Column("target", String(2048), nullable=False),
        Column("started_at", String(32), nullable=False),
        Column("finished_at", String(32), nullable=False),
        Column("duration_s", Float, nullable=False),
        Column("tool_version", String(40), nullable=False),
        Column("score", Integer, nullable=False),
        Column("grade", String(2), nullable=False),
        *(Column(s, Integer, nullable=False) for s in SEVERITIES),
        Column("report", Text, nullable=False),
        Index("ix_scans_target", "target"),
        sqlite_autoincrement=True,
    )
    Table(
        "findings", meta,
        Column("id", Integer, primary_key=True),
        Column("scan_id", Integer, ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
        Column("finding_id", String(64), nullable=False),
        Column("check_id", String(200), nullable=False),
        Column("category", String(64), nullable=False),
        Column("severity", String(16), nullable=False),
        Column("title", Text, nullable=False),
        Column("method", String(16), nullable=True),
        Column("path", Text, nullable=True),
        Index("ix_findings_scan", "scan_id"),
        sqlite_autoincrement=True,
    )
    meta.create_all(conn)


def _v2_sources_checks_and_category_scores(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE scans ADD COLUMN source VARCHAR(32) DEFAULT 'cli' NOT NULL"))
    conn.execute(text("ALTER TABLE scans ADD COLUMN checks TEXT"))
    meta = MetaData()
    scans = Table("scans", meta, Column("id", Integer, primary_key=True),
                  Column("target", String(2048)), Column("started_at", String(32)),
                  Column("report", Text))
    Index("ix_scans_target_started", scans.c.target, scans.c.started_at).create(conn)
    scores = Table(
        "category_scores", meta,
        Column("scan_id", Integer, ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True),
        Column("category", String(64), primary_key=True),
        Column("score", Integer, nullable=False),
    )
    scores.create(conn)
    # Backfill from the stored reports: version 1 kept the categories only inside the JSON, and
    # stored whatever report it was given, so an odd one yields no rows rather than no upgrade.
    for scan_id, report in conn.execute(select(scans.c.id, scans.c.report)):
        rows = {str(name)[:64]: int(value) for name, value in _v1_categories(report).items()
                if isinstance(value, int | float) and not isinstance(value, bool)}
        if rows:
            conn.execute(scores.insert(), [{"scan_id": scan_id, "category": name, "score": value}
                                           for name, value in rows.items()])


def _v1_categories(report: str) -> dict[str, Any]:
    try:
        parsed = json.loads(report)
    except ValueError:
        return {}
    score = parsed.get("score") if isinstance(parsed, dict) else None
    categories = score.get("categories") if isinstance(score, dict) else None
    return categories if isinstance(categories, dict) else {}


def _v3_schedules_and_alerts(conn: Connection) -> None:
    meta = MetaData()
    Table("scans", meta, Column("id", Integer, primary_key=True))
    Table(
        "schedules", meta,
        Column("id", Integer, primary_key=True),
        Column("target", String(2048), nullable=False),
        Column("openapi", Text, nullable=True),
        Column("headers", Text, nullable=True),
        Column("read_only", Boolean, nullable=False),
        Column("interval_minutes", Integer, nullable=False),
        Column("webhook_url", Text, nullable=True),
        Column("webhook_secret", Text, nullable=True),
        Column("enabled", Boolean, nullable=False),
        Column("created_at", String(32), nullable=False),
        Column("next_run_at", String(32), nullable=False),
        Column("last_run_at", String(32), nullable=True),
        Column("last_scan_id", Integer, nullable=True),
        Column("last_error", Text, nullable=True),
        sqlite_autoincrement=True,
    ).create(conn)
    Table(
        "alerts", meta,
        Column("id", Integer, primary_key=True),
        Column("schedule_id", Integer, nullable=True),
        Column("scan_id", Integer, ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
        Column("url", Text, nullable=False),
        Column("delivered", Boolean, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("status", Integer, nullable=True),
        Column("error", Text, nullable=True),
        Column("sent_at", String(32), nullable=False),
        sqlite_autoincrement=True,
    ).create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    _v1_scans_and_findings,
    _v2_sources_checks_and_category_scores,
    _v3_schedules_and_alerts,
)
assert len(MIGRATIONS) == SCHEMA_VERSION


def current_version(conn: Connection) -> int:
    """The schema version of the database; 0 when it has no history tables yet."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    found = conn.execute(select(schema_version.c.version)).scalar()
    return int(found or 0)


def migrate(engine: Engine, *, to: int = SCHEMA_VERSION) -> int:
    """Bring the database up to version `to`; returns the version it was at before."""
    with engine.connect() as conn:
        if current_version(conn) >= to:
            return to  # the common case: no write lock needed
    return retrying(lambda: _migrate_locked(engine, to))


def _migrate_locked(engine: Engine, to: int) -> int:
    with writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        before = current_version(conn)  # again: another process may have migrated meanwhile
        if before == 0:
            schema_version.create(conn, checkfirst=True)
        for version in range(before + 1, to + 1):
            MIGRATIONS[version - 1](conn)
        if before < to:
            conn.execute(schema_version.delete())
            conn.execute(schema_version.insert().values(version=to))
        return before


__all__ = ["MIGRATIONS", "current_version", "migrate"]
