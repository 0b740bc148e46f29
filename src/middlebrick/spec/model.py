"""The operations model: what the scanner knows about an API, taken from its OpenAPI document.

Schemas are kept as the document has them, except that every `$ref` is rewritten by the loader
to an absolute URI, so `ApiSpec.resolve` can follow any reference without knowing where it was
written (recursive schemas stay references and never loop).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, kw_only=True, slots=True)
class Parameter:
    """One path, query, header or cookie parameter."""

    name: str
    location: str  # "path" | "query" | "header" | "cookie"
    required: bool = False
    schema: Mapping[str, Any] = field(default_factory=dict)
    example: Any = None
    has_example: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestBody:
    """The body an operation accepts, in its preferred media type."""

    content_type: str  # e.g. "application/json", "application/x-www-form-urlencoded"
    schema: Mapping[str, Any] = field(default_factory=dict)
    required: bool = False
    example: Any = None
    has_example: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class ResponseSpec:
    """One declared response: its status (or "default") and content."""

    status: str
    content_types: tuple[str, ...] = ()
    schema: Mapping[str, Any] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Operation:
    """One method on one path template."""

    method: str  # upper case
    path: str  # the path template, e.g. "/items/{item_id}"
    operation_id: str | None = None
    summary: str | None = None
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: Mapping[str, ResponseSpec] = field(default_factory=dict)
    # Effective security requirements (operation-level, else document-level); () means none.
    security: tuple[Mapping[str, tuple[str, ...]], ...] = ()
    deprecated: bool = False
    pointer: str = ""  # JSON pointer of the operation object, e.g. "/paths/~1items/get"
    line: int | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def secured(self) -> bool:
        # An empty requirement object ({}) in the list means "anonymous is also fine".
        return bool(self.security) and all(req for req in self.security)

    def params_in(self, location: str) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == location)


@dataclass(frozen=True, kw_only=True, slots=True)
class ApiSpec:
    """A loaded, validated OpenAPI document and its operations."""

    source: str
    version: str  # "2.0", "3.0.3", "3.1.0", ...
    document: Mapping[str, Any]
    operations: tuple[Operation, ...]
    servers: tuple[str, ...] = ()
    # Path prefix every operation path is mounted under (2.0 basePath, or a 3.x server URL path).
    base_path: str = ""
    security_schemes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Every document the loader read, by absolute URI (without fragment); refs point into these.
    documents: Mapping[str, Any] = field(default_factory=dict)

    def resolve(self, schema: Mapping[str, Any] | None, *, max_hops: int = 32) -> Mapping[str, Any]:
        """Follow `$ref`s until a non-reference schema; unknown or looping refs give {}."""
        from middlebrick.spec.refs import follow  # local: refs imports this module's types

        return follow(self.documents, schema, max_hops=max_hops)

    def operation(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method.upper() and op.path == path:
                return op
        return None
