"""Who may call what: security schemes, unsecured operations, object ids open to anyone."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from middlebrick.audit.document import AuditDocument, OpView
from middlebrick.audit.rule import Issue, rule
from middlebrick.models import Severity

_TEMPLATE = re.compile(r"\{([^{}/]+)\}")


def requirements(doc: AuditDocument, op: OpView) -> list[Mapping[str, Any]]:
    """The operation's effective security requirements (its own, else the document's)."""
    raw = op.node.mapping()["security"] if op.declares_security() else doc.root.mapping().get(
        "security"
    )
    return [r for r in raw if isinstance(r, Mapping)] if isinstance(raw, list) else []


def secured(doc: AuditDocument, op: OpView) -> bool:
    """Credentials required: some requirement, and no empty one (`{}` means anonymous is fine)."""
    found = requirements(doc, op)
    return bool(found) and all(found)


def declared_public(doc: AuditDocument, op: OpView) -> bool:
    """The operation itself says anonymous callers are fine (`security: []` or a `{}`)."""
    return op.declares_security() and not secured(doc, op)


def object_id_params(doc: AuditDocument, op: OpView) -> list[str]:
    """Path parameters that name an object (an `enum` picks among fixed resources instead)."""
    names = []
    declared = {p.mapping().get("name"): p for p in op.parameters
                if p.mapping().get("in") == "path"}
    for name in _TEMPLATE.findall(op.path):
        param = declared.get(name)
        schema = param.mapping() if param is not None and doc.v2 else (
            doc.deref(param.child("schema")).mapping() if param is not None else {}
        )
        if "enum" not in schema and "const" not in schema:
            names.append(name)
    return names


def _anonymous(doc: AuditDocument) -> Iterator[tuple[OpView, bool]]:
    """Operations anyone may call, each with whether the document says so on purpose."""
    for op in doc.operations:
        if not secured(doc, op):
            yield op, declared_public(doc, op)


@rule(
    "spec.no-security-schemes",
    severity=Severity.MEDIUM,
    cwe=306,
    owasp="API2:2023",
    remediation=(
        "Fix the document (and the code, if the API really has no authentication): declare how "
        "clients authenticate under `components.securitySchemes` (OpenAPI 3) or "
        "`securityDefinitions` (2.0), such as `bearerAuth: {type: http, scheme: bearer}`, require "
        "it for the whole API with a root `security: [{bearerAuth: []}]`, and enforce it in "
        "Flask with a `before_request` hook or a decorator on every view."
    ),
)
def no_security_schemes(doc: AuditDocument) -> Iterator[Issue]:
    """The document declares no security scheme at all

    Without a security scheme the document says every operation is open to anonymous callers,
    so either the API has no authentication or clients and tools cannot know how to use it.
    """
    if doc.operations and not doc.security_schemes().mapping():
        where = "securityDefinitions" if doc.v2 else "components.securitySchemes"
        yield Issue(
            node=doc.security_schemes(),
            description=(
                f"The document has {len(doc.operations)} operations and no {where}: nothing "
                "says how a caller authenticates, so every operation is documented as open to "
                "anyone."
            ),
        )


@rule(
    "spec.unsecured-operation",
    severity=Severity.MEDIUM,
    cwe=306,
    owasp="API2:2023",
    remediation=(
        "If the operation needs credentials, add `security: [{bearerAuth: []}]` (your scheme's "
        "name) to it or to the document root, and make the Flask view enforce it (a "
        "login-required decorator or a `before_request` check). If it is public on purpose, "
        "say so with an explicit `security: []` on the operation."
    ),
)
def unsecured_operation(doc: AuditDocument) -> Iterator[Issue]:
    """An operation has no security requirement although the API defines security schemes

    The document defines how to authenticate but does not require it here, and nothing says
    the operation is public on purpose. Operations that take an object id are reported by
    `spec.unsecured-object-id` instead.
    """
    if not doc.security_schemes().mapping():
        return  # spec.no-security-schemes covers the whole document
    for op, on_purpose in _anonymous(doc):
        if object_id_params(doc, op) or (on_purpose and not op.writes):
            continue
        if on_purpose:
            yield Issue(
                node=op.node, op=op, severity=Severity.INFO,
                title="A write operation is declared public",
                description=(
                    f"{op.key} changes data and declares `security: []`: anyone may call it. "
                    "Confirm that is intended (sign-up, login and contact forms usually are)."
                ),
            )  # fmt: skip
            continue
        yield Issue(
            node=op.node, op=op, severity=Severity.HIGH if op.writes else Severity.MEDIUM,
            description=(
                f"{op.key} has no `security` of its own and the document requires none by "
                "default, although it defines security schemes: the operation is documented as "
                "callable without credentials"
                + (", and it changes data." if op.writes else ".")
            ),
        )  # fmt: skip


@rule(
    "spec.unsecured-object-id",
    severity=Severity.HIGH,
    cwe=639,
    owasp="API1:2023",
    remediation=(
        "Require authentication on operations that take object ids: add `security: "
        "[{bearerAuth: []}]` to the operation, and in the Flask view load the object with the "
        "caller's identity in the DynamoDB key (or compare its owner) before returning or "
        "changing it. Only objects meant for everyone (a public catalogue) should stay open, "
        "declared with an explicit `security: []`."
    ),
)
def unsecured_object_id(doc: AuditDocument) -> Iterator[Issue]:
    """Object ids are reachable without authentication

    An operation addressing an object by an id in its path requires no credentials, so anyone
    who learns or guesses an id can read (or change) that object.
    """
    for op, on_purpose in _anonymous(doc):
        ids = object_id_params(doc, op)
        if not ids:
            continue
        shown = ", ".join(f"`{name}`" for name in ids)
        if on_purpose:
            severity = Severity.MEDIUM if op.writes else Severity.INFO
            why = "declares `security: []`, so it is public on purpose"
        else:
            severity = Severity.HIGH if op.writes else Severity.MEDIUM
            why = "requires no credentials and does not say it is public on purpose"
        action = "changes the object" if op.writes else "returns the object"
        yield Issue(
            node=op.node, op=op, severity=severity,
            description=f"{op.key} takes the object id {shown} in its path, {action}, and {why}.",
        )  # fmt: skip
