"""Validate SARIF output against the official OASIS SARIF 2.1.0 schema (draft-04).

The shared contract's copy is preferred; the copy the package ships is the fallback.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SHARED_SCHEMA = ROOT.parent / "shared" / "contract" / "sarif-schema-2.1.0.json"
SHIPPED_SCHEMA = ROOT / "src" / "middlebrick" / "schemas" / "sarif-schema-2.1.0.json"


@cache
def _validator() -> jsonschema.Draft4Validator:
    path = SHARED_SCHEMA if SHARED_SCHEMA.exists() else SHIPPED_SCHEMA
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def validate_sarif(log: dict[str, Any]) -> None:
    """Raise when `log` is not valid SARIF 2.1.0."""
    _validator().validate(log)
