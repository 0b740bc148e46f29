"""Built-in checks. Importing this package registers them all (one module per topic)."""

from middlebrick.checks import cors, disclosure, flask, headers  # noqa: F401
from middlebrick.checks.base import CHECKS, CheckContext, CheckSpec, check

__all__ = ["CHECKS", "CheckContext", "CheckSpec", "check"]
