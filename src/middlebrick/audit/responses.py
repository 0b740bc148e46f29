"""What the document says comes back: secrets in response schemas, missing error responses."""

from __future__ import annotations

import re
from collections.abc import Iterator

from middlebrick.audit.document import AuditDocument, OpView
from middlebrick.audit.inputs import input_roots
from middlebrick.audit.rule import Issue, rule
from middlebrick.audit.schemas import Visit, top_properties, walk
from middlebrick.audit.security import secured
from middlebrick.audit.sensitive import Sensitivity, classify
from middlebrick.models import Severity

# Path segments (lower case, "-" and "_" removed) of sign-in and credential flows.
_AUTH_SEGMENTS = frozenset({
    "login", "logon", "signin", "session", "sessions", "token", "tokens", "oauth", "oauth2",
    "auth", "authenticate", "authentication", "authorize", "password", "passwords",
    "resetpassword", "passwordreset", "forgotpassword", "verify", "otp", "mfa", "2fa",
    "refresh", "apikey", "apikeys", "credentials", "keys",
})  # fmt: skip
_SEGMENT = re.compile(r"[-_.]")


def auth_path(path: str) -> bool:
    """Is this a sign-in, token or credential endpoint, judging by its path template?"""
    return any(_SEGMENT.sub("", s.lower()) in _AUTH_SEGMENTS for s in path.split("/"))


def takes_password(doc: AuditDocument, op: OpView) -> bool:
    """Does a parameter or top-level body property look like a password?"""
    for root, param, _ in input_roots(doc, op):
        names = [str(param.mapping().get("name"))] if param is not None else []
        names += list(top_properties(doc, root))
        if any(classify(name) is Sensitivity.PASSWORD for name in names):
            return True
    return False


def returns_token(doc: AuditDocument, op: OpView) -> bool:
    for status, schema in doc.response_schemas(op):
        if status.startswith("2") and any(
            classify(name) is Sensitivity.TOKEN for name in top_properties(doc, schema)
        ):
            return True
    return False


def credential_check(doc: AuditDocument, op: OpView) -> bool:
    """Does the operation verify a password (login, token grant, password reset)?"""
    return takes_password(doc, op) and (auth_path(op.path) or returns_token(doc, op))


def issues_credentials(doc: AuditDocument, op: OpView) -> bool:
    """May the operation legitimately return a token or secret (once, to its owner)?"""
    return op.method == "POST" or auth_path(op.path) or takes_password(doc, op)


@rule(
    "spec.sensitive-response-property",
    severity=Severity.HIGH,
    cwe=200,
    owasp="API3:2023",
    remediation=(
        "Fix the code, then the document: never return passwords, password hashes, secrets or "
        "card data. Build responses from an allow-list of fields (e.g. a `to_public(item)` "
        "helper) instead of returning the DynamoDB item, use a `ProjectionExpression`, and "
        "drop the property from the response schema (or mark input-only fields `writeOnly`)."
    ),
)
def sensitive_response_property(doc: AuditDocument) -> Iterator[Issue]:
    """A response schema declares a sensitive property

    The document says a response carries a password, hash, secret, token or regulated personal
    data (SSN, card number, CVV): every caller of the operation receives it.
    """
    reported: set[tuple[str, str]] = set()
    ops = [(op, issues_credentials(doc, op)) for op in doc.operations]
    # Two passes, each walking every schema once: operations with no reason to return
    # credentials first (every kind counts there), then the ones that hand tokens out.
    for issuing_pass in (False, True):
        visited: set[tuple[str, str]] = set()
        for op, issuing in ops:
            if issuing is not issuing_pass:
                continue
            for status, schema in doc.response_schemas(op):
                for visit in walk(doc, schema, "the response", skip="writeOnly", visited=visited):
                    kind = _kind(visit)
                    key = (visit.node.uri, visit.node.pointer)
                    if kind is None or key in reported:
                        continue
                    if issuing and kind in (Sensitivity.TOKEN, Sensitivity.SECRET):
                        continue  # a login or key creation hands out its token once
                    reported.add(key)
                    yield Issue(
                        node=visit.node, op=op,
                        severity=Severity.MEDIUM if kind is Sensitivity.TOKEN else Severity.HIGH,
                        description=f"The {visit.label} of {op.key} ({status}) declares `"
                        f"{visit.name}`, which looks like {kind.value}.",
                    )  # fmt: skip


def _kind(visit: Visit) -> Sensitivity | None:
    if visit.name is None:
        return None
    kind = classify(visit.name)
    if visit.node.mapping().get("format") == "password":
        kind = Sensitivity.PASSWORD
    return None if kind is Sensitivity.INTERNAL else kind


@rule(
    "spec.missing-error-responses",
    severity=Severity.LOW,
    cwe=1059,
    owasp="API8:2023",
    hygiene=True,
    remediation=(
        "Fix the document: declare the 401/403 answer on every secured operation and 429 "
        "(with a `Retry-After` header) on login and other rate-limited operations, through "
        "shared `components/responses` entries. If the Flask app has no rate limit there yet, "
        "add one (Flask-Limiter, or a counter in DynamoDB with a TTL) and document it."
    ),
)
def missing_error_responses(doc: AuditDocument) -> Iterator[Issue]:
    """An operation does not declare the error responses it must give

    Secured operations should declare what an unauthenticated caller gets (401/403), and
    sign-in or other public write operations the rate-limit answer (429); clients, gateways and
    scanners rely on those declarations.
    """
    for op in doc.operations:
        codes = {status.upper() for status, _ in op.node.child("responses").items()}
        covered = {c for c in ("401", "403", "429")
                   if c in codes or f"{c[0]}XX" in codes or "DEFAULT" in codes}
        missing: list[str] = []
        severity = Severity.INFO
        if secured(doc, op) and not covered & {"401", "403"}:
            missing.append("401/403 (no or bad credentials)")
            severity = Severity.LOW
        if "429" not in covered:
            if credential_check(doc, op):
                missing.append("429 (too many attempts: passwords can be guessed)")
                severity = Severity.LOW
            elif op.writes and not secured(doc, op):
                missing.append("429 (public write operation)")
        if missing:
            yield Issue(
                node=op.node.child("responses"), op=op, severity=severity,
                description=f"{op.key} declares no {' and no '.join(missing)} response.",
            )  # fmt: skip
