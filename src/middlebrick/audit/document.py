"""The raw OpenAPI document seen node by node: every node knows where it is written.

The operations model (`spec/model.py`) keeps what a scan needs; the audit needs the document
itself, because a finding must name the exact node to fix. A `Node` is a value plus the
document URI and JSON pointer it lives at; following a `$ref` moves to the node it names, so a
shared schema is reported once, where it is declared.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urlsplit
from urllib.request import url2pathname

from middlebrick.audit.lines import pointer_lines
from middlebrick.models import Endpoint, SpecLocation
from middlebrick.spec.model import HTTP_METHODS, ApiSpec, Operation
from middlebrick.spec.refs import escape, resolve_pointer

MAX_HOPS = 32
MAX_SOURCE_BYTES = 10 * 1024 * 1024
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Node:
    """A value of the document and where it is written."""

    value: Any
    uri: str
    pointer: str

    def child(self, *keys: str | int) -> Node:
        value, pointer = self.value, self.pointer
        for key in keys:
            if isinstance(value, Mapping):
                value = value.get(key)
            elif isinstance(value, list) and isinstance(key, int) and key < len(value):
                value = value[key]
            else:
                value = None
            pointer += f"/{escape(str(key))}"
        return Node(value, self.uri, pointer)

    def mapping(self) -> Mapping[str, Any]:
        return self.value if isinstance(self.value, Mapping) else {}

    def items(self) -> Iterator[tuple[str, Node]]:
        """(key, child) of a mapping; nothing for anything else."""
        for key in self.mapping():
            yield str(key), self.child(key)

    def elements(self) -> Iterator[Node]:
        if isinstance(self.value, list):
            for index in range(len(self.value)):
                yield self.child(index)


@dataclass(frozen=True, slots=True)
class OpView:
    """One operation as written: its node, merged parameters, request body and responses."""

    method: str  # upper case
    path: str
    node: Node
    parameters: tuple[Node, ...]  # dereferenced, path-item level overridden by operation level
    operation: Operation | None  # the loader's model of the same operation

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    def declares_security(self) -> bool:
        """Does the operation itself say who may call it (even `security: []`)?"""
        return "security" in self.node.mapping()


class AuditDocument:
    """An `ApiSpec`'s document(s), walkable node by node, with lines where the text is known."""

    def __init__(
        self, spec: ApiSpec, *, texts: Mapping[str, bytes] | None = None, base_url: str = ""
    ) -> None:
        self.spec = spec
        self.documents: Mapping[str, Any] = spec.documents or {"": spec.document}
        self.main_uri = next(
            (uri for uri, doc in self.documents.items() if doc is spec.document), ""
        )
        self.v2 = "swagger" in spec.document
        self.base_url = base_url.rstrip("/")
        self._texts = dict(texts or {})
        self._lines: dict[str, dict[str, int]] = {}

    # -- nodes -----------------------------------------------------------------------------
    @property
    def root(self) -> Node:
        return Node(self.spec.document, self.main_uri, "")

    def deref(self, node: Node) -> Node:
        """Follow `$ref`s to the node they name; an unknown or looping one gives an empty node."""
        seen: set[str] = set()
        for _ in range(MAX_HOPS):
            value = node.value
            ref = value.get("$ref") if isinstance(value, Mapping) else None
            if not isinstance(ref, str):
                return node
            if ref in seen:
                break
            seen.add(ref)
            uri, fragment = urldefrag(ref)
            uri = uri or node.uri
            document = self.documents.get(uri)
            if document is None and len(self.documents) == 1:
                uri, document = next(iter(self.documents.items()))
            pointer = unquote(fragment)
            node = Node(resolve_pointer(document, pointer), uri, pointer)
        return Node(None, node.uri, node.pointer)

    def security_schemes(self) -> Node:
        if self.v2:
            return self.root.child("securityDefinitions")
        return self.root.child("components", "securitySchemes")

    @cached_property
    def operations(self) -> tuple[OpView, ...]:
        found: list[OpView] = []
        for path, raw_item in self.root.child("paths").items():
            item = self.deref(raw_item)
            for method in HTTP_METHODS:
                node = item.child(method)
                if not isinstance(node.value, Mapping):
                    continue
                merged: dict[tuple[str, str], Node] = {}
                for raw in [*item.child("parameters").elements(),
                            *node.child("parameters").elements()]:
                    param = self.deref(raw)
                    name, where = param.mapping().get("name"), param.mapping().get("in")
                    if isinstance(name, str) and isinstance(where, str):
                        merged[(name, where)] = param
                found.append(OpView(
                    method=method.upper(), path=path, node=node,
                    parameters=tuple(merged.values()),
                    operation=self.spec.operation(method, path),
                ))  # fmt: skip
        return tuple(found)

    def body_schemas(self, op: OpView) -> list[Node]:
        """The request body's schema, once per media type (2.0: the `in: body` parameter's)."""
        if self.v2:
            return [p.child("schema") for p in op.parameters if p.mapping().get("in") == "body"]
        body = self.deref(op.node.child("requestBody"))
        return [media.child("schema") for _, media in body.child("content").items()]

    def responses(self, op: OpView) -> list[tuple[str, Node]]:
        """(status, dereferenced response) for every declared response."""
        return [(status, self.deref(raw)) for status, raw in op.node.child("responses").items()]

    def response_schemas(self, op: OpView) -> list[tuple[str, Node]]:
        """(status, schema) of every declared response body, once per media type."""
        found: list[tuple[str, Node]] = []
        for status, response in self.responses(op):
            if self.v2:
                found.append((status, response.child("schema")))
            else:
                found += [(status, m.child("schema")) for _, m in response.child("content").items()]
        return [(status, node) for status, node in found if isinstance(node.value, Mapping)]

    # -- where -------------------------------------------------------------------------------
    def file_of(self, uri: str) -> str:
        if uri == self.main_uri:
            return self.spec.source
        parts = urlsplit(uri)
        return url2pathname(parts.path) if parts.scheme == "file" else uri

    def line(self, node: Node) -> int | None:
        if node.uri not in self._lines:
            text = self._text(node.uri)
            self._lines[node.uri] = pointer_lines(text) if text else {}
        return self._lines[node.uri].get(node.pointer)

    def location(self, node: Node, op: OpView | None = None) -> SpecLocation:
        """Where a node is written; its own line, else its operation's when it lies inside it."""
        line = self.line(node)
        if line is None and op is not None and op.operation is not None:
            inside = node.uri == op.node.uri and node.pointer.startswith(op.node.pointer)
            line = op.operation.line if inside else None
        return SpecLocation(file=self.file_of(node.uri), pointer=node.pointer, line=line)

    def endpoint(self, op: OpView) -> Endpoint:
        base = self.base_url
        if not base:
            servers = [s for s in self.spec.servers if s.startswith(("http://", "https://"))]
            base = servers[0].rstrip("/") if servers else ""
        elif self.spec.base_path:
            base += self.spec.base_path
        return Endpoint(method=op.method, path=op.path, url=base + op.path)

    def _text(self, uri: str) -> str | None:
        data = self._texts.get(uri)
        if data is None and uri == self.main_uri and urlsplit(self.spec.source).scheme == "":
            data = _read_local(Path(self.spec.source))
        elif data is None and urlsplit(uri).scheme == "file":
            data = _read_local(Path(url2pathname(urlsplit(uri).path)))
        if data is None:
            return None
        return data.decode("utf-8-sig", errors="replace")


def _read_local(path: Path) -> bytes | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_SOURCE_BYTES else None
