"""Validate reports against the report contract (the shared copy, and the one we ship)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SHARED_SCHEMA = ROOT.parent / "shared" / "contract" / "report.schema.json"
SHIPPED_SCHEMA = ROOT / "src" / "middlebrick" / "schemas" / "report.schema.json"


def schemas() -> list[dict[str, Any]]:
    found = [json.loads(SHIPPED_SCHEMA.read_text())]
    if SHARED_SCHEMA.exists():
        found.append(json.loads(SHARED_SCHEMA.read_text()))
    return found


def validate_report(report: dict[str, Any]) -> None:
    """Raise when the report breaks report.schema.json (both copies)."""
    for schema in schemas():
        jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(report)
