"""Walking JSON Schemas as written: every subschema once, refs followed, recursion safe."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from middlebrick.audit.document import AuditDocument, Node

MAX_BRANCHES = 32  # allOf/anyOf/oneOf branches top_properties merges
LABEL_DEPTH = 3
# Subschemas one walk (or walks sharing `visited`) may visit: bounds pathological documents.
MAX_NODES = 200_000
_COMPOSITIONS = ("allOf", "anyOf", "oneOf")


@dataclass(frozen=True, slots=True)
class Visit:
    """One subschema reached from a root, and how it was reached."""

    node: Node  # dereferenced
    name: str | None  # the property name, when reached as a property
    label: str  # for people: "property `street` of the request body"
    branch: bool  # reached as an allOf/anyOf/oneOf branch


def types(schema: Mapping[str, Any]) -> set[str]:
    """The declared JSON types: `type: x`, or a 3.1 list like `["string", "null"]`."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    return set()


def walk(
    doc: AuditDocument,
    root: Node,
    label: str,
    *,
    skip: str | None = None,
    visited: set[tuple[str, str]] | None = None,
) -> Iterator[Visit]:
    """Every subschema under `root`; `skip` ("readOnly"/"writeOnly") prunes those subtrees.

    `visited` may be shared between walks, so a schema reached from many roots is seen once.
    """
    seen = visited if visited is not None else set()
    # No depth limit: `seen` ends every cycle, and a cut by depth would lose the subschemas of
    # a node first reached deep down when `visited` is shared.
    stack: list[tuple[Node, str | None, str, bool, int]] = [(root, None, label, False, 0)]
    while stack and len(seen) < MAX_NODES:
        raw, name, where, branch, depth = stack.pop()
        node = doc.deref(raw)
        schema = node.mapping()
        key = (node.uri, node.pointer)
        if not schema or key in seen:
            continue
        if skip is not None and (schema.get(skip) is True or raw.mapping().get(skip) is True):
            continue
        seen.add(key)
        yield Visit(node=node, name=name, label=where, branch=branch)
        # Past a few levels, name the root rather than the whole chain of properties.
        owner = _owner(where) if depth < LABEL_DEPTH else f"a schema nested in {label}"
        children: list[tuple[Node, str | None, str, bool, int]] = []
        for prop, child in node.child("properties").items():
            children.append((child, prop, f"property `{prop}` of {owner}", False, depth + 1))
        for keyword in ("items", "additionalProperties"):
            child = node.child(keyword)
            if isinstance(child.value, Mapping):
                children.append((child, None, f"{keyword} of {owner}", False, depth + 1))
        for keyword in ("prefixItems", *_COMPOSITIONS):
            children += [(c, None, where, keyword != "prefixItems", depth + 1)
                         for c in node.child(keyword).elements()]
        stack.extend(reversed(children))


def top_properties(doc: AuditDocument, root: Node) -> dict[str, Node]:
    """The object's own properties (allOf/anyOf/oneOf branches merged), dereferenced."""
    found: dict[str, Node] = {}
    stack, seen = [root], set[tuple[str, str]]()
    while stack and len(seen) < MAX_BRANCHES:
        node = doc.deref(stack.pop())
        if (node.uri, node.pointer) in seen or not node.mapping():
            continue
        seen.add((node.uri, node.pointer))
        for prop, child in node.child("properties").items():
            found.setdefault(prop, doc.deref(child))
        for keyword in _COMPOSITIONS:
            stack.extend(node.child(keyword).elements())
    return found


def _owner(where: str) -> str:
    return where.removeprefix("items of ")
