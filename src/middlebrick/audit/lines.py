"""Source lines of JSON pointers, read from the YAML compose tree (JSON is YAML enough)."""

from __future__ import annotations

from typing import Any

import yaml

from middlebrick.spec.refs import escape

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Aliases can make a small text expand hugely; past this many nodes lines are simply unknown.
MAX_ENTRIES = 500_000


def pointer_lines(text: str) -> dict[str, int]:
    """1-based line of every node by JSON pointer (a mapping value: the line of its key)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return {}
    if root is None:
        return {}
    lines: dict[str, int] = {"": root.start_mark.line + 1}
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack and len(lines) < MAX_ENTRIES:
        node, pointer = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                child = f"{pointer}/{escape(str(key.value))}"
                lines[child] = key.start_mark.line + 1
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            for index, value in enumerate(node.value):
                child = f"{pointer}/{index}"
                lines[child] = value.start_mark.line + 1
                stack.append((value, child))
    return lines
