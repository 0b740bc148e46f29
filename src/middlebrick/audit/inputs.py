"""What clients may send: unbounded strings and arrays, request bodies open to any property."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from middlebrick.audit.document import AuditDocument, Node, OpView
from middlebrick.audit.rule import Issue, rule
from middlebrick.audit.schemas import types, walk
from middlebrick.models import Severity

# Formats whose values have a natural maximum length.
BOUNDED_FORMATS = frozenset({
    "date", "date-time", "time", "duration", "uuid", "email", "idn-email", "hostname",
    "idn-hostname", "ipv4", "ipv6", "int32", "int64", "uint32", "uint64",
})  # fmt: skip
_BOUNDS = ("maxLength", "pattern", "enum", "const")
# OpenAPI ignores these header parameters: media types and security schemes decide them.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


def input_roots(doc: AuditDocument, op: OpView) -> Iterator[tuple[Node, Node | None, str]]:
    """(schema, its parameter or None, label) for every parameter and request body."""
    for param in op.parameters:
        spec = param.mapping()
        where, name = spec.get("in"), spec.get("name")
        if where == "body" or (where == "header" and str(name).lower() in _IGNORED_HEADERS):
            continue
        label = f"{where} parameter `{name}`"
        if doc.v2:
            yield param, param, label
            continue
        schema = param.child("schema")
        if schema.value is None:  # `content` instead of `schema`
            schema = next((m.child("schema") for _, m in param.child("content").items()), schema)
        yield schema, param, label
    for schema in doc.body_schemas(op):
        yield schema, None, "the request body"


def _at(visit_node: Node, param: Node | None) -> Node:
    # A parameter's own inline schema is reported at the parameter, where a reader looks.
    if param is not None and visit_node.uri == param.uri and visit_node.pointer in (
        param.pointer, f"{param.pointer}/schema"
    ):
        return param
    return visit_node


Input = tuple[OpView, Node, str, Mapping[str, Any]]


def _inputs(doc: AuditDocument, wanted: str) -> Iterator[Input]:
    visited: set[tuple[str, str]] = set()
    for op in doc.operations:
        for root, param, label in input_roots(doc, op):
            for visit in walk(doc, root, label, skip="readOnly", visited=visited):
                schema = visit.node.mapping()
                if wanted in types(schema):
                    yield op, _at(visit.node, param), visit.label, schema


@rule(
    "spec.unbounded-string",
    severity=Severity.LOW,
    cwe=770,
    owasp="API4:2023",
    hygiene=True,
    remediation=(
        "Fix the document and the code together: give every string input a `maxLength` (or a "
        "`pattern`, `enum` or a bounded `format` such as `uuid` or `date`), and enforce the same "
        "limit in the Flask view before the value reaches DynamoDB (a partition key holds at "
        "most 2048 bytes, an item at most 400 KB)."
    ),
)
def unbounded_string(doc: AuditDocument) -> Iterator[Issue]:
    """A string input has no length bound

    A string parameter or request-body property without `maxLength`, `pattern`, `enum` or a
    bounded `format` accepts values of any size: oversized payloads, expensive validation and
    DynamoDB ValidationExceptions for keys and items over the service's limits.
    """
    for op, node, label, schema in _inputs(doc, "string"):
        if any(k in schema for k in _BOUNDS) or schema.get("format") in BOUNDED_FORMATS:
            continue
        if schema.get("format") == "binary" or "contentMediaType" in schema:
            continue  # a file upload: its size is not a string length
        yield Issue(
            node=node, op=op,
            description=f"The {label} ({op.key}) is a string with no maxLength, pattern, enum "
            "or bounded format, so any length is documented as acceptable.",
        )  # fmt: skip


@rule(
    "spec.unbounded-array",
    severity=Severity.LOW,
    cwe=770,
    owasp="API4:2023",
    hygiene=True,
    remediation=(
        "Fix the document and the code together: give every array input a `maxItems`, and "
        "refuse longer arrays in the Flask view before looping over them (a DynamoDB "
        "BatchGetItem takes at most 100 keys, a BatchWriteItem 25 requests)."
    ),
)
def unbounded_array(doc: AuditDocument) -> Iterator[Issue]:
    """An array input has no maxItems

    An array parameter or request-body property without `maxItems` invites requests with
    millions of elements, each of which the service may validate, store or look up.
    """
    for op, node, label, schema in _inputs(doc, "array"):
        if "maxItems" not in schema:
            yield Issue(
                node=node, op=op,
                description=f"The {label} ({op.key}) is an array with no maxItems.",
            )


@rule(
    "spec.open-request-body",
    severity=Severity.LOW,
    cwe=915,
    owasp="API3:2023",
    hygiene=True,
    remediation=(
        "Fix the document and the code together: close request-body objects with "
        "`additionalProperties: false` (3.1: `unevaluatedProperties: false` for compositions), "
        "and in the Flask view copy only the allowed fields into the DynamoDB item instead of "
        "passing `request.json` to `put_item`/`update_item`."
    ),
)
def open_request_body(doc: AuditDocument) -> Iterator[Issue]:
    """A write operation's request body accepts undeclared properties

    An object schema of a create/update body lists its properties but leaves
    `additionalProperties` absent or true, so the document allows any other field: the shape
    mass assignment needs (owner, role, price set by the client).
    """
    visited: set[tuple[str, str]] = set()
    for op in doc.operations:
        if not op.writes:
            continue
        for root in doc.body_schemas(op):
            for visit in walk(doc, root, "the request body", skip="readOnly", visited=visited):
                schema = visit.node.mapping()
                if visit.branch or not visit.node.child("properties").mapping():
                    continue
                if any(k in schema for k in ("allOf", "anyOf", "oneOf")):
                    continue  # 3.0 cannot close a composition; 3.1 closes it at the top
                extra = schema.get("additionalProperties")
                if extra is False or (isinstance(extra, Mapping) and extra):
                    continue
                if schema.get("unevaluatedProperties") is False:
                    continue
                state = "true" if extra is not None else "absent"
                yield Issue(
                    node=visit.node, op=op,
                    description=f"The object schema of {visit.label} ({op.key}) lists its "
                    f"properties but `additionalProperties` is {state}: any other field is "
                    "documented as accepted.",
                )  # fmt: skip
