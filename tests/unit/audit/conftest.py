"""The audit fixtures served over loopback HTTP, for documents audited by URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.serving import serve_directory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def served_fixtures() -> Iterator[str]:
    with serve_directory(FIXTURES) as url:
        yield url
