"""One lab per backend per process, for test suites where several conftests want the same lab."""

from __future__ import annotations

import threading

from middlebrick.lab.runner import Lab, start_lab

_labs: dict[str, Lab] = {}
_lock = threading.Lock()


def shared_lab(backend: str = "auto", *, key: str = "") -> Lab:
    """The process's running lab for `backend` (and `key`), started on first use; stop() it
    when done. Suites that need pristine seed data use their own `key`: scans change data."""
    with _lock:
        name = f"{backend}/{key}"
        lab = _labs.get(name)
        if lab is None or lab.stopped:
            lab = _labs[name] = start_lab(backend=backend)
        return lab
