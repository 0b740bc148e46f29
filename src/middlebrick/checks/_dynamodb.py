"""What DynamoDB, botocore and boto3 say when something goes wrong, and how to spot it in a reply.

Wordings come from three servers that disagree: Amazon DynamoDB ("Requested resource not found:
Table: x not found"), DynamoDB Local ("Cannot do operations on a non-existent table") and moto
("Bad Filter Expression: ..."); and from botocore/boto3 on the client side ("An error occurred
(Code) when calling the Op operation: ...", "Parameter validation failed:"). A target may quote
them raw, JSON-escaped, HTML-escaped, or inside its own envelope, so text is flattened first.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from middlebrick.http.exchange import Exchange

__all__ = [
    "RESOURCE_NOT_FOUND",
    "Signature",
    "SdkError",
    "error_text",
    "errorish",
    "find",
    "kinds",
    "mask_account_ids",
    "records",
    "redact_accounts",
    "sdk_errors",
    "shape",
    "similar_shapes",
    "table_names",
]


@dataclass(frozen=True, slots=True)
class Signature:
    """One recognisable error wording; `strong` ones name DynamoDB or botocore unambiguously."""

    name: str
    kind: str  # "sdk", "table", "expression", "partiql", "value", "class"
    pattern: re.Pattern[str]
    strong: bool = True


def _sig(name: str, kind: str, regex: str, *, strong: bool = True) -> Signature:
    return Signature(name, kind, re.compile(regex), strong)


_NAME = r"[A-Za-z0-9_.-]{1,255}"
SIGNATURES: tuple[Signature, ...] = (
    # botocore and boto3, on the client side
    _sig("botocore-client-error", "sdk",
         r"An error occurred \([A-Za-z0-9_.#]+\) when calling the \w+ operation"),
    _sig("param-validation", "sdk",
         r"Parameter validation failed|Invalid type for parameter [\w.\[\]]+, value|"
         r"Invalid length for parameter [\w.\[\]]+|Missing required parameter in [\w.\[\]]+|"
         r"Unknown parameter in [\w.\[\]]+"),
    _sig("botocore-module", "sdk", r"\b(?:botocore|boto3)\.(?:exceptions|errorfactory)\.\w+"),
    _sig("service-type", "sdk", r"com\.amazon(?:aws\.dynamodb\.v20120810|\.coral\.\w+)#\w+"),
    _sig("boto3-serializer", "sdk",
         r"Float types are not supported\. Use Decimal types instead|"
         r"Infinity and NaN not supported|Unsupported type \"<class '[\w.]+'>\" for value"),
    _sig("endpoint", "sdk",
         r"(?:Could not connect to the|Connect timeout on|Read timeout on) endpoint URL|"
         r"\bdynamodb(?:-fips)?\.[a-z]{2}(?:-[a-z]+)+-\d\.amazonaws\.com|"
         r"Unable to locate credentials|is not authorized to perform: dynamodb:|"
         r"The security token included in the request is invalid"),
    _sig("table-arn", "sdk", r"arn:aws[\w-]*:dynamodb:[a-z0-9-]*:\d{12}:table/"),
    # the table does not exist, or its name is not a table name
    _sig("table-not-found", "table",
         rf"Requested resource not found(?:: Table: {_NAME} not found)?|"
         r"Cannot do operations on a non-existent table|"
         rf"\bTable: {_NAME} not found"),
    _sig("table-name-invalid", "table",
         r"Invalid table/index name|at 'tableName' failed to satisfy constraint|"
         r"Invalid length for parameter TableName"),
    # condition, filter, key condition, projection and update expressions
    _sig("expression-invalid", "expression",
         r"Invalid (?:KeyCondition|Filter|Condition|Projection|Update)Expression|"
         r"Syntax error; token: |Bad Filter Expression|"
         r"Invalid condition in KeyConditionExpression|Invalid operator used in "
         r"KeyConditionExpression|KeyConditionExpressions must only contain one condition"),
    _sig("expression-placeholder", "expression",
         r"Value provided in ExpressionAttribute(?:Values|Names) unused in expressions|"
         r"An expression attribute (?:value|name) used in (?:expression|the document path) "
         r"is not defined"),
    _sig("expression-semantics", "expression",
         r"Attribute name is a reserved keyword|Query condition missed key schema element|"
         r"Query key condition not supported|Invalid function name; function:|"
         r"The expression can not be empty|Incorrect operand type for operator or function|"
         r"ProjectionExpression: Attribute name"),
    # PartiQL statements (ExecuteStatement)
    _sig("partiql-statement", "partiql",
         r"Statement wasn't well formed|The arguments to AND/OR must be Expressions|"
         r"Expected data manipulation|Where clause does not contain a mandatory equality|"
         r"EXISTS can only be used in ExecuteTransaction"),
    # a failed ExecuteStatement call whose message says nothing about the statement (moto)
    _sig("partiql-call", "partiql-call",
         r"when calling the (?:Batch)?ExecuteStatement operation"),
    # item and key values the service refused
    _sig("key-value", "value",
         r"cannot contain an empty string value|One or more parameter values (?:are|were) "
         r"(?:not valid|invalid)|Hash primary key values must be under|Type mismatch for key|"
         r"The provided key element does not match the schema|A value provided cannot be "
         r"converted into a number|The number of conditions on the keys is invalid|"
         r"Item size has exceeded the maximum allowed size|Supplied AttributeValue is empty|"
         r"The conditional request failed|Transaction cancelled, please refer|"
         r"The level of configured provisioned throughput for the table was exceeded"),
    # exception class names: DynamoDB's own are telling; generic ones need company
    _sig("dynamodb-exception", "class",
         r"\b(?:ConditionalCheckFailed|ProvisionedThroughputExceeded|TransactionCanceled|"
         r"ItemCollectionSizeLimitExceeded|TransactionConflict|IdempotentParameterMismatch)"
         r"Exception\b|\b(?:ParamValidationError|NoCredentialsError|EndpointConnectionError|"
         r"UnrecognizedClientException)\b"),
    _sig("generic-exception", "class",
         r"\b(?:ResourceNotFound|Validation|Throttling|AccessDenied|ResourceInUse|"
         r"RequestLimitExceeded)Exception\b|\bClientError\b", strong=False),
)  # fmt: skip
# What makes a generic class name ("ValidationException") about DynamoDB and not the app's own.
_DYNAMO_CONTEXT = re.compile(
    r"dynamodb|\bTableName\b|ExpressionAttribute|KeyCondition|AttributeValue|botocore|boto3|"
    r"when calling the \w+ operation",
    re.IGNORECASE,
)
# DynamoDB's code for a missing table; GetItem on a missing item answers no error at all.
RESOURCE_NOT_FOUND = re.compile(r"\bResourceNotFound(?:Exception)?\b")
_SDK_MESSAGE = re.compile(
    r"An error occurred \((?P<code>[A-Za-z0-9_.#]+)\) when calling the (?P<op>\w+) operation"
    r"(?: \(reached max retries: \d+\))?: ?(?P<message>[^\n\"]{0,300})"
)
_ARN = re.compile(r"arn:aws[\w-]*:dynamodb:(?P<region>[a-z0-9-]*):(?P<account>\d{12}):table/"
                  r"(?P<table>[A-Za-z0-9_.-]{3,255})")  # fmt: skip
_TABLE_MENTION = re.compile(r"\bTable:\s*(?P<table>[A-Za-z0-9_.-]{3,255})")
_ACCOUNT_IN_ARN = re.compile(r"(arn:aws[\w-]*:[a-z0-9-]+:[a-z0-9-]*:)(\d{4})(\d{8})")


@dataclass(frozen=True, slots=True)
class SdkError:
    """A botocore ClientError message found in a reply."""

    code: str
    operation: str
    message: str


def error_text(exchange: Exchange) -> str:
    """The reply as plain text: JSON strings unescaped and joined, HTML entities decoded."""
    if not exchange.body:
        return ""
    data = exchange.json()
    if data is not None:
        return "\n".join(_strings(data, 0))
    text = html.unescape(exchange.text)
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\'", "'")


def _strings(node: Any, depth: int) -> Iterator[str]:
    if depth > 8:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for key, value in list(node.items())[:200]:
            yield str(key)
            yield from _strings(value, depth + 1)
    elif isinstance(node, list):
        for value in node[:200]:
            yield from _strings(value, depth + 1)
    elif node is not None:
        yield json.dumps(node)


def find(text: str, kinds: frozenset[str] | None = None) -> list[Signature]:
    """The signatures `text` carries (of the given kinds), weak class names only with context."""
    found = [s for s in SIGNATURES if (kinds is None or s.kind in kinds) and s.pattern.search(text)]
    if any(not s.strong for s in found) and not (
        any(s.strong for s in found) or _DYNAMO_CONTEXT.search(text)
    ):
        found = [s for s in found if s.strong]
    return found


def kinds(text: str) -> frozenset[str]:
    """The kinds of DynamoDB/botocore error text present."""
    return frozenset(s.kind for s in find(text))


def sdk_errors(text: str) -> list[SdkError]:
    """Every `An error occurred (Code) when calling the Op operation: msg` in the text."""
    return [
        SdkError(m.group("code"), m.group("op"), m.group("message").strip())
        for m in _SDK_MESSAGE.finditer(text)
    ]


def errorish(exchange: Exchange) -> bool:
    """Is this reply an error (status, or an error envelope inside a 2xx)?"""
    if exchange.status >= 400:
        return True
    data = exchange.json()
    if isinstance(data, Mapping):
        keys = {str(k).lower() for k in data}
        return bool(keys & {"error", "errors", "exception", "problem", "fault"}) or (
            data.get("ok") is False or data.get("success") is False
        )
    return False


def table_names(text: str) -> list[str]:
    """Table names a reply gives away: ARNs and `Table: name` mentions."""
    names = [m.group("table") for m in _ARN.finditer(text)]
    names += [m.group("table") for m in _TABLE_MENTION.finditer(text)]
    return list(dict.fromkeys(names))


def mask_account_ids(text: str) -> str:
    """Keep the first 4 digits of every account id in an ARN: enough to recognise, not to use."""
    return _ACCOUNT_IN_ARN.sub(lambda m: f"{m.group(1)}{m.group(2)}********", text)


def redact_accounts(exchange: Exchange) -> Exchange:
    """The exchange with account ids in ARNs partly masked (evidence.py does not know them)."""
    body = exchange.body.decode("utf-8", errors="replace")
    masked = mask_account_ids(body)
    if masked == body:
        return exchange
    return dataclasses.replace(exchange, body=masked.encode("utf-8"))


def records(data: Any) -> list[Mapping[str, Any]]:
    """The biggest list of objects in a JSON body (the items a listing returned)."""
    best: list[Mapping[str, Any]] = []
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > 5:
            continue
        if isinstance(node, list):
            objects = [x for x in node if isinstance(x, Mapping)]
            if len(objects) > len(best):
                best = objects
            stack.extend((x, depth + 1) for x in node[:50] if isinstance(x, Mapping | list))
        elif isinstance(node, Mapping):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, Mapping | list))
    return best


def shape(items: list[Mapping[str, Any]]) -> frozenset[str]:
    """The attribute names a list of items has (the first 20 items)."""
    return frozenset(str(k) for item in items[:20] for k in item)


def similar_shapes(a: frozenset[str], b: frozenset[str]) -> bool:
    """Do two item shapes look like the same table (at least half their names shared)?"""
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= 0.5
