"""Built-in checks. Importing this package registers them all: every module in it but `base`
holds the checks of one topic, and importing a module registers its checks."""

from __future__ import annotations

import importlib
import pkgutil

from middlebrick.checks.base import CHECKS, CheckContext, CheckSpec, check

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _module.name != "base" and not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["CHECKS", "CheckContext", "CheckSpec", "check"]
