"""Fixtures for the reporter tests."""

from __future__ import annotations

import pytest

from middlebrick.models import ScanResult
from middlebrick.reporting import load_builtin

from .samples import hostile_result


@pytest.fixture(autouse=True, scope="session")
def _reporters() -> None:
    load_builtin()


@pytest.fixture
def hostile() -> ScanResult:
    return hostile_result()
