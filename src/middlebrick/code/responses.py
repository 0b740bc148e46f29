"""Error details sent to the client: exception text, SDK error bodies, stack traces."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from middlebrick.code.context import ModuleContext
from middlebrick.code.flow import reachable
from middlebrick.code.rule import Issue, code_rule, issue
from middlebrick.code.scope import Kind, Scope
from middlebrick.code.syntax import short, text
from middlebrick.models import Category, Severity

RESPONSE_BUILDERS = frozenset({
    "flask.jsonify", "flask.json.jsonify", "flask.make_response", "flask.Response",
    "flask.wrappers.Response", "werkzeug.Response", "werkzeug.wrappers.Response", "flask.abort",
    "werkzeug.exceptions.abort", "flask_restful.abort", "flask_restx.abort", "flask_smorest.abort",
})
_TRACEBACK = frozenset({"traceback.format_exc", "traceback.format_exception",
                        "traceback.format_tb", "traceback.format_stack",
                        "traceback.format_exception_only", "traceback.extract_tb"})
_TEXT_OF = frozenset({"str", "repr", "format"})
_RAW_ATTRIBUTES = frozenset({"response", "args", "original_exception", "message", "msg",
                             "operation_name", "kwargs"})
_HARMLESS_KEYS = frozenset({"Code", "HTTPStatusCode"})
_SDK_EXCEPTIONS = ("botocore.", "boto3.", "pynamodb.exceptions.")
_BROAD = frozenset({"Exception", "BaseException", "ClientError", "BotoCoreError"})


@dataclass(frozen=True, slots=True)
class _Caught:
    """Lines where an exception is being handled, and the name it is bound to there."""

    name: str  # "" for `except X:`
    first: int
    last: int
    raw: bool  # an SDK error or a catch-all, whose text is not meant for clients


@code_rule(
    "code.raw-error-response",
    category=Category.MISCONFIGURATION,
    severity=Severity.MEDIUM,
    cwe=209,
    remediation="""Answer errors with a fixed message and log the details server-side:
    `except ClientError: app.logger.exception("orders query failed"); return jsonify(
    error="internal error"), 500`, or one `@app.errorhandler(Exception)` doing the same. Map the
    few SDK errors a client can cause to plain statuses (`ConditionalCheckFailedException` →
    409) by `exc.response["Error"]["Code"]`, never by echoing `str(exc)` or a traceback.""",
)
def raw_error_response(ctx: ModuleContext) -> Iterator[Issue]:
    """An exception's text, an SDK error body or a stack trace is sent to the client

    botocore's messages name the operation, the table, the key schema and what the expression
    parser choked on; a traceback adds file paths, source lines and library versions. Sent in
    a response they map the backend for an attacker and confirm which injected input reached
    DynamoDB.
    """
    for scope in ctx.scopes:
        caught = list(_caught(ctx, scope))
        if not caught:
            continue
        for where, value in _sinks(ctx, scope):
            leaks = [n for n in reachable(ctx, value, scope, _harmless)
                     if _leaks(ctx, n, caught)]
            if leaks:
                stack = any(_is_traceback(ctx, n) for n in leaks)
                yield issue(where, scope, f"The response carries `{short(leaks[0])}`"
                            f"{' (a stack trace)' if stack else ''}.",
                            severity=Severity.HIGH if stack else None)


def _caught(ctx: ModuleContext, scope: Scope) -> Iterator[_Caught]:
    for node in scope.walk():
        if isinstance(node, ast.ExceptHandler):
            yield _Caught(node.name or "", node.lineno, node.end_lineno or node.lineno,
                          node.type is None or _raw(ctx, node.type))
    if scope.kind is Kind.ERROR_HANDLER and scope.params:
        raw = not scope.error_types or any(_raw(ctx, t) for t in scope.error_types)
        node = scope.node
        yield _Caught(scope.params[0], getattr(node, "lineno", 0),
                      getattr(node, "end_lineno", None) or 10**9, raw)


def _raw(ctx: ModuleContext, expr: ast.expr | None) -> bool:
    """An exception type whose text is not meant for clients: SDK errors and catch-alls."""
    if isinstance(expr, ast.Tuple):
        return any(_raw(ctx, e) for e in expr.elts)
    written = ctx.dotted(expr) if expr is not None else None
    name = ctx.resolve(expr) if expr is not None else None
    if written is None or name is None:
        return False
    # `client.exceptions.ResourceNotFoundException`: boto3's modelled errors hang off a client.
    modelled = ".exceptions." in written and written.partition(".")[0] not in ctx.imports
    return name.rpartition(".")[2] in _BROAD or name.startswith(_SDK_EXCEPTIONS) or modelled


def _sinks(ctx: ModuleContext, scope: Scope) -> Iterator[tuple[ast.AST, ast.expr]]:
    """What goes to the client: a request handler's return values, response builders' and
    HTTP exceptions' arguments."""
    for node in scope.walk():
        if isinstance(node, ast.Return) and node.value is not None \
                and scope.kind.handles_requests:
            yield node, node.value
        elif isinstance(node, ast.Call):
            name = ctx.resolve(node.func) or ""
            http_error = name.startswith("werkzeug.exceptions.") and name[20:21].isupper()
            if name in RESPONSE_BUILDERS or http_error or name.endswith(".response_class"):
                yield node, ast.Tuple(elts=[*node.args, *(k.value for k in node.keywords)],
                                      ctx=ast.Load())


def _leaks(ctx: ModuleContext, node: ast.AST, caught: list[_Caught]) -> bool:
    line = getattr(node, "lineno", 0)
    if _is_traceback(ctx, node):
        return any(c.first <= line <= c.last for c in caught)

    def held(expr: ast.AST) -> bool:
        return isinstance(expr, ast.Name) and any(
            c.raw and c.name == expr.id and c.first <= line <= c.last for c in caught)

    if isinstance(node, ast.Call):
        name = ctx.resolve(node.func) or ""
        if name in _TEXT_OF or (isinstance(node.func, ast.Attribute)
                                and node.func.attr == "format"):
            return any(held(a) for a in node.args)
    if isinstance(node, ast.FormattedValue):
        return held(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        right = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return any(held(r) for r in right)
    if isinstance(node, ast.Attribute) and node.attr in _RAW_ATTRIBUTES:
        return held(node.value)
    return False


def _is_traceback(ctx: ModuleContext, node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (ctx.resolve(node.func) or "") in _TRACEBACK


def _harmless(node: ast.AST) -> bool:
    """`exc.response["Error"]["Code"]`, `type(exc).__name__`: safe to say, not followed."""
    if isinstance(node, ast.Subscript):
        return text(node.slice) in _HARMLESS_KEYS
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "get" and node.args:
        return text(node.args[0]) in _HARMLESS_KEYS
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in ("type", "isinstance", "len", "bool", "hasattr")
    return isinstance(node, ast.Attribute) and node.attr in ("__name__", "__class__")
