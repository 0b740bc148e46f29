"""Simple intra-function data flow: who decides a value, and where it comes from.

`level` ranks an expression by who decides its value: a literal, the deployer (configuration,
attributes, the environment), the code (a local of unknown origin), or the client (`request.*`,
a route variable). Names are followed to every expression bound to them in the function, then
in the enclosing functions and the module. A name checked against an allow-list in the function
(`if name not in ALLOWED: abort(404)`) or looked up in a constant mapping (`TABLES[name]`)
counts as a literal: the code, not the client, chose it.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable, Iterator

from middlebrick.code.context import ModuleContext
from middlebrick.code.scope import Kind, Scope

REQUEST_OBJECTS = ("flask.request", "flask.globals.request", "quart.request")
# Attributes of the request the client cannot fill with text of its choosing.
_REQUEST_SAFE = frozenset({"method", "endpoint", "url_rule", "blueprint", "blueprints",
                           "is_json", "is_secure", "content_length", "max_content_length"})
_SANITIZERS = frozenset({"int", "float", "bool", "len", "abs", "round", "hash", "id", "range",
                         "ord", "isinstance", "callable", "uuid.uuid4", "uuid.uuid1",
                         "uuid.UUID", "time.time", "time.monotonic"})
_PASS_THROUGH = frozenset({"str", "repr", "format", "list", "dict", "tuple", "set", "sorted",
                           "reversed", "enumerate", "zip", "min", "max", "next", "iter"})
_CONFIG_CALLS = ("os.getenv", "os.environ", "flask.current_app", "boto3.", "uuid.", "secrets.",
                 "time.", "datetime.")
_LOOKUPS = frozenset({"get", "pop", "getlist"})
_REQUEST_READERS = frozenset({"parse_args", "get_json"})  # reqparse, `request.get_json()`
# Methods that hand back (part of) what they are called on: the data stays the client's.
_KEEPING = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "title", "casefold",
                      "capitalize", "replace", "format", "join", "split", "rsplit", "partition",
                      "rpartition", "splitlines", "encode", "decode", "removeprefix",
                      "removesuffix", "zfill", "get", "getlist", "pop", "items", "keys",
                      "values", "copy", "to_dict"})
_DECODERS = frozenset({"json.loads", "urllib.parse.unquote", "urllib.parse.unquote_plus",
                       "base64.b64decode", "base64.urlsafe_b64decode"})


class Taint(enum.IntEnum):
    """Who decides a value, from nobody (a literal) to the client."""

    CONST = 0
    CONFIG = 1
    DATA = 2
    REQUEST = 3


def lookup(name: str, scope: Scope) -> Scope | None:
    """The scope that binds `name` as seen from `scope` (None: a global from elsewhere)."""
    current: Scope | None = scope
    while current is not None:
        if name in current.assigned or name in current.params:
            return current
        current = current.parent
    return None


def sources(name: str, scope: Scope) -> tuple[Scope | None, list[ast.expr]]:
    owner = lookup(name, scope)
    return owner, (owner.assigned.get(name, []) if owner else [])


def is_request(ctx: ModuleContext, expr: ast.AST, scope: Scope | None = None) -> bool:
    """Is `expr` Flask's `request` or an attribute chain on it (and not a local variable that
    happens to be called `request`, as seen from `scope`)?"""
    return is_global(ctx, expr, scope, REQUEST_OBJECTS)


def is_global(ctx: ModuleContext, expr: ast.AST, scope: Scope | None,
              names: tuple[str, ...]) -> bool:
    """Is `expr` one of these imported objects (`flask.g`, ...) or an attribute chain on one,
    not shadowed by a local name in `scope`?"""
    resolved = ctx.resolve(expr) or ""
    if not any(resolved == r or resolved.startswith(r + ".") for r in names):
        return False
    root = (ctx.dotted(expr) or "").partition(".")[0]
    current = scope
    while current is not None and current.kind is not Kind.MODULE:
        if root in current.defined or root in current.params:
            return False  # a local variable of that name
        current = current.parent
    return True


def allow_listed(ctx: ModuleContext, name: str, scope: Scope, line: int | None = None) -> bool:
    """Is `name` compared with an allow-list (`in`) or a literal (`==`) in this function, in a
    way that guards `line`?"""
    for compare, first, last in scope.guards:
        if line is not None and not first <= line <= last:
            continue
        operands = [compare.left, *compare.comparators]
        for n, op in enumerate(compare.ops):
            left, right = operands[n], operands[n + 1]
            if isinstance(op, (ast.In, ast.NotIn)) and _is_name(left, name) \
                    and not is_request(ctx, _root(right), scope):
                return True
            if isinstance(op, (ast.Eq, ast.NotEq)) and (
                (_is_name(left, name) and _is_literal(right))
                or (_is_name(right, name) and _is_literal(left))
            ):
                return True
    return False


def level(ctx: ModuleContext, expr: ast.AST, scope: Scope) -> Taint:
    """Who decides the value of `expr` (see the module docstring)."""
    if isinstance(expr, ast.Constant):
        return Taint.CONST
    if isinstance(expr, ast.Name):
        return _name_level(ctx, expr.id, scope, getattr(expr, "lineno", None))
    if isinstance(expr, ast.Attribute):
        if is_request(ctx, expr, scope):
            return Taint.CONST if expr.attr in _REQUEST_SAFE else Taint.REQUEST
        inner = level(ctx, expr.value, scope)
        return Taint.REQUEST if inner is Taint.REQUEST else Taint.CONFIG
    if isinstance(expr, ast.Subscript):
        return level(ctx, expr.value, scope)  # what the container holds, whatever the key
    if isinstance(expr, ast.Call):
        return _call_level(ctx, expr, scope)
    if isinstance(expr, (ast.Compare, ast.Lambda)) or (
        isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not)
    ):
        return Taint.CONST
    if isinstance(expr, ast.IfExp):
        return max(level(ctx, expr.body, scope), level(ctx, expr.orelse, scope))
    if isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        return level(ctx, expr.elt, scope)
    if isinstance(expr, ast.DictComp):
        return max(level(ctx, expr.key, scope), level(ctx, expr.value, scope))
    children = [c for c in ast.iter_child_nodes(expr) if isinstance(c, ast.expr)]
    return max((level(ctx, c, scope) for c in children), default=Taint.CONST)


def _name_level(ctx: ModuleContext, name: str, scope: Scope, line: int | None) -> Taint:
    owner = lookup(name, scope)
    if owner is None:
        imported = ctx.imports.get(name, "")
        return Taint.REQUEST if imported in REQUEST_OBJECTS else Taint.CONFIG
    if allow_listed(ctx, name, scope, line) or (
        owner is not scope and allow_listed(ctx, name, owner, line)
    ):
        return Taint.CONST
    key = (id(owner), name)
    if key in ctx.memo:
        return Taint(ctx.memo[key])
    ctx.memo[key] = Taint.CONST  # a cycle (`x += x`) adds nothing
    found = [level(ctx, value, owner) for value in owner.assigned.get(name, [])]
    if name in owner.params and name not in owner.killed:
        found.append(Taint.REQUEST if route_variable(name, owner) else (
            Taint.CONST if name in owner.safe_params else Taint.DATA))
    if owner.kind is Kind.MODULE:
        found = [min(f, Taint.CONFIG) for f in found]  # module names are the deployer's
    result = max(found, default=Taint.CONST)
    ctx.memo[key] = result
    return result


def _call_level(ctx: ModuleContext, call: ast.Call, scope: Scope) -> Taint:
    func = call.func
    name = ctx.resolve(func) or ""
    if name in _SANITIZERS:
        return Taint.CONST
    values = [*call.args, *(k.value for k in call.keywords)]
    arguments = max((level(ctx, v, scope) for v in values), default=Taint.CONST)
    if name in _PASS_THROUGH:
        return arguments
    if name.startswith(_CONFIG_CALLS):
        return max(Taint.CONFIG, arguments)
    if isinstance(func, ast.Attribute) and func.attr in _REQUEST_READERS:
        return Taint.REQUEST
    if isinstance(func, ast.Attribute):
        receiver_is_import = (ctx.dotted(func.value) or "").partition(".")[0] in ctx.imports
        receiver = level(ctx, func.value, scope)
        if receiver_is_import and receiver is not Taint.REQUEST:
            return max(Taint.DATA, arguments)  # a function of another module
        if func.attr in _LOOKUPS:
            if any(k.arg == "type" and ctx.resolve(k.value) in _SANITIZERS
                   for k in call.keywords):
                return Taint.CONST  # `request.args.get("limit", type=int)`
            default = level(ctx, call.args[1], scope) if len(call.args) > 1 else Taint.CONST
            return max(receiver, default)
        return max(receiver, arguments)
    return max(Taint.DATA, arguments)


def route_variable(name: str, scope: Scope) -> bool:
    """Is `name` a parameter Flask fills with free text from the URL?"""
    return scope.kind is Kind.VIEW and name in scope.params and name not in scope.killed \
        and name not in ("self", "cls") and name not in scope.safe_params


def direct_request(ctx: ModuleContext, expr: ast.AST, scope: Scope) -> ast.AST | None:
    """Where the client's data enters `expr` without passing through a function of the code's
    own (which may validate or map it): a `request.*` read or a route variable."""

    def entry(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            owner = lookup(node.id, scope)
            return owner is not None and route_variable(node.id, owner)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "parse_args":
            return True
        return isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)) \
            and is_request(ctx, _root(node), scope)

    def opaque(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call) or entry(node):
            return False
        name = ctx.resolve(node.func) or ""
        if name in _PASS_THROUGH or name in _DECODERS:
            return False
        return not (isinstance(node.func, ast.Attribute) and node.func.attr in _KEEPING)

    return find(ctx, expr, scope, entry, prune=opaque)


def find(ctx: ModuleContext, expr: ast.AST, scope: Scope, match: Callable[[ast.AST], bool],
         prune: Callable[[ast.AST], bool] = lambda node: False) -> ast.AST | None:
    """The first node `expr` is computed from (names followed to their sources) that matches."""
    for node in reachable(ctx, expr, scope, prune):
        if match(node):
            return node
    return None


def reachable(ctx: ModuleContext, expr: ast.AST, scope: Scope,
              prune: Callable[[ast.AST], bool]) -> Iterator[ast.AST]:
    """Every node `expr` is computed from, names followed to their sources; `prune` cuts."""
    stack: list[tuple[ast.AST, Scope]] = [(expr, scope)]
    seen: set[tuple[int, str]] = set()
    while stack:
        node, where = stack.pop()
        if prune(node):
            continue
        yield node
        if isinstance(node, ast.Name):
            owner, values = sources(node.id, where)
            if owner is not None and (id(owner), node.id) not in seen:
                seen.add((id(owner), node.id))
                stack.extend((v, owner) for v in values)
            continue
        stack.extend((child, where) for child in ast.iter_child_nodes(node))


def literal(ctx: ModuleContext, expr: ast.AST, scope: Scope) -> ast.Constant | None:
    """The string literal `expr` is, directly or as a name bound once to one."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes)):
        return expr
    if isinstance(expr, ast.Name):
        owner, values = sources(expr.id, scope)
        if owner is not None and expr.id not in owner.params and len(values) == 1:
            value = values[0]
            if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
                return value
    return None


def _is_name(expr: ast.expr, name: str) -> bool:
    if isinstance(expr, ast.NamedExpr):
        expr = expr.target
    return isinstance(expr, ast.Name) and expr.id == name


def _root(expr: ast.expr) -> ast.expr:
    while isinstance(expr, (ast.Attribute, ast.Subscript, ast.Call)):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr


def _is_literal(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and isinstance(expr.value, (str, int))
