"""The scan history: record a scan, list scans and targets, compare a scan with the previous one.

The full JSON report is kept as it was written; the columns beside it are what the history
sorts, charts and compares by. A scan's "previous scan" is the latest earlier scan of the same
target (by start time, then id), so new and fixed findings are two `NOT EXISTS` queries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Row, and_, func, or_, select

from middlebrick.models import ScanResult
from middlebrick.storage.database import (
    HistoryUnavailable,
    create,
    guarded,
    inserted_id,
    retrying,
    writing,
)
from middlebrick.storage.migrations import current_version, migrate
from middlebrick.storage.paths import display_url, key_file, resolve_url
from middlebrick.storage.records import (
    Changes,
    FindingRow,
    ScanPoint,
    ScanSummary,
    StoredScan,
    TargetSummary,
)
from middlebrick.storage.rows import report_rows
from middlebrick.storage.schedules import Schedules
from middlebrick.storage.schema import SCHEMA_VERSION, category_scores, findings, scans
from middlebrick.storage.vault import Vault

SPARK_POINTS = 20
_SUMMARY = (scans.c.id, scans.c.target, scans.c.started_at, scans.c.finished_at,
            scans.c.duration_s, scans.c.score, scans.c.grade, scans.c.critical, scans.c.high,
            scans.c.medium, scans.c.low, scans.c.info, scans.c.source)
_FINDING = (findings.c.finding_id, findings.c.check_id, findings.c.category, findings.c.severity,
            findings.c.title, findings.c.method, findings.c.path)


class History:
    """A history database, migrated to the current schema when opened."""

    def __init__(self, engine: Engine, url: str, *, key: Path | None = None) -> None:
        self.engine = engine
        self.url = url
        self._key = key

    @classmethod
    def open(cls, db: str | None = None, *, key: Path | None = None) -> History:
        """Open (and create or upgrade) the history at `db`: a path or URL; None = default."""
        url = resolve_url(db)
        engine = guarded(url, lambda: create(url))

        def version() -> int:
            with engine.connect() as conn:
                return current_version(conn)

        found = guarded(url, version)
        if found > SCHEMA_VERSION:
            raise HistoryUnavailable(
                f"{display_url(url)} has history schema version {found}, newer than this "
                f"middlebrick knows ({SCHEMA_VERSION}): upgrade middlebrick"
            )
        guarded(url, lambda: migrate(engine))
        return cls(engine, url, key=key)

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    @cached_property
    def schedules(self) -> Schedules:
        return Schedules(self.engine, Vault(self._key or key_file()))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def record(self, result: ScanResult, *, source: str = "cli",
               checks_run: Iterable[str] | None = None) -> int:
        """Store one scan; returns its id. `checks_run` (default: the result's catalog, if any)
        lets a later comparison tell a fixed finding from one whose check was not run."""
        if checks_run is None:
            catalog = getattr(result, "catalog", ())  # reporting.view.AnnotatedResult
            checks_run = [c.id for c in catalog] if catalog else None
        return self.record_report(result.to_dict(), source=source, checks_run=checks_run)

    def record_report(self, report: Mapping[str, Any], *, source: str = "cli",
                      checks_run: Iterable[str] | None = None) -> int:
        """Store one JSON report (the shape of `ScanResult.to_dict()`); returns its id."""
        scan_row, finding_rows, category_rows = report_rows(report, source, checks_run)

        def transaction() -> int:
            with writing(self.engine) as conn:
                scan_id = inserted_id(conn.execute(scans.insert().values(**scan_row)))
                if finding_rows:
                    conn.execute(findings.insert(),
                                 [{**r, "scan_id": scan_id} for r in finding_rows])
                if category_rows:
                    conn.execute(category_scores.insert(),
                                 [{**r, "scan_id": scan_id} for r in category_rows])
                return scan_id

        return guarded(self.url, lambda: retrying(transaction))

    # -- reading ---------------------------------------------------------------------------

    def scans(self, target: str | None = None, *, limit: int = 50) -> list[ScanSummary]:
        """Stored scans, newest first; only those of `target` when given."""
        query = select(*_SUMMARY).order_by(scans.c.started_at.desc(), scans.c.id.desc())
        if target is not None:
            query = query.where(scans.c.target == target)
        return [_summary(r) for r in self._rows(query.limit(limit))]

    def get(self, scan_id: int) -> StoredScan | None:
        """One scan with its report, or None."""
        found = self._rows(select(*_SUMMARY, scans.c.report, scans.c.checks)
                           .where(scans.c.id == scan_id))
        if not found:
            return None
        row = found[0]
        cats = self._rows(select(category_scores.c.category, category_scores.c.score)
                          .where(category_scores.c.scan_id == scan_id))
        return StoredScan(
            summary=_summary(row),
            report=json.loads(row.report),
            categories={c.category: c.score for c in cats},
            checks=tuple(json.loads(row.checks)) if row.checks else None,
        )

    def previous(self, scan: ScanSummary) -> ScanSummary | None:
        """The latest scan of the same target before this one."""
        earlier = or_(scans.c.started_at < scan.started_at,
                      and_(scans.c.started_at == scan.started_at, scans.c.id < scan.id))
        query = (select(*_SUMMARY).where(scans.c.target == scan.target, earlier)
                 .order_by(scans.c.started_at.desc(), scans.c.id.desc()).limit(1))
        found = self._rows(query)
        return _summary(found[0]) if found else None

    def findings_of(self, scan_id: int) -> list[FindingRow]:
        return [_finding(r) for r in self._rows(
            select(*_FINDING).where(findings.c.scan_id == scan_id).order_by(findings.c.id))]

    def changes(self, scan_id: int) -> Changes:
        """What is new in this scan and what was fixed, against the previous scan of its target."""
        stored = self.get(scan_id)
        if stored is None:
            raise KeyError(scan_id)
        prev = self.previous(stored.summary)
        if prev is None:
            return Changes(previous=None, new=tuple(self.findings_of(scan_id)))
        new = [_finding(r) for r in self._rows(_missing_from(scan_id, prev.id))]
        gone = [_finding(r) for r in self._rows(_missing_from(prev.id, scan_id))]
        ran = set(stored.checks) if stored.checks is not None else None
        return Changes(
            previous=prev,
            new=tuple(new),
            fixed=tuple(f for f in gone if ran is None or f.check in ran),
            unchecked=tuple(f for f in gone if ran is not None and f.check not in ran),
        )

    def change_counts(self, summaries: Sequence[ScanSummary]) -> dict[int, tuple[int, int] | None]:
        """(new, fixed) per scan id; None for a target's first scan."""
        counts: dict[int, tuple[int, int] | None] = {}
        for s in summaries:
            found = self.changes(s.id)
            counts[s.id] = None if found.previous is None else (len(found.new), len(found.fixed))
        return counts

    def targets(self) -> list[TargetSummary]:
        """Every target with its latest scan and recent scores, worst first."""
        order = (scans.c.started_at.desc(), scans.c.id.desc())
        ranked = select(
            *_SUMMARY,
            func.row_number().over(partition_by=scans.c.target, order_by=order).label("rn"),
            func.count().over(partition_by=scans.c.target).label("total"),
        ).subquery()
        rows = self._rows(select(ranked).where(ranked.c.rn <= SPARK_POINTS)
                          .order_by(ranked.c.target, ranked.c.rn))
        by_target: dict[str, list[Row[Any]]] = {}
        for r in rows:
            by_target.setdefault(r.target, []).append(r)
        found = [
            TargetSummary(target=t, latest=_summary(rs[0]), scans=int(rs[0].total),
                          recent_scores=tuple(int(r.score) for r in reversed(rs)))
            for t, rs in by_target.items()
        ]
        return sorted(found, key=lambda t: (t.latest.score, -t.latest.open_critical_high,
                                            -t.latest.counts.get("critical", 0), t.target))

    def series(self, target: str, *, limit: int = 200) -> list[ScanPoint]:
        """The target's latest `limit` scans as chart points, oldest first, with categories."""
        recent = list(reversed(self.scans(target, limit=limit)))
        cats: dict[int, dict[str, int]] = {s.id: {} for s in recent}
        if recent:
            for r in self._rows(select(category_scores).where(
                    category_scores.c.scan_id.in_([s.id for s in recent]))):
                cats[r.scan_id][r.category] = r.score
        return [ScanPoint(id=s.id, started_at=s.started_at, score=s.score, grade=s.grade,
                          categories=cats[s.id]) for s in recent]

    def count(self) -> int:
        return int(self._rows(select(func.count()).select_from(scans))[0][0])

    def _rows(self, query: Any) -> list[Row[Any]]:
        def run() -> list[Row[Any]]:
            with self.engine.connect() as conn:
                return list(conn.execute(query))

        return guarded(self.url, run)


def record(result: ScanResult, *, db: str | None = None, source: str = "cli",
           checks_run: Iterable[str] | None = None) -> int:
    """Store one scan in the history at `db` (a path or URL; None = the default); its id."""
    with History.open(db) as history:
        return history.record(result, source=source, checks_run=checks_run)


def _missing_from(scan_id: int, other_id: int) -> Any:
    """Findings of `scan_id` with no finding of the same id in `other_id`."""
    other = findings.alias("other")
    absent = ~select(other.c.id).where(other.c.scan_id == other_id,
                                       other.c.finding_id == findings.c.finding_id).exists()
    return select(*_FINDING).where(findings.c.scan_id == scan_id, absent).order_by(findings.c.id)


def _summary(row: Row[Any]) -> ScanSummary:
    return ScanSummary(
        id=int(row.id), target=row.target, started_at=row.started_at,
        finished_at=row.finished_at, duration_s=float(row.duration_s), score=int(row.score),
        grade=row.grade, source=row.source,
        counts={s: int(getattr(row, s)) for s in ("critical", "high", "medium", "low", "info")},
    )


def _finding(row: Row[Any]) -> FindingRow:
    return FindingRow(finding_id=row.finding_id, check=row.check_id, category=row.category,
                      severity=row.severity, title=row.title, method=row.method, path=row.path)


__all__ = ["History", "record"]
