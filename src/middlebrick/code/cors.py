"""CORS written into the code: flask-cors options, and headers set by hand."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from middlebrick.code.context import ModuleContext
from middlebrick.code.flow import allow_listed, find, literal
from middlebrick.code.rule import Issue, code_rule, issue
from middlebrick.code.scope import Scope
from middlebrick.code.syntax import argument, dict_items, is_true, request_header, short, text
from middlebrick.models import Category, Confidence, Severity

ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"
_FLASK_CORS = ("flask_cors.CORS", "flask_cors.extension.CORS", "flask_cors.cross_origin",
               "flask_cors.decorator.cross_origin")
_WILDCARDS = frozenset({"*", ".*", "^.*$", r".*?"})


@code_rule(
    "code.cors-wildcard-credentials",
    category=Category.MISCONFIGURATION,
    severity=Severity.HIGH,
    cwe=942,
    remediation="""List the origins that need the API, by exact match, and keep credentials
    off unless those origins need cookies: `CORS(app, origins=["https://app.example.com"],
    supports_credentials=True)`. When setting the header by hand, echo the Origin only after
    `if origin in ALLOWED_ORIGINS:`, and add `Vary: Origin`.""",
)
def cors_wildcard_credentials(ctx: ModuleContext) -> Iterator[Issue]:
    """Any origin may read the API's responses with the user's credentials (CORS)

    With flask-cors, `supports_credentials=True` and no `origins` (or `"*"`) make the extension
    echo whatever Origin a browser sends, with `Access-Control-Allow-Credentials: true`; an
    after-request hook copying `request.headers["Origin"]` does the same. Any web page the user
    visits can then call the API with the user's cookies and read the answers.
    """
    configured = _app_settings(ctx)
    for scope, call in ctx.nodes(ast.Call):
        if (ctx.resolve(call.func) or "").endswith(_FLASK_CORS):
            yield from _flask_cors(ctx, scope, call, configured)
    if _sends_credentials(ctx):
        for scope, where, value in _allow_origin_values(ctx):
            source = _reflected_origin(ctx, value, scope)
            if source is not None:
                yield issue(where, scope, f"`Access-Control-Allow-Origin` is set to "
                            f"`{short(source)}`, the caller's own Origin, unchecked, while "
                            "the module allows credentials.", confidence=Confidence.CERTAIN)


def _reflected_origin(ctx: ModuleContext, value: ast.expr, scope: Scope) -> ast.AST | None:
    """The read of the request's Origin `value` comes from, unless a check stands between."""
    return find(ctx, value, scope, lambda n: request_header(ctx, n, scope) == "origin",
                prune=lambda n: _vetted(ctx, n, scope))


def _flask_cors(ctx: ModuleContext, scope: Scope, call: ast.Call,
                configured: dict[str, ast.expr]) -> Iterator[Issue]:
    if is_true(argument(call, None, "send_wildcard")):
        return  # flask-cors refuses to start with credentials and a literal "*"
    credentials = argument(call, None, "supports_credentials")
    credentials = configured.get("CORS_SUPPORTS_CREDENTIALS") if credentials is None \
        else credentials
    origins = argument(call, None, "origins") or configured.get("CORS_ORIGINS")
    resources = argument(call, None, "resources")
    options = [(o, c) for _, _, o, c in _resources(resources)] if resources else []
    for resource_origins, resource_credentials in options or [(None, None)]:
        allowed = resource_origins if resource_origins is not None else origins
        sends = resource_credentials if resource_credentials is not None else credentials
        if is_true(sends) and (allowed is None or _wildcard(ctx, allowed, scope)):
            shown = "any origin" if allowed is None else f"origins {short(allowed)}"
            yield issue(call, scope, f"`{short(call)}` allows {shown} with credentials: "
                        "flask-cors then echoes every Origin back.", confidence=Confidence.CERTAIN)
            return


def _resources(expr: ast.expr) -> Iterator[tuple[str, ast.expr, ast.expr | None, ast.expr | None]]:
    if isinstance(expr, ast.Dict):
        for pattern, key, options in dict_items(expr):
            if isinstance(options, ast.Dict):
                found = {k: v for k, _, v in dict_items(options)}
                yield pattern, key, found.get("origins"), found.get("supports_credentials")


def _wildcard(ctx: ModuleContext, expr: ast.expr, scope: Scope) -> bool:
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return any(_wildcard(ctx, e, scope) for e in expr.elts)
    found = literal(ctx, expr, scope)
    return found is not None and isinstance(found.value, str) and found.value in _WILDCARDS


def _app_settings(ctx: ModuleContext) -> dict[str, ast.expr]:
    """flask-cors settings given in the app config (`app.config["CORS_ORIGINS"] = ...`)."""
    found: dict[str, ast.expr] = {}
    for _, node in ctx.nodes(ast.Assign):
        for target in node.targets:
            key = text(target.slice) if isinstance(target, ast.Subscript) else None
            if key and key.startswith("CORS_"):
                found[key] = node.value
    return found


def _allow_origin_values(ctx: ModuleContext) -> Iterator[tuple[Scope, ast.AST, ast.expr]]:
    """`resp.headers["Access-Control-Allow-Origin"] = v`, `.set(...)`, `{"...": v}`."""
    for scope in ctx.scopes:
        for node in scope.walk():
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) \
                            and (text(target.slice) or "").lower() == ALLOW_ORIGIN:
                        yield scope, node, node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("set", "add", "setdefault", "__setitem__") \
                    and len(node.args) == 2 and (text(node.args[0]) or "").lower() == ALLOW_ORIGIN:
                yield scope, node, node.args[1]
            elif isinstance(node, ast.Dict):
                for key, key_node, value in dict_items(node):
                    if key.lower() == ALLOW_ORIGIN:
                        yield scope, key_node, value


def _sends_credentials(ctx: ModuleContext) -> bool:
    """Does the module anywhere send `Access-Control-Allow-Credentials: true`?"""
    for _, node in ctx.nodes(ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript) \
                    and (text(target.slice) or "").lower() == ALLOW_CREDENTIALS \
                    and is_true(node.value):
                return True
    for _, call in ctx.nodes(ast.Call):
        if len(call.args) == 2 and (text(call.args[0]) or "").lower() == ALLOW_CREDENTIALS \
                and is_true(call.args[1]):
            return True
        if is_true(argument(call, None, "supports_credentials")):
            return True
    return any(key.lower() == ALLOW_CREDENTIALS and is_true(value)
               for _, node in ctx.nodes(ast.Dict) for key, _, value in dict_items(node))


def _vetted(ctx: ModuleContext, node: ast.AST, scope: Scope) -> bool:
    """A name the code checks before use: `origin in ALLOWED`, `origin.endswith(...)`,
    `is_allowed(origin)` in a condition."""
    if not isinstance(node, ast.Name):
        return False
    if allow_listed(ctx, node.id, scope, node.lineno):
        return True
    for test in _conditions(scope):
        for inner in ast.walk(test):
            if isinstance(inner, ast.Call) and (
                any(isinstance(a, ast.Name) and a.id == node.id for a in inner.args)
                or (isinstance(inner.func, ast.Attribute)
                    and isinstance(inner.func.value, ast.Name)
                    and inner.func.value.id == node.id)
            ):
                return True
    return False


def _conditions(scope: Scope) -> Iterator[ast.expr]:
    for node in scope.walk():
        if isinstance(node, (ast.If, ast.IfExp, ast.While, ast.Assert)):
            yield node.test
