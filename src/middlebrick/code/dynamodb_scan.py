"""Request handlers that read a whole DynamoDB table."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from middlebrick.code.context import ModuleContext
from middlebrick.code.flow import find
from middlebrick.code.rule import Issue, code_rule, issue
from middlebrick.code.scope import FUNCTIONS, Scope
from middlebrick.code.syntax import argument, keyword, method, short, text
from middlebrick.models import Category, Confidence, Severity

# Keywords only DynamoDB's Scan takes: they tell `client.scan(...)` from any other `.scan()`.
SCAN_KEYWORDS = frozenset({
    "TableName", "FilterExpression", "ProjectionExpression", "ExpressionAttributeValues",
    "ExpressionAttributeNames", "IndexName", "Select", "ExclusiveStartKey", "ConsistentRead",
    "Segment", "TotalSegments", "ScanFilter", "AttributesToGet", "ReturnConsumedCapacity",
})
_PYNAMODB_MODEL = "pynamodb.models.Model"
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


@code_rule(
    "code.unbounded-scan",
    category=Category.RESOURCE_CONSUMPTION,
    severity=Severity.MEDIUM,
    confidence=Confidence.FIRM,
    cwe=770,
    remediation="""Serve one page per request: pass `Limit=` (a default of 20-50, capped
    server-side) and return `LastEvaluatedKey` as an opaque `next` cursor the client sends back
    as `ExclusiveStartKey`. Prefer a `query` on a key or index over a `scan`, and never follow
    `LastEvaluatedKey` to the end of the table inside a request.""",
)
def unbounded_scan(ctx: ModuleContext) -> Iterator[Issue]:
    """A request handler reads a whole DynamoDB table (Scan without a limit)

    A Scan without `Limit` reads up to 1 MB per call, and a loop following `LastEvaluatedKey`
    reads the entire table: every request then costs read capacity and time in proportion to
    the table's size. A few clients in a loop exhaust the table's capacity (throttling every
    other user) or the bill, and the answer carries every item, other users' included.
    """
    for scope, handler in _request_scopes(ctx).items():
        via = f" (called from `{handler.name}`)" if handler is not scope else ""
        returned = [n.value for n in scope.walk() if isinstance(n, ast.Return) and n.value]
        drained = {id(n) for loop in scope.walk() if isinstance(loop, ast.While)
                   and _drains(ctx, loop, scope) for n in ast.walk(loop)}
        for node in scope.walk():
            if id(node) in drained and not isinstance(node, ast.While):
                continue  # the loop is the finding
            if isinstance(node, ast.Call) and handler is scope and _is_scan(ctx, node, scope) \
                    and not _limited(node) and _returns(ctx, node, returned, scope):
                yield issue(node, scope, f"`{short(node)}` has no `Limit`, and its items are "
                            "returned to the client.", confidence=Confidence.TENTATIVE)
            elif isinstance(node, ast.While) and _drains(ctx, node, scope):
                yield issue(node, scope, "The loop follows `LastEvaluatedKey` until the table "
                            f"ends, inside a request{via}.")
            elif isinstance(node, ast.For) and _paginates_scan(ctx, node.iter, scope) \
                    and not _bounded(node):
                yield issue(node, scope, f"The loop reads every page of "
                            f"`{short(node.iter)}` inside a request{via}.")


def _request_scopes(ctx: ModuleContext) -> dict[Scope, Scope]:
    """Request handlers, and the module's functions they call (three calls deep), each with
    the handler it runs for."""
    found = {s: s for s in ctx.scopes if s.kind.handles_requests}
    by_name = {s.node.name: s for s in ctx.scopes if isinstance(s.node, FUNCTIONS)}
    frontier = list(found)
    for _ in range(3):
        reached: list[Scope] = []
        for caller in frontier:
            for node in caller.walk():
                callee = by_name.get(node.func.id) if isinstance(node, ast.Call) \
                    and isinstance(node.func, ast.Name) else None
                if callee is not None and callee not in found:
                    found[callee] = found[caller]
                    reached.append(callee)
        frontier = reached
    return found


def _is_scan(ctx: ModuleContext, call: ast.Call, scope: Scope) -> bool:
    if method(call) != "scan" or not isinstance(call.func, ast.Attribute):
        return False
    if any(k.arg is None for k in call.keywords):
        return False  # `**params`: what it holds is not known here
    if any(k.arg in SCAN_KEYWORDS for k in call.keywords):
        return True
    return _table_like(ctx, call.func.value, scope)


def _table_like(ctx: ModuleContext, receiver: ast.expr, scope: Scope) -> bool:
    """`orders_table`, `dynamodb.Table(...)`, a PynamoDB model class."""
    written = ctx.dotted(receiver) or ""
    if "table" in written.rpartition(".")[2].lower():
        return True
    if written in _pynamodb_models(ctx):
        return True
    return find(ctx, receiver, scope,
                lambda n: isinstance(n, ast.Call) and method(n) == "Table") is not None


def _pynamodb_models(ctx: ModuleContext) -> set[str]:
    return {s.name for s in ctx.scopes if isinstance(s.node, ast.ClassDef)
            and any(ctx.resolve(b) == _PYNAMODB_MODEL for b in s.node.bases)}


def _limited(call: ast.Call) -> bool:
    if keyword(call, "Limit") is not None or keyword(call, "limit") is not None:
        return True
    return text(argument(call, None, "Select")) == "COUNT"


def _returns(ctx: ModuleContext, call: ast.Call, returned: list[ast.expr], scope: Scope) -> bool:
    return any(find(ctx, value, scope, lambda n: n is call) is not None for value in returned)


def _drains(ctx: ModuleContext, loop: ast.While, scope: Scope) -> bool:
    """`while True:` / `while "LastEvaluatedKey" in page:` around a Scan, with no count cap."""
    inside = list(ast.walk(loop))
    scans = [n for n in inside if isinstance(n, ast.Call) and method(n) == "scan"]
    follows = any(text(n) == "LastEvaluatedKey" for n in inside) or any(
        keyword(s, "ExclusiveStartKey") is not None for s in scans)
    dynamo = any(keyword(s, "ExclusiveStartKey") is not None or _is_scan(ctx, s, scope)
                 or any(k.arg is None for k in s.keywords) for s in scans)
    return bool(scans) and follows and dynamo and not _bounded(loop)


def _bounded(loop: ast.While | ast.For) -> bool:
    """Does the loop stop at a count (`if len(items) >= 500: break`, `while n < 10`)?"""
    tests = [loop.test] if isinstance(loop, ast.While) else []
    tests += [n.test for n in ast.walk(loop) if isinstance(n, ast.If)
              and any(isinstance(s, (ast.Break, ast.Return)) for s in ast.walk(n))]
    return any(isinstance(c, ast.Compare) and any(isinstance(op, _ORDERING) for op in c.ops)
               for test in tests for c in ast.walk(test))


def _paginates_scan(ctx: ModuleContext, iterable: ast.expr, scope: Scope) -> bool:
    """`paginator.paginate(...)` of a `get_paginator("scan")`, with no MaxItems."""
    if not isinstance(iterable, ast.Call) or method(iterable) != "paginate":
        return False
    if keyword(iterable, "PaginationConfig") is not None:
        return False
    assert isinstance(iterable.func, ast.Attribute)
    return find(ctx, iterable.func.value, scope, lambda n: isinstance(n, ast.Call)
                and method(n) == "get_paginator" and bool(n.args)
                and text(n.args[0]) == "scan") is not None
