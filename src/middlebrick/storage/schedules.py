"""Scheduled rescans and the alerts they sent, stored beside the history.

A schedule's headers (the scan identity) and webhook secret are encrypted with the vault;
listing schedules never decrypts them. A due schedule is claimed with a compare-and-set on
`next_run_at`, so two dashboards on one database never start the same run twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, select, update

from middlebrick.storage.database import guarded, inserted_id, retrying, writing
from middlebrick.storage.rows import stamp, storable
from middlebrick.storage.schema import alerts, schedules
from middlebrick.storage.vault import Vault

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True, slots=True)
class Schedule:
    """A target rescanned every `interval_minutes` (its secrets are not loaded here)."""

    id: int
    target: str
    openapi: str | None
    read_only: bool
    interval_minutes: int
    webhook_url: str | None
    enabled: bool
    created_at: str
    next_run_at: str
    last_run_at: str | None
    last_scan_id: int | None
    last_error: str | None
    has_headers: bool
    has_secret: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class ScheduleSecrets:
    headers: Mapping[str, str]
    webhook_secret: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertRecord:
    """One webhook alert and how its delivery went."""

    id: int
    schedule_id: int | None
    scan_id: int
    url: str
    delivered: bool
    attempts: int
    status: int | None
    error: str | None
    sent_at: str


class Schedules:
    def __init__(self, engine: Engine, vault: Vault) -> None:
        self.engine = engine
        self.vault = vault

    def add(self, target: str, *, interval_minutes: int, openapi: str | None = None,
            headers: Mapping[str, str] | None = None, read_only: bool = False,
            webhook_url: str | None = None, webhook_secret: str | None = None) -> int:
        """Store a schedule whose first run is due now; returns its id."""
        now = stamp()
        row = {
            "target": target, "openapi": openapi or None, "read_only": read_only,
            "headers": self.vault.encrypt(json.dumps(dict(headers))) if headers else None,
            "interval_minutes": interval_minutes, "webhook_url": webhook_url or None,
            "webhook_secret": self.vault.encrypt(webhook_secret) if webhook_secret else None,
            "enabled": True, "created_at": now, "next_run_at": now,
        }
        return self._write(lambda c: inserted_id(c.execute(schedules.insert().values(**row))))

    def all(self) -> list[Schedule]:
        return [_schedule(r) for r in self._read(select(schedules).order_by(schedules.c.id))]

    def get(self, schedule_id: int) -> Schedule | None:
        found = self._read(select(schedules).where(schedules.c.id == schedule_id))
        return _schedule(found[0]) if found else None

    def secrets(self, schedule_id: int) -> ScheduleSecrets:
        found = self._read(select(schedules.c.headers, schedules.c.webhook_secret)
                           .where(schedules.c.id == schedule_id))
        if not found:
            raise KeyError(schedule_id)
        headers, secret = found[0].headers, found[0].webhook_secret
        return ScheduleSecrets(
            headers=json.loads(self.vault.decrypt(headers)) if headers else {},
            webhook_secret=self.vault.decrypt(secret) if secret else None,
        )

    def delete(self, schedule_id: int) -> bool:
        return self._write(lambda c: c.execute(
            schedules.delete().where(schedules.c.id == schedule_id)).rowcount > 0)

    def due(self, now: str | None = None) -> list[Schedule]:
        query = select(schedules).where(schedules.c.enabled.is_(True),
                                        schedules.c.next_run_at <= (now or stamp()))
        return [_schedule(r) for r in self._read(query.order_by(schedules.c.next_run_at))]

    def claim(self, schedule: Schedule, now: datetime | None = None) -> bool:
        """Mark a run as started (and the next one due an interval later), unless another
        process got there first."""
        moment = now or datetime.now(UTC)
        values = {"last_run_at": stamp(moment), "next_run_at":
                  stamp(moment + timedelta(minutes=schedule.interval_minutes))}
        query = (update(schedules).values(**values)
                 .where(schedules.c.id == schedule.id,
                        schedules.c.next_run_at == schedule.next_run_at))
        return self._write(lambda c: c.execute(query).rowcount == 1)

    def finished(self, schedule_id: int, *, scan_id: int | None, error: str | None) -> None:
        query = (update(schedules).where(schedules.c.id == schedule_id)
                 .values(last_scan_id=scan_id,
                         last_error=storable(error) if error is not None else None))
        self._write(lambda c: c.execute(query))

    def log_alert(self, *, schedule_id: int | None, scan_id: int, url: str, delivered: bool,
                  attempts: int, status: int | None, error: str | None) -> int:
        row = {"schedule_id": schedule_id, "scan_id": scan_id, "url": url, "delivered": delivered,
               "attempts": attempts, "status": status,
               "error": storable(error) if error is not None else None, "sent_at": stamp()}
        return self._write(lambda c: inserted_id(c.execute(alerts.insert().values(**row))))

    def alerts(self, *, limit: int = 20) -> list[AlertRecord]:
        rows = self._read(select(alerts).order_by(alerts.c.id.desc()).limit(limit))
        return [AlertRecord(id=r.id, schedule_id=r.schedule_id, scan_id=r.scan_id, url=r.url,
                            delivered=bool(r.delivered), attempts=r.attempts, status=r.status,
                            error=r.error, sent_at=r.sent_at) for r in rows]

    def _read(self, query: Any) -> list[Row[Any]]:
        def run() -> list[Row[Any]]:
            with self.engine.connect() as conn:
                return list(conn.execute(query))

        return guarded(str(self.engine.url), run)

    def _write(self, action: Callable[[Connection], T]) -> T:
        def transaction() -> T:
            with writing(self.engine) as conn:
                return action(conn)

        return guarded(str(self.engine.url), lambda: retrying(transaction))


def _schedule(row: Row[Any]) -> Schedule:
    return Schedule(
        id=row.id, target=row.target, openapi=row.openapi, read_only=bool(row.read_only),
        interval_minutes=row.interval_minutes, webhook_url=row.webhook_url,
        enabled=bool(row.enabled), created_at=row.created_at, next_run_at=row.next_run_at,
        last_run_at=row.last_run_at, last_scan_id=row.last_scan_id, last_error=row.last_error,
        has_headers=row.headers is not None, has_secret=row.webhook_secret is not None,
    )


__all__ = ["AlertRecord", "Schedule", "ScheduleSecrets", "Schedules"]
