"""Raw DynamoDB and botocore errors in responses: what every unhandled `ClientError` tells.

botocore's `str(ClientError)` ("An error occurred (ValidationException) when calling the Query
operation: ...") names the operation, the failing expression or key, often the table, and in
access errors the role and account. Besides what exploration saw, the check sends the inputs
DynamoDB itself refuses: empty key values, keys over 2048 bytes, arrays where strings belong,
floats where the resource API wants Decimal, and quotes that break string-built statements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from middlebrick.checks._dynamodb import (
    Signature,
    error_text,
    errorish,
    find,
    redact_accounts,
    sdk_errors,
    table_names,
)
from middlebrick.checks._dynamodb_probe import Point, Prober
from middlebrick.checks.base import CheckContext, check
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.model import Operation

_REQUESTS = 32
_PER_OPERATION = 3
_LONG_KEY = "k" * 2050  # DynamoDB: partition key values must be under 2048 bytes
_ODD = "mb'\"\\"  # quotes and a backslash: what string-built expressions and statements choke on
_CERTAIN = frozenset(
    {
        "botocore-client-error",
        "param-validation",
        "botocore-module",
        "boto3-serializer",
        "service-type",
    }
)


@check(
    "dynamodb.raw-sdk-error",
    category=Category.MISCONFIGURATION,
    severity=Severity.MEDIUM,
    confidence=Confidence.CERTAIN,
    cwe=209,
    remediation=(
        "Catch SDK errors at one place and answer generically: `@app.errorhandler(ClientError)` "
        "(and `BotoCoreError`, `ParamValidationError`) that logs `exc.response['Error']` with "
        "`app.logger.exception(...)` and returns `jsonify(error='internal error'), 500` (or a "
        "400 for `ValidationException` caused by input you then validate up front). Never "
        "return `str(exc)`, `exc.response` or a traceback; validate ids (non-empty, at most "
        "1024 characters, the right type) before calling DynamoDB, and pass numbers to the "
        "resource API as `Decimal`."
    ),
)
async def raw_sdk_error(ctx: CheckContext) -> list[Finding]:
    """Raw DynamoDB/botocore error returned to the client

    Responses carry botocore's error text (exception code, operation, DynamoDB's message, table
    names, ARNs with the AWS account id, endpoint URLs): a map of the data layer for an attacker
    and a guide for crafting table-name, expression and PartiQL injections.
    """
    seen = list(ctx.exchanges) + await _provoke(ctx)
    by_place: dict[str, list[tuple[Exchange, list[Signature]]]] = {}
    for x in seen:
        if not x.status or not errorish(x):
            continue
        found = find(error_text(x))
        if found:
            place = x.operation.key if x.operation is not None else f"{x.method} {x.path}"
            by_place.setdefault(place, []).append((x, found))
    return [_finding(ctx, hits) for hits in by_place.values()]


def _finding(ctx: CheckContext, hits: list[tuple[Exchange, list[Signature]]]) -> Finding:
    # The most telling reply: botocore's own message first, then the most signatures.
    def weight(hit: tuple[Exchange, list[Signature]]) -> tuple[int, int]:
        return (len({s.name for s in hit[1]} & _CERTAIN), len(hit[1]))

    exchange, signatures = max(hits, key=weight)
    text = error_text(exchange)
    certain = any(s.name in _CERTAIN for s in signatures)
    said = dict.fromkeys(f"{e.code} from the {e.operation} operation" for e in sdk_errors(text))
    parts = list(said)[:2]
    if not parts:
        parts = [", ".join(sorted({s.name for s in signatures}))]
    tables = table_names(text)
    if tables:
        parts.append("table " + ", ".join(tables[:3]))
    if any(s.name == "table-arn" for s in signatures):
        parts.append("a table ARN with the AWS account id")
    if any(s.name == "endpoint" for s in signatures):
        parts.append("endpoint or credential details")
    return ctx.finding(
        exchange=redact_accounts(exchange),
        discriminator=exchange.operation.key if exchange.operation else exchange.path,
        confidence=Confidence.CERTAIN if certain else Confidence.FIRM,
        note=f"{exchange.status} reply quoting the SDK error: " + "; ".join(parts),
    )


async def _provoke(ctx: CheckContext) -> list[Exchange]:
    """Per operation, at most a few inputs DynamoDB or botocore refuse."""
    prober = Prober(ctx, limit=_REQUESTS, per_operation=_PER_OPERATION, lean_fallback=False)
    points = prober.points(priority=lambda p: 0 if p.location == "query" else 1)
    sent: list[Exchange] = []
    if ctx.spec is None:
        for point in points[:8]:
            reply = await prober.send(point, "" if point.location == "query" else _LONG_KEY)
            sent += [reply.exchange] if reply is not None else []
        return sent
    for op in ctx.operations:
        for overrides in _variants(prober, op, [p for p in points if p.op is op]):
            reply = await prober.send_op(op, overrides)
            if reply is not None:
                sent.append(reply.exchange)
    return sent


def _variants(prober: Prober, op: Operation, points: list[Point]) -> list[dict[str, Any]]:
    if op.method == "GET":
        queries = [p.name for p in points if p.location == "query"]
        out = [{name: value} for name in queries[:1] for value in ("", _ODD)]
        out[1:1] = [{p.name: _LONG_KEY} for p in points if p.location == "path"][-1:]
        return out + [{name: ""} for name in queries[1:2]]
    body = prober.plan(op).json
    if op.method not in ("POST", "PUT", "PATCH") or not isinstance(body, Mapping):
        return []
    # Empty keys and floats first (DynamoDB and boto3 refuse both), then arrays for strings.
    return [
        {k: _empty(v) for k, v in body.items()},
        {k: ["mb"] if isinstance(v, str) else v for k, v in body.items()},
    ]


def _empty(value: Any) -> Any:
    if isinstance(value, str):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return 1.5
    return value
