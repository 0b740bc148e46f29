"""Who the caller is, taken from a header the caller writes."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from middlebrick.code.context import ModuleContext
from middlebrick.code.flow import find, is_global
from middlebrick.code.rule import Issue, code_rule, issue
from middlebrick.code.scope import Scope
from middlebrick.code.syntax import method, request_header, short
from middlebrick.models import Category, Severity

IDENTITY_HEADER = re.compile(
    r"x-(?:(?:auth|authenticated|remote|current|end)-)?"
    r"(?:user|account|customer|owner|member|principal|uid|username|email)"
    r"(?:-?(?:id|name|email))?|remote-user",
    re.I,
)
DYNAMODB_OPERATIONS = frozenset({
    "get_item", "put_item", "update_item", "delete_item", "query", "scan", "batch_get_item",
    "batch_write_item", "transact_get_items", "transact_write_items", "execute_statement",
    "batch_execute_statement", "execute_transaction",
})
# Where a verified identity lives in Flask apps: comparing the header with one is a check.
_VERIFIED = ("flask.g", "flask.session", "flask_login.current_user", "flask_login.utils",
             "flask_jwt_extended.", "flask.request.authorization", "flask_httpauth")
_CONDITIONS = "boto3.dynamodb.conditions."
_DECIDING_OPS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


@code_rule(
    "code.client-identity-header",
    category=Category.AUTHENTICATION,
    severity=Severity.HIGH,
    cwe=290,
    remediation="""Take the caller's identity from the verified credential only: the signed
    session or token, checked in `@app.before_request` and kept in `g.user` (or
    `flask_login.current_user`, `get_jwt_identity()`). Ignore `X-User-ID`-style headers, or
    let a gateway that strips and re-sets them be the only way in.""",
)
def client_identity_header(ctx: ModuleContext) -> Iterator[Issue]:
    """The caller's identity is read from a request header the caller can set

    Any client can send `X-User-ID: someone-else`. Used as a DynamoDB key or compared with an
    item's owner, the header lets a caller read and change other users' data by naming them.
    """
    for scope, node in ctx.nodes(ast.Compare):
        if not any(isinstance(op, _DECIDING_OPS) for op in node.ops):
            continue
        operands = [node.left, *node.comparators]
        headers = [_identity(ctx, o, scope) for o in operands]
        others = [o for o, h in zip(operands, headers, strict=True) if h is None]
        header = next((h for h in headers if h is not None), None)
        if header is not None and not any(_verified(ctx, o, scope) for o in others):
            yield issue(node, scope, f"`{short(node)}` decides access by the `{header}` "
                        "request header.")
    for scope, assign in ctx.nodes(ast.Assign):
        # `g.user_id = request.headers["X-User-Id"]` in a hook: every view then trusts it.
        held = [t for t in assign.targets
                if is_global(ctx, _base(t), scope, ("flask.g", "flask.session"))]
        header = _identity(ctx, assign.value, scope) if held else None
        if header is not None:
            yield issue(assign, scope, f"`{short(held[0])}` is set from the `{header}` "
                        "request header.")
    for scope, call in ctx.nodes(ast.Call):
        if method(call) in DYNAMODB_OPERATIONS or _condition(ctx, call):
            for value in [*call.args, *(k.value for k in call.keywords)]:
                header = _identity(ctx, value, scope)
                if header is not None:
                    yield issue(call, scope, f"The DynamoDB request is keyed by the `{header}` "
                                "request header.")
                    break


def _identity(ctx: ModuleContext, expr: ast.expr, scope: Scope) -> str | None:
    found = find(ctx, expr, scope, lambda n: bool(IDENTITY_HEADER.fullmatch(
        (request_header(ctx, n, scope) or "").replace("_", "-"))))
    return request_header(ctx, found, scope) if found is not None else None


def _verified(ctx: ModuleContext, expr: ast.expr, scope: Scope) -> bool:
    return find(ctx, expr, scope, lambda n: isinstance(n, (ast.Name, ast.Attribute)) and (
        ctx.resolve(n) or "").startswith(_VERIFIED)) is not None


def _base(target: ast.expr) -> ast.expr:
    return target.value if isinstance(target, ast.Subscript) else target


def _condition(ctx: ModuleContext, call: ast.Call) -> bool:
    """`Key("owner_id").eq(x)`: a boto3 condition on a key or attribute."""
    func = call.func
    target = func.value if isinstance(func, ast.Attribute) else func
    while isinstance(target, ast.Call):
        if (ctx.resolve(target.func) or "").startswith(_CONDITIONS):
            return True
        target = target.func.value if isinstance(target.func, ast.Attribute) else target.func
    return (ctx.resolve(func) or "").startswith(_CONDITIONS)
