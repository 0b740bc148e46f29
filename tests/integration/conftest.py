"""Integration fixtures: the lab's real Flask twins on a real DynamoDB-compatible server.

`lab` runs on the default backend (Amazon DynamoDB Local, or moto's server when Java or the jar
is missing: see `lab.backend` and `lab.backend_note`); `moto_lab` always runs on moto's server.
Each starts once per test session and is shared with tests/lab, which reuses these fixtures.
Tests using them should carry `pytest.mark.integration`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from middlebrick.lab import Lab
from middlebrick.lab.testing import shared_lab


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The lab on the default DynamoDB backend, started once per session."""
    running = shared_lab("auto")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def moto_lab() -> Iterator[Lab]:
    """The lab on moto's server, which validates DynamoDB requests less strictly."""
    running = shared_lab("moto")
    yield running
    running.stop()
