"""Small readers of Python syntax the rules share: arguments, literals, request headers."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from middlebrick.code.context import ModuleContext
from middlebrick.code.flow import is_request
from middlebrick.code.scope import Scope

_TRUE_STRINGS = frozenset({"1", "true", "yes", "on"})


def argument(call: ast.Call, position: int | None, name: str) -> ast.expr | None:
    """The argument given by keyword `name` or at `position`, if any."""
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position is not None and position < len(call.args):
        candidate = call.args[position]
        return None if isinstance(candidate, ast.Starred) else candidate
    return None


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def method(call: ast.Call) -> str:
    """`scan` for `table.scan(...)`; "" for a plain function call."""
    return call.func.attr if isinstance(call.func, ast.Attribute) else ""


def is_true(expr: ast.AST | None) -> bool:
    """A literal that switches a flag on: True, 1, "1", "true"."""
    if not isinstance(expr, ast.Constant):
        return False
    value = expr.value
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_STRINGS
    return value is True or (type(value) is int and value == 1)


def text(expr: ast.AST | None) -> str | None:
    """The value of a string literal."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


def dict_items(node: ast.Dict) -> Iterator[tuple[str, ast.Constant, ast.expr]]:
    """The entries of a dict literal that have a string literal key."""
    for key, value in zip(node.keys, node.values, strict=True):
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield key.value, key, value


def sites(ctx: ModuleContext, names: frozenset[str]
          ) -> Iterator[tuple[Scope, str, ast.AST, ast.expr]]:
    """Everywhere a value is given under one of `names`: `f(Name=v)`, `{"Name": v}`,
    `params["Name"] = v` (and `+=`); yields (scope, name, where, value)."""
    for scope in ctx.scopes:
        for node in scope.walk():
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg in names:
                        yield scope, kw.arg, kw, kw.value
            elif isinstance(node, ast.Dict):
                for key, key_node, value in dict_items(node):
                    if key in names:
                        yield scope, key, key_node, value
            elif isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    given = text(target.slice) if isinstance(target, ast.Subscript) else None
                    if given is not None and given in names:
                        yield scope, given, node, node.value


def short(node: ast.AST, limit: int = 60) -> str:
    """Source text of a node for a message, cut to `limit` characters."""
    source = " ".join(ast.unparse(node).split())
    return source if len(source) <= limit else source[: limit - 1] + "…"


def request_header(ctx: ModuleContext, node: ast.AST, scope: Scope) -> str | None:
    """The (lowercase) name of the request header `node` reads, if it reads one:
    `request.headers.get("X")`, `request.headers["X"]`, `request.environ["HTTP_X"]`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in ("get", "get_all", "getlist") and node.args:
        container, key = node.func.value, text(node.args[0])
    elif isinstance(node, ast.Subscript):
        container, key = node.value, text(node.slice)
    elif isinstance(node, ast.Attribute) and node.attr == "origin" \
            and is_request(ctx, node, scope):
        return "origin"
    else:
        return None
    if key is None or not isinstance(container, ast.Attribute) \
            or not is_request(ctx, container, scope):
        return None
    if container.attr == "headers":
        return key.lower()
    if container.attr == "environ" and key.upper().startswith("HTTP_"):
        return key[5:].lower().replace("_", "-")
    return None
