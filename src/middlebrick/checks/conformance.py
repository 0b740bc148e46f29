"""Runtime conformance: does the service answer the way its OpenAPI document says?

Passive over what exploration saw (every operation requested once with a valid request), plus
one extra valid request per read operation whose optional query parameters exploration left
out, shared by the five checks. Each finding says whether the code or the document should
change: the document is a contract clients and gateways build on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from middlebrick.audit.declared import ResponseValidator, declared_response, is_json, media_matches
from middlebrick.audit.responses import auth_path
from middlebrick.audit.sensitive import Sensitivity, classify, mask_sensitive_fields
from middlebrick.checks.base import CheckContext, check
from middlebrick.errors import RequestNotSent
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.generate import plan_request
from middlebrick.spec.names import is_cursor

if TYPE_CHECKING:
    from middlebrick.http.client import ScanClient
    from middlebrick.spec.model import Operation

MAX_EXTRA = 12
# Gateways and overload, not the application: 502/503/504 say nothing about the input.
_INFRASTRUCTURE = frozenset({502, 503, 504})
_EXTRA: weakref.WeakKeyDictionary[ScanClient, asyncio.Task[list[Exchange]]] = (
    weakref.WeakKeyDictionary()
)
_SEVERITY = {
    Sensitivity.PASSWORD: Severity.HIGH,
    Sensitivity.SECRET: Severity.HIGH,
    Sensitivity.PERSONAL: Severity.HIGH,
    Sensitivity.TOKEN: Severity.MEDIUM,
    Sensitivity.INTERNAL: Severity.LOW,
}


async def _extra(ctx: CheckContext) -> list[Exchange]:
    """Each read operation once more, every optional query parameter filled (cursors aside)."""
    assert ctx.spec is not None
    sent_keys: dict[str, set[str]] = {}
    for x in ctx.exchanges:
        if x.operation is not None:
            keys = {k for k, _ in parse_qsl(urlsplit(x.url).query, keep_blank_values=True)}
            sent_keys.setdefault(x.operation.key, set()).update(keys)
    sent: list[Exchange] = []
    for op in ctx.operations:
        if len(sent) >= MAX_EXTRA:
            break
        if op.method != "GET" or op.key not in sent_keys:
            continue
        omit = {p.name for p in op.parameters if is_cursor(p.name)}
        plan = plan_request(ctx.spec, op, ctx.ids, include_optional=True, identity="a", omit=omit)
        if set(plan.query) <= sent_keys[op.key]:
            continue  # exploration already sent all of these
        try:
            sent.append(await ctx.send(plan))
        except RequestNotSent:
            break
    return sent


def redacted(x: Exchange) -> Exchange:
    """The exchange with values of sensitive-looking JSON fields masked (card numbers, SSNs and
    hashes that `evidence.py`'s patterns do not all know), for evidence."""
    body = x.json()
    if body is None:
        return x
    masked = mask_sensitive_fields(body)
    return x if masked == body else dataclasses.replace(x, body=json.dumps(masked).encode())


def _valid(x: Exchange, op: Operation) -> bool:
    # No body is generated for XML or binary media types: such a request proves nothing.
    body = op.request_body
    return not (body is not None and body.required and not x.request_body)


async def observed(ctx: CheckContext) -> list[tuple[Exchange, Operation]]:
    """Answered, valid exchanges of documented operations: exploration's and the extra ones."""
    if ctx.spec is None:
        return []
    task = _EXTRA.get(ctx.client)
    if task is None:
        task = _EXTRA[ctx.client] = asyncio.ensure_future(_extra(ctx))
    extra = await task
    return [
        (x, x.operation)
        for x in (*ctx.exchanges, *extra)
        if x.operation is not None and x.status and _valid(x, x.operation)
    ]


# Refusals every API gives, depending on who asks and what exists (the scan's identity, the
# ids it learned, a duplicate): left undeclared, they are a gap in the document, which
# spec.missing-error-responses already reports as info.
_ROUTINE_ERRORS = frozenset({400, 401, 403, 404, 409, 422})
_ROUTINE_NOTE = (
    " Such a refusal depends on the caller and the data, not on drift in the service: declare "
    "it in the document (info)."
)


@check(
    "conformance.undeclared-status",
    category=Category.MISCONFIGURATION,
    severity=Severity.LOW,
    confidence=Confidence.CERTAIN,
    cwe=1059,
    remediation=(
        "If the status is intended (404 for an unknown id, 409 on a duplicate), fix the "
        "document: declare it under the operation's `responses`, ideally as a shared "
        "`components/responses` entry. If not, fix the code: make the Flask view or an "
        "`@app.errorhandler` answer with one of the declared statuses."
    ),
)
async def undeclared_status(ctx: CheckContext) -> list[Finding]:
    """The service answers with a status its document does not declare

    The operation returned a status code that is neither declared nor covered by a range
    (`4XX`) or `default`, so clients generated from the document cannot handle it. Server
    errors and 429 (which depends on the scanner's own load) are left to other checks.
    """
    found: dict[tuple[str, int], Finding] = {}
    for x, op in await observed(ctx):
        if x.status >= 500 or x.status == 429 or declared_response(op, x.status) is not None:
            continue
        key = (op.key, x.status)
        if key not in found:
            declared = ", ".join(sorted(op.responses)) or "nothing"
            routine = x.status in _ROUTINE_ERRORS
            found[key] = ctx.finding(
                exchange=redacted(x), discriminator=str(x.status),
                title=f"Undeclared status {x.status} from {op.key}",
                description=f"{op.key} answered {x.status}, which its document does not "
                f"declare (declared: {declared})." + (_ROUTINE_NOTE if routine else ""),
                severity=Severity.INFO if routine else None,
            )  # fmt: skip
    return list(found.values())


@check(
    "conformance.content-type",
    category=Category.MISCONFIGURATION,
    severity=Severity.LOW,
    confidence=Confidence.CERTAIN,
    cwe=436,
    remediation=(
        "Fix the code when the body is really what the document says: return it with "
        "`jsonify(...)` (Flask sets `application/json`) or set `mimetype=` on the Response, "
        "and give error handlers the same media type. Fix the document when the service "
        "really answers in another type: list that media type under the response's `content`."
    ),
)
async def content_type(ctx: CheckContext) -> list[Finding]:
    """A response's Content-Type differs from the declared media types

    Clients pick a parser from the Content-Type; a body labelled differently from the
    document (HTML error pages for a JSON API, `text/plain` JSON) breaks them, and a JSON
    body served as `text/html` can be rendered by a browser.
    """
    found: dict[tuple[str, int], Finding] = {}
    for x, op in await observed(ctx):
        declared = declared_response(op, x.status)
        if declared is None or not declared.content_types or not x.body:
            continue
        if media_matches(x.content_type, declared.content_types):
            continue
        key = (op.key, x.status)
        if key not in found:
            actual = x.content_type or "no Content-Type"
            found[key] = ctx.finding(
                exchange=redacted(x), discriminator=str(x.status),
                description=f"{op.key} answered {x.status} with {actual}; the document "
                f"declares {', '.join(declared.content_types)}.",
            )  # fmt: skip
    return list(found.values())


def _json_bodies(
    ctx: CheckContext, pairs: list[tuple[Exchange, Operation]]
) -> Iterator[tuple[Exchange, Operation, object, dict[str, object]]]:
    """(exchange, operation, declared schema, parsed body) for JSON bodies with a schema."""
    for x, op in pairs:
        declared = declared_response(op, x.status)
        if declared is None or declared.schema is None or x.truncated:
            continue
        if not is_json(x.content_type) or not x.body:
            continue
        body = x.json()
        if body is not None or x.body.strip() == b"null":
            yield x, op, body, dict(declared.schema)


@check(
    "conformance.schema-violation",
    category=Category.MISCONFIGURATION,
    severity=Severity.LOW,
    cwe=1059,
    remediation=(
        "Decide which side is right. If the document describes the intended contract, fix the "
        "code: build the response from the declared fields with the declared types (DynamoDB "
        "numbers arrive as Decimal, absent attributes as missing keys: convert and default "
        "them). If the service is right, fix the response schema in the document."
    ),
)
async def schema_violation(ctx: CheckContext) -> list[Finding]:
    """A response body does not match its declared schema

    The JSON body breaks the response schema the document declares for its status (wrong
    types, missing required properties, values outside the declared enum or range), so
    clients generated from the document fail or misread it.
    """
    if ctx.spec is None:
        return []
    validator = ResponseValidator(ctx.spec)
    found: dict[tuple[str, int], Finding] = {}
    for x, op, body, schema in _json_bodies(ctx, await observed(ctx)):
        key = (op.key, x.status)
        if key in found:
            continue
        problems = validator.violations(schema, body)
        if problems:
            found[key] = ctx.finding(
                exchange=redacted(x), discriminator=str(x.status),
                description=f"The {x.status} body of {op.key} breaks its declared schema: "
                + "; ".join(problems) + ".",
            )  # fmt: skip
    return list(found.values())


@check(
    "conformance.server-error",
    category=Category.MISCONFIGURATION,
    severity=Severity.MEDIUM,
    cwe=755,
    remediation=(
        "Fix the code: the request was valid by the document, so the view must handle it. "
        "Find the exception in the server log (botocore `ClientError`, `KeyError` on a "
        "missing DynamoDB attribute, Decimal serialisation...), handle it, and register an "
        "`@app.errorhandler(Exception)` that logs and answers a generic JSON 500 meanwhile."
    ),
)
async def server_error(ctx: CheckContext) -> list[Finding]:
    """A schema-valid request makes the service fail with a 5xx

    The request was generated from the document (declared parameters and body, valid values,
    ids learned from the API's own answers), yet the service answered with a server error:
    an unhandled case in the code, often one an attacker can trigger at will.
    """
    found: dict[str, Finding] = {}
    for x, op in await observed(ctx):
        if x.status < 500 or x.status in _INFRASTRUCTURE or op.key in found:
            continue
        found[op.key] = ctx.finding(
            exchange=redacted(x), discriminator="5xx",
            title=f"Valid request to {op.key} answered {x.status}",
            description=f"{op.key} answered {x.status} to a request built from its document "
            "(every value valid for its declared schema).",
        )  # fmt: skip
    return list(found.values())


@check(
    "conformance.undeclared-field",
    category=Category.DATA_EXPOSURE,
    severity=Severity.INFO,
    cwe=213,
    remediation=(
        "If the field should not leave the service (password hashes, secrets, internal keys), "
        "fix the code: build the response from an allow-list of fields (a `to_public(item)` "
        "helper, or a DynamoDB `ProjectionExpression`) instead of returning the stored item. "
        "If it is meant to be public, fix the document: add it to the response schema."
    ),
)
async def undeclared_field(ctx: CheckContext) -> list[Finding]:
    """A response carries a field its document does not declare

    The body holds a property the declared schema does not list. A field with a sensitive
    name (password, hash, secret, token, key, SSN, internal) is probably a leak of the stored
    item; any other is an undocumented part of the contract (info).
    """
    if ctx.spec is None:
        return []
    validator = ResponseValidator(ctx.spec)
    found: dict[tuple[str, str], Finding] = {}
    for x, op, body, schema in _json_bodies(ctx, await observed(ctx)):
        for path in validator.undeclared(schema, body):
            if (op.key, path) in found:
                continue
            name = path.rsplit(".", 1)[-1].removesuffix("[]")
            kind = classify(name)
            if kind is Sensitivity.TOKEN and (op.method == "POST" or auth_path(op.path)):
                kind = None  # a sign-in or key creation hands out tokens
            severity = _SEVERITY[kind] if kind else Severity.INFO
            looks = f", which looks like {kind.value}" if kind else ""
            found[(op.key, path)] = ctx.finding(
                exchange=redacted(x), discriminator=path, severity=severity,
                confidence=Confidence.FIRM if kind else Confidence.CERTAIN,
                title=f"Undeclared response field `{path}`",
                description=f"The {x.status} body of {op.key} carries `{path}`{looks}; the "
                "declared response schema does not list it.",
            )  # fmt: skip
    return list(found.values())
