"""How a string was built: the non-literal pieces of f-strings, `%`, `.format`, `+`, `.join`.

Names are followed to what they are bound to in the function (`cond = "a = :a"`, then
`cond += f" AND {field} = :v"`), so a statement assembled over several lines is seen whole.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from middlebrick.code.context import ModuleContext
from middlebrick.code.flow import sources
from middlebrick.code.scope import Scope

_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]*$")  # `#f{i}`, `:{k}`: a placeholder's name


@dataclass(frozen=True, slots=True)
class Part:
    """A non-literal piece of a string built by formatting or concatenation."""

    expr: ast.expr
    scope: Scope
    placeholder: bool  # part of a `#name` or `:value` token: ExpressionAttributeNames/Values


def parts(ctx: ModuleContext, expr: ast.expr, scope: Scope) -> list[Part] | None:
    """The non-literal pieces of a string built by f-string, `%`, `.format`, `+` or `.join`;
    None when `expr` is not such a string (nor a name bound to one)."""
    return _parts(ctx, expr, scope, set())


def _parts(ctx: ModuleContext, expr: ast.expr, scope: Scope, seen: set[tuple[int, str]]
           ) -> list[Part] | None:
    if isinstance(expr, ast.JoinedStr):
        return _sequence(ctx, list(expr.values), scope, seen)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        operands = _flatten_add(expr)
        if not any(_stringish(o) for o in operands):
            return None
        return _sequence(ctx, operands, scope, seen)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod) and _stringish(expr.left):
        right = expr.right
        pieces = right.elts if isinstance(right, ast.Tuple) else (
            [v for v in right.values if v is not None] if isinstance(right, ast.Dict) else [right]
        )
        return [*_value_parts(ctx, expr.left, scope, seen),
                *(Part(p, scope, False) for p in pieces)]
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
            and _stringish(expr.func.value):
        if expr.func.attr == "format":
            values = [*expr.args, *(k.value for k in expr.keywords)]
            return [*_value_parts(ctx, expr.func.value, scope, seen),
                    *(Part(v, scope, False) for v in values)]
        if expr.func.attr == "join" and expr.args:
            return _joined(ctx, expr.args[0], scope, seen)
    if isinstance(expr, ast.Name):
        owner, values = sources(expr.id, scope)
        key = (id(owner), expr.id)
        if owner is None or key in seen or not any(
            _stringish(v) or _parts(ctx, v, owner, seen | {key}) is not None for v in values
        ):
            return None
        seen.add(key)
        return [p for v in values for p in _value_parts(ctx, v, owner, seen)]
    return None


def _value_parts(ctx: ModuleContext, expr: ast.expr, scope: Scope,
                 seen: set[tuple[int, str]]) -> list[Part]:
    if isinstance(expr, ast.Constant):
        return []
    found = _parts(ctx, expr, scope, seen)
    return [Part(expr, scope, False)] if found is None else found


def _joined(ctx: ModuleContext, iterable: ast.expr, scope: Scope,
            seen: set[tuple[int, str]]) -> list[Part]:
    if isinstance(iterable, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
        return _value_parts(ctx, iterable.elt, scope, seen)
    if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
        return [p for e in iterable.elts for p in _value_parts(ctx, e, scope, seen)]
    if isinstance(iterable, ast.Name):
        owner, values = sources(iterable.id, scope)
        key = (id(owner), iterable.id)
        if owner is not None and key not in seen and values:
            seen.add(key)
            return [p for v in values for p in _joined(ctx, v, owner, seen)]
    return _value_parts(ctx, iterable, scope, seen)


def _sequence(ctx: ModuleContext, pieces: list[ast.expr], scope: Scope,
              seen: set[tuple[int, str]]) -> list[Part]:
    found: list[Part] = []
    text = ""
    for piece in pieces:
        if isinstance(piece, ast.Constant):
            text = str(piece.value)
            continue
        value = piece.value if isinstance(piece, ast.FormattedValue) else piece
        placeholder = bool(_PLACEHOLDER.search(text))
        inner = _parts(ctx, value, scope, seen) if not placeholder else None
        found += inner if inner is not None else [Part(value, scope, placeholder)]
        text = ""
    return found


def _flatten_add(expr: ast.expr) -> list[ast.expr]:
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return [*_flatten_add(expr.left), *_flatten_add(expr.right)]
    return [expr]


def _stringish(expr: ast.expr) -> bool:
    return isinstance(expr, ast.JoinedStr) or (
        isinstance(expr, ast.Constant) and isinstance(expr.value, str)
    )
