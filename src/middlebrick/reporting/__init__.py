"""Reporters: one module per format, one signature (`render(result, out)`), registered by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from middlebrick.models import ScanResult
from middlebrick.registry import Registry

Reporter = Callable[[ScanResult, IO[str]], None]
REPORTERS: Registry[Reporter] = Registry("report format")


def reporter(name: str) -> Callable[[Reporter], Reporter]:
    """Register a reporter under a format name."""

    def decorate(function: Reporter) -> Reporter:
        return REPORTERS.register(name, function)

    return decorate


def load_builtin() -> None:
    from middlebrick.reporting import html, json, junit, markdown, sarif, text  # noqa: F401


__all__ = ["REPORTERS", "Reporter", "load_builtin", "reporter"]
