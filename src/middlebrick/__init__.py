"""middlebrick: a black-box API security scanner that knows Flask + DynamoDB services deeply."""

from __future__ import annotations

__version__ = "0.1.0"

from middlebrick.checks.base import CheckContext, check
from middlebrick.config import ScanConfig
from middlebrick.models import (
    Category,
    Confidence,
    Finding,
    ScanResult,
    Score,
    Severity,
)

__all__ = [
    "Category",
    "CheckContext",
    "Confidence",
    "Finding",
    "ScanConfig",
    "ScanResult",
    "Score",
    "Severity",
    "__version__",
    "check",
    "scan",
]


def __getattr__(name: str) -> object:
    # The engine imports every check; load it only when asked, so `import middlebrick` stays light.
    if name == "scan":
        from middlebrick.engine import scan

        return scan
    raise AttributeError(name)
