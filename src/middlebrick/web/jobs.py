"""Scans started from the dashboard: each runs `engine.scan` in a background thread.

Progress is kept in memory for the page that polls it; the result goes into the history like
any other scan. At most `max_parallel` scans run at once and at most `max_waiting` wait their
turn; beyond that a scan is refused (`ScanQueueFull`), so a flood of requests cannot pile up
threads. Only finished jobs are forgotten to make room.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from middlebrick.config import ScanConfig
from middlebrick.errors import MiddlebrickError
from middlebrick.storage import History

log = logging.getLogger(__name__)
ACTIVE = frozenset({"queued", "running"})
AfterScan = Callable[[int], None]  # called with the id of the recorded scan
OnError = Callable[[str], None]  # called with the reason a scan failed


class ScanQueueFull(MiddlebrickError):
    """Every scan slot is taken and the waiting line is full."""


@dataclass
class _Job:
    id: str
    target: str
    source: str
    state: str = "queued"  # queued, running, done, failed
    phase: str = ""
    done: int = 0
    total: int = 0
    scan_id: int | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None


class JobRunner:
    """Runs dashboard scans in background threads and remembers their progress."""

    def __init__(self, history: History, *, max_parallel: int = 2, max_waiting: int = 8,
                 keep: int = 100) -> None:
        self.history = history
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_parallel)
        self._capacity = max_parallel + max_waiting
        self._keep = keep
        self._finished = threading.Condition(self._lock)

    def has_room(self) -> bool:
        """True when a scan submitted now would be accepted."""
        with self._lock:
            return self._active_count() < self._capacity

    def submit(self, config: ScanConfig, *, source: str = "dashboard",
               after: AfterScan | None = None, on_error: OnError | None = None) -> str:
        """Start scanning in the background; returns the job id to poll.
        Raises ScanQueueFull when `max_parallel` scans run and `max_waiting` wait already."""
        job = _Job(id=secrets.token_hex(8), target=config.target, source=source)
        with self._lock:
            if self._active_count() >= self._capacity:
                raise ScanQueueFull(
                    f"Too many scans are running or waiting ({self._capacity}): "
                    "try again when one has finished.")
            self._jobs[job.id] = job
            finished = [k for k, j in self._jobs.items() if j.state not in ACTIVE]
            for old in finished[:max(0, len(self._jobs) - self._keep)]:
                del self._jobs[old]
        thread = threading.Thread(target=self._run, args=(job, config, after, on_error),
                                  name=f"middlebrick-scan-{job.id}", daemon=True)
        thread.start()
        return job.id

    def status(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return _snapshot(job) if job else None

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [_snapshot(j) for j in self._jobs.values() if j.state in ACTIVE]

    def wait(self, job_id: str, timeout: float = 60.0) -> dict[str, Any] | None:
        """Block until the job has finished (or `timeout`); its last status."""
        deadline = time.monotonic() + timeout
        with self._finished:
            while True:
                job = self._jobs.get(job_id)
                left = deadline - time.monotonic()
                if job is None or job.state in {"done", "failed"} or left <= 0:
                    return _snapshot(job) if job else None
                self._finished.wait(left)

    def _active_count(self) -> int:
        return sum(1 for j in self._jobs.values() if j.state in ACTIVE)

    def _update(self, job: _Job, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)
            if job.state in {"done", "failed"}:
                self._finished.notify_all()

    def _run(self, job: _Job, config: ScanConfig, after: AfterScan | None,
             on_error: OnError | None) -> None:
        from middlebrick.engine import scan, select_checks

        with self._slots:
            self._update(job, state="running", phase="starting")

            def progress(phase: str, done: int, total: int) -> None:
                self._update(job, phase=phase, done=done, total=total)

            error: str | None = None
            scan_id = 0
            try:
                result = asyncio.run(scan(config, on_progress=progress))
                ran = [c.id for c in select_checks(config.checks, config.skip_checks)]
                scan_id = self.history.record(result, source=job.source, checks_run=ran)
            except MiddlebrickError as exc:
                error = str(exc)
            except Exception as exc:  # a dashboard must outlive any one scan
                log.exception("scan of %s failed", config.target)
                error = f"internal error: {type(exc).__name__}: {exc}"
        if error is not None:
            self._update(job, state="failed", error=error, finished=time.time())
            _call(on_error, error)
            return
        # The job is done once what follows the scan (a schedule's alert) is done too.
        self._update(job, phase="recorded", scan_id=scan_id)
        _call(after, scan_id)
        self._update(job, state="done", phase="done", finished=time.time())


def _call(callback: Callable[[Any], None] | None, value: Any) -> None:
    if callback is None:
        return
    try:
        callback(value)
    except Exception:
        log.exception("after-scan action failed")


def _snapshot(job: _Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "target": job.target,
        "source": job.source,
        "state": job.state,
        "phase": job.phase,
        "done": job.done,
        "total": job.total,
        "scan_id": job.scan_id,
        "error": job.error,
    }


__all__ = ["ACTIVE", "AfterScan", "JobRunner", "OnError", "ScanQueueFull"]
