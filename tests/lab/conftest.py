"""tests/lab proves the lab's flaws with exact seed data, so it runs on labs of its own: the
scanner's integration tests share the other ones (`tests/integration/conftest.py`) and change
their data as any scan would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from middlebrick.lab import Lab
from middlebrick.lab.testing import shared_lab


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    running = shared_lab("auto", key="pristine")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def moto_lab() -> Iterator[Lab]:
    running = shared_lab("moto", key="pristine")
    yield running
    running.stop()
