"""Helpers for driving the dashboard's forms through Flask's test client."""

from __future__ import annotations

import re
from typing import Any

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: Any, page: str = "/scan", **kwargs: Any) -> str:
    """The session's CSRF token, as the page's form carries it."""
    html = client.get(page, **kwargs).get_data(as_text=True)
    found = CSRF.search(html)
    assert found, f"no CSRF field on {page}"
    return found.group(1)
