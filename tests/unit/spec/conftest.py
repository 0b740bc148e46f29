"""Fixtures for the spec tests: fixture documents and a loopback HTTP server for URL refs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.serving import serve_directory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def served() -> Iterator[str]:
    """The fixtures directory over HTTP on 127.0.0.1 (an ephemeral port); yields the base URL."""
    with serve_directory(FIXTURES) as url:
        yield url
