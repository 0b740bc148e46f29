"""Client input reaching DynamoDB's query languages and table names."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from middlebrick.code.context import ModuleContext
from middlebrick.code.flow import Taint, direct_request, level, lookup, reachable
from middlebrick.code.rule import Issue, code_rule, issue
from middlebrick.code.scope import Scope
from middlebrick.code.strings import parts
from middlebrick.code.syntax import argument, dict_items, keyword, method, short, sites, text
from middlebrick.models import Category, Confidence, Severity

EXPRESSIONS = frozenset({"KeyConditionExpression", "FilterExpression", "ConditionExpression",
                         "ProjectionExpression", "UpdateExpression"})
_PARTIQL = re.compile(r"\b(select|insert\s+into|update|delete\s+from|exists)\b", re.I)


@dataclass(frozen=True, slots=True)
class _Verdict:
    level: Taint
    culprit: ast.expr
    built: bool  # by formatting or concatenation, rather than taken whole


@code_rule(
    "code.dynamodb-expression-injection",
    category=Category.INJECTION,
    severity=Severity.HIGH,
    cwe=943,
    remediation="""Keep expression strings constant and pass every value as a placeholder:
    `KeyConditionExpression="owner_id = :owner AND created_at >= :since"` with
    `ExpressionAttributeValues={":owner": ..., ":since": ...}`, attribute names the client may
    choose through `ExpressionAttributeNames={"#f": field}` after `if field not in
    ALLOWED_FIELDS: abort(400)`, or build conditions with `boto3.dynamodb.conditions`:
    `Key("owner_id").eq(uid) & Attr(field).eq(value)`.""",
)
def dynamodb_expression_injection(ctx: ModuleContext) -> Iterator[Issue]:
    """A DynamoDB condition, filter, projection or update expression is built from a variable

    DynamoDB parses these strings as a small language. A value formatted into one can add
    `OR`-clauses that widen a filter, name other attributes in a projection, or rewrite an
    update (`SET role = :v`). Only `:value` and `#name` placeholders are safe to vary.
    """
    for scope, name, where, value in sites(ctx, EXPRESSIONS):
        verdict = _verdict(ctx, value, scope, placeholders=True)
        if verdict is not None:
            yield _report(ctx, scope, where, f"`{name}`", verdict)


@code_rule(
    "code.dynamodb-partiql-injection",
    category=Category.INJECTION,
    severity=Severity.HIGH,
    cwe=943,
    remediation="""Keep the statement constant and pass values as parameters:
    `client.execute_statement(Statement='SELECT * FROM "orders" WHERE "owner_id" = ?',
    Parameters=[{"S": owner_id}])`. A table name the code must vary comes from configuration or
    an allow-list mapping, never from the request.""",
)
def dynamodb_partiql_injection(ctx: ModuleContext) -> Iterator[Issue]:
    """A DynamoDB PartiQL statement is built from a variable

    `ExecuteStatement` runs whatever PartiQL it is given. A value formatted into the statement
    can close its quotes and add conditions (`' OR '1'='1`), reading every item of the table
    instead of one; with `batch_execute_statement` or `execute_transaction` it can also write.
    """
    for scope, call in ctx.nodes(ast.Call):
        statement = keyword(call, "Statement")
        if method(call) == "execute_statement" and statement is not None:
            parameters = keyword(call, "Parameters") is not None
            yield from _statement(ctx, scope, statement, statement.value, parameters)
    for scope, node in ctx.nodes(ast.Dict):
        entries = {k: (key, v) for k, key, v in dict_items(node)}
        if "Statement" in entries and _looks_partiql(ctx, entries["Statement"][1], scope):
            key, value = entries["Statement"]
            yield from _statement(ctx, scope, key, value, "Parameters" in entries)


@code_rule(
    "code.dynamodb-table-from-request",
    category=Category.INJECTION,
    severity=Severity.HIGH,
    cwe=943,
    remediation="""Never let the request name a table. Map the few choices a client has to
    table names in code: `TABLES = {"products": os.environ["PRODUCTS_TABLE"]}`, then
    `table = TABLES.get(name)` and `abort(404)` when it is missing; and give the service's IAM
    role access to its own tables only.""",
)
def dynamodb_table_from_request(ctx: ModuleContext) -> Iterator[Issue]:
    """A DynamoDB table name comes from the request without an allow-list check

    The caller then chooses which table the query reads: the users table with its password
    hashes, another tenant's table, an internal one. DynamoDB only refuses tables the
    service's IAM role cannot reach, and that role usually reaches all of them.
    """
    for scope, _, where, value in sites(ctx, frozenset({"TableName"})):
        yield from _table_name(ctx, scope, where, value)
    for scope, call in ctx.nodes(ast.Call):
        name = argument(call, 0, "name") if method(call) == "Table" else None
        if name is not None:
            yield from _table_name(ctx, scope, call, name)
        items = argument(call, None, "RequestItems")
        for key in items.keys if isinstance(items, ast.Dict) else []:
            if key is not None:
                yield from _table_name(ctx, scope, key, key)


def _table_name(ctx: ModuleContext, scope: Scope, where: ast.AST, value: ast.expr
                ) -> Iterator[Issue]:
    # Through a function of the code's own (`table_for(kind)`), the name may well be mapped.
    if level(ctx, value, scope) is Taint.REQUEST and direct_request(ctx, value, scope):
        yield issue(where, scope, f"The table name `{short(value)}` comes from "
                    f"{origin(ctx, value, scope)}, and the function never checks it against "
                    "an allow-list.")


def _statement(ctx: ModuleContext, scope: Scope, where: ast.AST, value: ast.expr,
               parameters: bool) -> Iterator[Issue]:
    verdict = _verdict(ctx, value, scope, placeholders=False)
    # With Parameters, values are bound: only the client's text in the statement is a hole.
    if verdict is not None and (not parameters or verdict.level is Taint.REQUEST):
        yield _report(ctx, scope, where, "The PartiQL statement", verdict)


def _verdict(ctx: ModuleContext, value: ast.expr, scope: Scope, *, placeholders: bool
             ) -> _Verdict | None:
    pieces = parts(ctx, value, scope)
    if pieces is None:
        # Taken whole: only the client's own text counts, not a helper's result from it.
        if level(ctx, value, scope) is Taint.REQUEST and direct_request(ctx, value, scope):
            return _Verdict(Taint.REQUEST, value, built=False)
        return None
    ranked = [(_part_level(ctx, p.expr, p.scope), p.expr) for p in pieces
              if not (placeholders and p.placeholder)]
    worst = max(ranked, key=lambda r: r[0], default=None)
    if worst is None or worst[0] < Taint.DATA:
        return None
    return _Verdict(worst[0], worst[1], built=True)


def _part_level(ctx: ModuleContext, expr: ast.expr, scope: Scope) -> Taint:
    found = level(ctx, expr, scope)
    if found is Taint.REQUEST and direct_request(ctx, expr, scope) is None:
        return Taint.DATA  # the client's data, through a function that may check it
    return found


def _report(ctx: ModuleContext, scope: Scope, where: ast.AST, what: str, verdict: _Verdict
            ) -> Issue:
    if verdict.level is Taint.REQUEST:
        source = origin(ctx, verdict.culprit, scope)
        severity, confidence = Severity.HIGH, Confidence.FIRM
    else:
        source = "a value the code does not fix (a parameter or a computed value)"
        severity, confidence = Severity.MEDIUM, Confidence.TENTATIVE
    how = "is built by string formatting from" if verdict.built else "is taken whole from"
    return issue(where, scope, f"{what} {how} `{short(verdict.culprit)}`, which comes from "
                 f"{source}.", severity=severity, confidence=confidence)


def origin(ctx: ModuleContext, expr: ast.expr, scope: Scope) -> str:
    """Where the client's part of `expr` enters: "`request.args.get('q')`", "the route
    variable `table`"."""
    found = direct_request(ctx, expr, scope)
    if isinstance(found, ast.Name):
        owner = lookup(found.id, scope)
        if owner is not None and found.id in owner.url_params:
            return f"the route variable `{found.id}`"
        return f"the view argument `{found.id}` (filled from the URL or the request)"
    return f"the request (`{short(found)}`)" if found is not None else "the request"


def _looks_partiql(ctx: ModuleContext, value: ast.expr, scope: Scope) -> bool:
    words = " ".join(t for n in reachable(ctx, value, scope, lambda n: False)
                     if (t := text(n)) is not None)
    return bool(_PARTIQL.search(words))
