"""The history tables as they are at the latest schema version (migrations.py builds them).

One row per scan with the columns the dashboard sorts and charts by, plus the full JSON
report; one row per finding so "new and fixed since the previous scan" is a query.
Timestamps are RFC 3339 UTC text of one fixed shape, so they sort as text on every database.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 3
metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, nullable=False),
)

scans = Table(
    "scans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("target", String(2048), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32), nullable=False),
    Column("duration_s", Float, nullable=False),
    Column("tool_version", String(40), nullable=False),
    Column("score", Integer, nullable=False),
    Column("grade", String(2), nullable=False),
    Column("critical", Integer, nullable=False),
    Column("high", Integer, nullable=False),
    Column("medium", Integer, nullable=False),
    Column("low", Integer, nullable=False),
    Column("info", Integer, nullable=False),
    Column("report", Text, nullable=False),
    Column("source", String(32), nullable=False, server_default="cli"),  # v2
    Column("checks", Text, nullable=True),  # v2: JSON list of the check ids that ran
    Index("ix_scans_target", "target"),
    Index("ix_scans_target_started", "target", "started_at"),  # v2
    sqlite_autoincrement=True,
)

findings = Table(
    "findings",
    metadata,
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

category_scores = Table(  # v2
    "category_scores",
    metadata,
    Column("scan_id", Integer, ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("score", Integer, nullable=False),
)

schedules = Table(  # v3
    "schedules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("target", String(2048), nullable=False),
    Column("openapi", Text, nullable=True),
    Column("headers", Text, nullable=True),  # encrypted JSON object
    Column("read_only", Boolean, nullable=False),
    Column("interval_minutes", Integer, nullable=False),
    Column("webhook_url", Text, nullable=True),
    Column("webhook_secret", Text, nullable=True),  # encrypted
    Column("enabled", Boolean, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("next_run_at", String(32), nullable=False),
    Column("last_run_at", String(32), nullable=True),
    Column("last_scan_id", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    sqlite_autoincrement=True,
)

alerts = Table(  # v3
    "alerts",
    metadata,
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
)

SEVERITIES = ("critical", "high", "medium", "low", "info")

__all__ = [
    "SCHEMA_VERSION",
    "SEVERITIES",
    "alerts",
    "category_scores",
    "findings",
    "metadata",
    "scans",
    "schedules",
    "schema_version",
]
