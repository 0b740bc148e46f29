"""The vulnerable twin's known flaws, read from ground_truth.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from middlebrick.errors import LabError

CATEGORIES = frozenset(
    {
        "authentication", "bola", "property-authorization", "data-exposure",
        "resource-consumption", "bfla", "business-flow", "ssrf", "misconfiguration",
        "injection", "encryption", "inventory", "unsafe-consumption", "spec",
    }
)  # fmt: skip
ISSUES = frozenset({2, 4, 5, 6})


@dataclass(frozen=True, kw_only=True)
class GroundTruthItem:
    """One deliberate flaw; `method` and `path` are None when it concerns the whole service."""

    id: str
    category: str
    method: str | None
    path: str | None
    description: str
    issue: int
    check: str  # the id, or a dotted prefix, of the check expected to report it


def load_ground_truth() -> list[GroundTruthItem]:
    """Every flaw of the vulnerable twin, in file order."""
    return list(_load())


@cache
def _load() -> tuple[GroundTruthItem, ...]:
    text = resources.files("middlebrick.lab").joinpath("ground_truth.yaml").read_text("utf-8")
    items = tuple(_item(raw) for raw in yaml.safe_load(text))
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise LabError("ground_truth.yaml repeats an id")
    return items


def _item(raw: Any) -> GroundTruthItem:
    try:
        item = GroundTruthItem(
            id=str(raw["id"]),
            category=str(raw["category"]),
            method=None if raw["method"] is None else str(raw["method"]).upper(),
            path=raw["path"],
            description=str(raw["description"]),
            issue=int(raw["issue"]),
            check=str(raw["check"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LabError(f"ground_truth.yaml: malformed entry {raw!r}") from exc
    if item.category not in CATEGORIES or item.issue not in ISSUES:
        raise LabError(f"ground_truth.yaml: {item.id} has an unknown category or issue")
    if (item.method is None) != (item.path is None):
        raise LabError(f"ground_truth.yaml: {item.id} needs both method and path, or neither")
    return item
