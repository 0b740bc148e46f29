"""Run one check after the real exploration of an OpenAPI document, as users A and B.

conftest's `run_check` replays a fixed list of requests; checks that compare what A and B saw,
or that need each exchange's operation, get that here (tests/support/harness.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from middlebrick.models import Finding

from support.harness import Handler, scan_check
from support.mock import wsgi_handler as wsgi

__all__ = ["Handler", "run_explored", "wsgi"]


def run_explored(
    check_id: str,
    handler: Handler,
    document: Mapping[str, Any] | None,
    **options: Any,
) -> list[Finding]:
    """`GET /`, explore `document` (if any) as A (and B), then run the check."""
    return scan_check(check_id, handler, document, **options)
