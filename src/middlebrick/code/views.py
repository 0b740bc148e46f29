"""What Flask makes of the code: views, error handlers, request hooks, application objects."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from middlebrick.code.scope import FUNCTIONS, Kind, Scope

if TYPE_CHECKING:
    from middlebrick.code.context import ModuleContext

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
HOOKS = frozenset({"before_request", "after_request", "before_app_request",
                   "after_app_request", "teardown_request", "teardown_app_request"})
VIEW_BASES = frozenset({"MethodView", "View", "Resource"})
VIEW_METHODS = HTTP_METHODS | {"head", "options", "dispatch_request"}
APP_FACTORIES = frozenset({"flask.Flask", "flask.app.Flask", "flask_socketio.SocketIO",
                           "dash.Dash", "apiflask.APIFlask", "connexion.App",
                           "connexion.FlaskApp", "flask_openapi3.OpenAPI"})
_APP_FUNCTION = re.compile(r"(create|make|build|get|init|setup|new)_?(flask_?)?app(lication)?",
                           re.I)
_APP_NAME = re.compile(r"app|application|\w+_app", re.I)
_URL_VARIABLE = re.compile(r"<(?:[^<>]*:)?(\w+)>")
# Route variables whose converter leaves the client no free text: numbers, UUIDs, and
# `any(a, b)`, which is an allow-list.
_SAFE_CONVERTER = re.compile(r"<(?:int|float|uuid|any\([^)]*\))(?:\([^)]*\))?:(\w+)>")


def classify(node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, outer: Scope) -> None:
    """Mark a function as a view, error handler or hook from its decorators and class."""
    for decorator in node.decorator_list:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        attr = func.attr if isinstance(func, ast.Attribute) else ""
        if isinstance(decorator, ast.Call) and _is_route(attr, decorator):
            scope.kind = Kind.VIEW
            scope.routes.extend(_routes(attr, decorator))
            scope.safe_params.update(_safe_params(decorator))
            scope.url_params.update(_url_params(decorator))
        elif isinstance(decorator, ast.Call) and attr in ("errorhandler", "app_errorhandler"):
            scope.kind = Kind.ERROR_HANDLER
            scope.error_types.extend(decorator.args[:1])
        elif attr in HOOKS and scope.kind is Kind.FUNCTION:
            scope.kind = Kind.HOOK
    if outer.kind is Kind.CLASS and node.name in VIEW_METHODS and _is_view_class(outer):
        scope.kind = Kind.VIEW
        scope.routes.append(node.name.upper())


def is_app_factory(ctx: ModuleContext, func: ast.AST) -> bool:
    """`Flask(...)`, `SocketIO(...)`, `create_app(...)`: calls that make an application."""
    name = ctx.resolve(func) or ""
    last = name.rpartition(".")[2]
    return name in APP_FACTORIES or last == "Flask" or bool(_APP_FUNCTION.fullmatch(last))


def _is_route(attr: str, call: ast.Call) -> bool:
    if attr == "route":
        return True
    first = call.args[0] if call.args else None
    # `@bp.get("/x")`, never `@cache.get(key)`: a route rule starts with a slash.
    return attr in HTTP_METHODS and isinstance(first, ast.Constant) \
        and isinstance(first.value, str) and first.value.startswith("/")


def _routes(attr: str, call: ast.Call) -> list[str]:
    given = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    given += [k.value.value for k in call.keywords if k.arg == "rule"
              and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)]
    path = next((g for g in given if g.startswith("/")), given[0] if given else "?")
    methods = [attr.upper()] if attr != "route" else ["GET"]
    for keyword in call.keywords:
        if keyword.arg == "methods" and isinstance(keyword.value, (ast.List, ast.Tuple)):
            methods = [e.value.upper() for e in keyword.value.elts
                       if isinstance(e, ast.Constant) and isinstance(e.value, str)] or methods
    return [f"{m} {path}" for m in methods]


def _safe_params(call: ast.Call) -> set[str]:
    return {m.group(1) for rule in _rules(call) for m in _SAFE_CONVERTER.finditer(rule)}


def _url_params(call: ast.Call) -> set[str]:
    return {m.group(1) for rule in _rules(call) for m in _URL_VARIABLE.finditer(rule)}


def _rules(call: ast.Call) -> list[str]:
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _is_view_class(scope: Scope) -> bool:
    node = scope.node
    if not isinstance(node, ast.ClassDef):
        return False
    bases = {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases}
    routed = any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                 and d.func.attr == "route" for d in node.decorator_list)
    return routed or bool(bases & VIEW_BASES)


def mark_registered_views(ctx: ModuleContext) -> None:
    """`app.add_url_rule(rule, view_func=f)`, `app.register_error_handler(E, f)`, ..."""
    by_name = {s.node.name: s for s in ctx.scopes if isinstance(s.node, FUNCTIONS)}
    for _, call in ctx.nodes(ast.Call):
        if not isinstance(call.func, ast.Attribute):
            continue
        attr, args = call.func.attr, call.args
        keywords = {k.arg: k.value for k in call.keywords}
        if attr == "add_url_rule":
            func = keywords.get("view_func", args[2] if len(args) > 2 else None)
            kind = Kind.VIEW
        elif attr == "register_error_handler" and len(args) == 2:
            func, kind = args[1], Kind.ERROR_HANDLER
        elif attr in HOOKS and len(args) == 1:
            func, kind = args[0], Kind.HOOK
        else:
            continue
        scope = by_name.get(func.id) if isinstance(func, ast.Name) else None
        if scope is not None and scope.kind is Kind.FUNCTION:
            scope.kind = kind
            if kind is Kind.ERROR_HANDLER:
                scope.error_types.append(args[0])


def app_names(ctx: ModuleContext) -> set[str]:
    """Names (as written, `app` or `self.app`) that hold a Flask application."""
    names: set[str] = set()
    for scope in ctx.scopes:
        for name, values in scope.assigned.items():
            if any(isinstance(v, ast.Call) and is_app_factory(ctx, v.func) for v in values):
                names.add(name)
        for param in scope.params:
            if param == "app":
                names.add(param)
    for _, node in ctx.nodes(ast.Assign):
        if isinstance(node.value, ast.Call) and is_app_factory(ctx, node.value.func):
            names.update(d for t in node.targets if (d := ctx.dotted(t)) is not None)
    for scope in ctx.scopes:
        args = scope.node.args if isinstance(scope.node, FUNCTIONS) else None
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs) if args else ():
            if arg.annotation is not None \
                    and (ctx.resolve(arg.annotation) or "").endswith("Flask"):
                names.add(arg.arg)
    for local, qualified in ctx.imports.items():
        if "." in qualified and _APP_NAME.fullmatch(qualified.rpartition(".")[2]):
            names.add(local)
    return names
