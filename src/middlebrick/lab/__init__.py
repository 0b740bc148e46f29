"""The lab: a vulnerable and a hardened Flask + DynamoDB twin on a local DynamoDB server.

with start_lab() as lab:
    lab.vulnerable.url, lab.hardened.auth_header("alice"), ...
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from middlebrick.lab.ground_truth import GroundTruthItem, load_ground_truth
    from middlebrick.lab.runner import Lab, Twin, start_lab

__all__ = ["GroundTruthItem", "Lab", "Twin", "load_ground_truth", "start_lab"]

# Loaded on first use: importing the package stays light (no Flask, no boto3), and
# `python -m middlebrick.lab.dynamodb` does not find its own module already imported.
_HOMES = {
    "GroundTruthItem": "middlebrick.lab.ground_truth",
    "load_ground_truth": "middlebrick.lab.ground_truth",
    "Lab": "middlebrick.lab.runner",
    "Twin": "middlebrick.lab.runner",
    "start_lab": "middlebrick.lab.runner",
}


def __getattr__(name: str) -> object:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'middlebrick.lab' has no attribute {name!r}")
