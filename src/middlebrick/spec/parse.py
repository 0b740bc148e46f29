"""Turning bytes into a document: JSON or YAML (detected by content), with operation lines."""

from __future__ import annotations

import json
from typing import Any

import yaml

from middlebrick.errors import SpecError
from middlebrick.spec.model import HTTP_METHODS

# (path template, lower-case method) -> 1-based line of the operation's key in the source.
Lines = dict[tuple[str, str], int]

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(_BaseLoader):  # type: ignore[misc]
    """A safe loader that keeps dates as strings and mapping keys as written (`200:` -> "200")."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key: Any = key_node.value
            else:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a mapping key must be a plain value", key_node.start_mark
                    )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


# Dates stay strings: a schema `example: 2024-01-01` must survive as JSON-able data.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def decode(data: bytes | str, source: str) -> str:
    """The text of a document (UTF-8, a BOM allowed), or SpecError."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError("not UTF-8 text, so neither JSON nor YAML", source=source) from None


def read_document(data: bytes | str, source: str, *, want_lines: bool = False) -> tuple[Any, Lines]:
    """Parse JSON or YAML; with `want_lines`, also where each operation starts."""
    text = decode(data, source)
    if text.lstrip()[:1] in ("{", "["):
        try:
            document = json.loads(text)
        except ValueError:
            pass  # YAML flow style looks like JSON too; let YAML have a go
        except RecursionError:
            raise SpecError("the document nests too deeply", source=source) from None
        else:
            return document, (_lines_only(text) if want_lines else {})
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            document = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SpecError(f"neither JSON nor YAML{where}", source=source) from None
    except RecursionError:
        raise SpecError("the document nests too deeply", source=source) from None
    return document, (_operation_lines(node) if want_lines else {})


def _lines_only(text: str) -> Lines:
    # JSON is (nearly always) YAML, so the YAML composer knows where its operations are.
    try:
        return _operation_lines(yaml.compose(text, Loader=_Loader))
    except (yaml.YAMLError, RecursionError):
        return {}


def _operation_lines(root: yaml.Node | None) -> Lines:
    lines: Lines = {}
    paths = _child(root, "paths")
    if not isinstance(paths, yaml.MappingNode):
        return lines
    for path_key, item in paths.value:
        if not isinstance(path_key, yaml.ScalarNode) or not isinstance(item, yaml.MappingNode):
            continue
        for method_key, _ in item.value:
            if isinstance(method_key, yaml.ScalarNode) and method_key.value in HTTP_METHODS:
                lines[(path_key.value, method_key.value)] = method_key.start_mark.line + 1
    return lines


def _child(node: yaml.Node | None, name: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return value if isinstance(value, yaml.Node) else None
    return None
