"""Scheduled rescans, run by a background thread of the dashboard process.

Every `tick` seconds it claims the schedules that are due, scans each in the job runner and,
when the new scan is worse than the previous one of the same target, sends the webhook alert.
A schedule whose previous scan is still running is not started again, and nothing is claimed
while the runner has no room, so a due schedule waits instead of losing its run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from middlebrick import alerts
from middlebrick.config import ScanConfig
from middlebrick.errors import MiddlebrickError
from middlebrick.http.client import ClientOptions
from middlebrick.storage import History, Schedule
from middlebrick.web.jobs import ACTIVE, JobRunner, ScanQueueFull

log = logging.getLogger(__name__)
Deliver = Callable[[str, Mapping[str, Any], str], alerts.Delivery]
DEADLINE = 600.0  # seconds: what `middlebrick scan` allows by default


def scan_config(target: str, *, openapi: str | None, headers: Mapping[str, str],
                headers_b: Mapping[str, str] | None = None, read_only: bool) -> ScanConfig:
    """A scan with the command line's safe defaults: never destructive, bounded in time."""
    return ScanConfig(
        target=target, openapi=openapi, headers_a=dict(headers), headers_b=dict(headers_b or {}),
        client=ClientOptions(read_only=read_only, allow_destructive=False, deadline=DEADLINE),
    )


class Scheduler:
    """Starts due schedules and alerts on regressions."""

    def __init__(self, history: History, runner: JobRunner, *, tick: float = 30.0,
                 deliver: Deliver | None = None, dashboard_url: str | None = None) -> None:
        self.history = history
        self.runner = runner
        self.tick = tick
        self.dashboard_url = dashboard_url
        self._deliver: Deliver = deliver or (lambda url, payload, secret: alerts.deliver(
            url, payload, secret))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._jobs: dict[int, str] = {}  # schedule id -> its latest job
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="middlebrick-scheduler",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # keep scheduling whatever one pass did
                log.exception("scheduler pass failed")
            self._stop.wait(self.tick)

    def run_due(self) -> list[str]:
        """Start every schedule that is due now; the ids of the jobs started."""
        started = []
        for schedule in self.history.schedules.due():
            try:
                job = self.run(schedule)
            except ScanQueueFull:
                break  # the rest stay due for the next pass
            if job is not None:
                started.append(job)
        return started

    def run(self, schedule: Schedule) -> str | None:
        """Claim and start one schedule's scan now; None when its previous scan still runs or
        another process claimed it. Raises ScanQueueFull (claiming nothing) when there is no
        room for another scan."""
        store = self.history.schedules
        with self._lock:
            if self._running(schedule.id):
                return None
            if not self.runner.has_room():
                raise ScanQueueFull("Too many scans are running or waiting: try again later.")
            if not store.claim(schedule):
                return None
            job = self._start(schedule)
            if job is not None:
                self._jobs[schedule.id] = job
            return job

    def _running(self, schedule_id: int) -> bool:
        job = self._jobs.get(schedule_id)
        status = self.runner.status(job) if job is not None else None
        return status is not None and status["state"] in ACTIVE

    def _start(self, schedule: Schedule) -> str | None:
        store = self.history.schedules
        try:
            secrets = store.secrets(schedule.id)
        except MiddlebrickError as exc:
            store.finished(schedule.id, scan_id=None, error=str(exc))
            return None
        config = scan_config(schedule.target, openapi=schedule.openapi, headers=secrets.headers,
                             read_only=schedule.read_only)

        def after(scan_id: int) -> None:
            store.finished(schedule.id, scan_id=scan_id, error=None)
            if schedule.webhook_url and secrets.webhook_secret:
                self.alert(schedule, scan_id, schedule.webhook_url, secrets.webhook_secret)

        def failed(reason: str) -> None:
            store.finished(schedule.id, scan_id=None, error=reason)

        try:
            return self.runner.submit(config, source="schedule", after=after, on_error=failed)
        except ScanQueueFull as exc:  # taken by a dashboard scan since has_room()
            failed(str(exc))
            return None

    def alert(self, schedule: Schedule | None, scan_id: int, url: str, secret: str) -> bool:
        """Send the regression alert for `scan_id`, if it is one; True when one was sent."""
        stored = self.history.get(scan_id)
        if stored is None:
            return False
        payload = alerts.regression(stored.summary, self.history.changes(scan_id),
                                    self.dashboard_url)
        if payload is None:
            return False
        if schedule is not None:
            payload["schedule"] = {"id": schedule.id, "interval_minutes": schedule.interval_minutes}
        outcome = self._deliver(url, payload, secret)
        self.history.schedules.log_alert(
            schedule_id=schedule.id if schedule else None, scan_id=scan_id, url=url,
            delivered=outcome.delivered, attempts=outcome.attempts, status=outcome.status,
            error=outcome.error)
        return True


__all__ = ["Scheduler", "scan_config"]
