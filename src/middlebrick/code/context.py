"""What the static rules read: one parsed module, its imports, and a scope per function.

A `Scope` (see `scope.py`) is a function, class body or module with the names it binds;
`views.py` says which functions Flask calls for requests. Both are built here, once per file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TypeVar

from middlebrick.code.scope import FUNCTIONS, Kind, Scope
from middlebrick.code.views import app_names, classify, is_app_factory, mark_registered_views

N = TypeVar("N", bound=ast.AST)


class ModuleContext:
    """One parsed Python module as the rules see it."""

    def __init__(self, tree: ast.Module, *, path: str, text: str) -> None:
        self.tree = tree
        self.path = path
        self.lines = text.splitlines()
        self.imports = _imports(tree)
        self.module = Scope(node=tree, name="<module>", kind=Kind.MODULE, parent=None)
        self.scopes: list[Scope] = [self.module]
        self.memo: dict[tuple[int, str], int] = {}  # used by flow.py
        self._by_type: dict[type, list[tuple[Scope, ast.AST]]] | None = None
        _Builder(self).fill(self.module)
        mark_registered_views(self)
        self.app_names = app_names(self)

    def nodes(self, kind: type[N]) -> Iterator[tuple[Scope, N]]:
        """Every node of one (concrete) type, with the scope it belongs to."""
        if self._by_type is None:
            self._by_type = {}
            for scope in self.scopes:
                for node in scope.walk():
                    self._by_type.setdefault(type(node), []).append((scope, node))
        for scope, node in self._by_type.get(kind, []):
            if isinstance(node, kind):  # for the type checker; always true
                yield scope, node

    def dotted(self, expr: ast.AST) -> str | None:
        """`a.b.c` for a chain of attributes on a name, as written."""
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return None
        return ".".join([expr.id, *reversed(parts)])

    def resolve(self, expr: ast.AST) -> str | None:
        """The qualified name through the imports (`F` → `flask.Flask`), else as written."""
        written = self.dotted(expr)
        if written is None:
            return None
        root, _, rest = written.partition(".")
        if root in self.imports:
            return f"{self.imports[root]}.{rest}" if rest else self.imports[root]
        return written

    def is_app(self, expr: ast.AST) -> bool:
        """Is this a Flask application object (or a SocketIO/Dash wrapper of one)?"""
        if isinstance(expr, ast.Call):
            return is_app_factory(self, expr.func)
        written = self.dotted(expr)
        return written is not None and written in self.app_names

    def source(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def _imports(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found[alias.asname] = alias.name
                else:
                    root = alias.name.partition(".")[0]
                    found[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.ImportFrom):  # relative: keep the name, mark it local
            for alias in node.names:
                found[alias.asname or alias.name] = f".{node.module or ''}.{alias.name}"
    return found


class _Builder:
    """Fills scopes with their bindings, creating a child scope per function and class."""

    def __init__(self, ctx: ModuleContext) -> None:
        self.ctx = ctx

    def fill(self, scope: Scope) -> None:
        for node in scope.walk():
            if isinstance(node, FUNCTIONS):
                self.function(node, scope)
            elif isinstance(node, ast.ClassDef):
                self.klass(node, scope)
            else:
                self.binding(node, scope)
        _guards(scope.body, scope.guards)
        for stmt in scope.body if scope.kind is not Kind.MODULE else ():
            targets = stmt.targets if isinstance(stmt, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id in scope.params:
                    scope.killed.add(target.id)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, outer: Scope) -> None:
        args = node.args
        names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        prefix = "" if outer.kind is Kind.MODULE else f"{outer.name}."
        scope = Scope(node=node, name=prefix + node.name, kind=Kind.FUNCTION,
                      parent=outer.parent if outer.kind is Kind.CLASS else outer,
                      params=tuple(names))
        classify(node, scope, outer)
        self.ctx.scopes.append(scope)
        self.fill(scope)

    def klass(self, node: ast.ClassDef, outer: Scope) -> None:
        prefix = "" if outer.kind is Kind.MODULE else f"{outer.name}."
        scope = Scope(node=node, name=prefix + node.name, kind=Kind.CLASS,
                      parent=outer.parent if outer.kind is Kind.CLASS else outer)
        self.ctx.scopes.append(scope)
        self.fill(scope)

    def binding(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self.target(target, node.value, scope)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            self.target(node.target, node.value, scope)
        elif isinstance(node, ast.NamedExpr):
            self.target(node.target, node.value, scope)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            self.target(node.target, node.iter, scope)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self.target(node.optional_vars, node.context_expr, scope)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bind(node.name, node.type or ast.Constant(value=None))
            scope.defined.add(node.name)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # `parts.append(x)`: the list now holds x too.
            receiver = node.func.value
            if node.func.attr in ("append", "extend", "add", "insert", "update", "setdefault") \
                    and isinstance(receiver, ast.Name) and node.args:
                scope.bind(receiver.id, node.args[-1])

    def target(self, target: ast.expr, value: ast.expr, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, value)
            scope.defined.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            if values is not None and len(values) == len(target.elts):
                for sub, sub_value in zip(target.elts, values, strict=True):
                    self.target(sub, sub_value, scope)
            else:
                for sub in target.elts:
                    self.target(sub, value, scope)
        elif isinstance(target, ast.Starred):
            self.target(target.value, value, scope)
        elif isinstance(target, ast.Subscript):
            # `values[":v"] = x`: the container now holds x.
            root = target.value
            while isinstance(root, ast.Subscript):
                root = root.value
            if isinstance(root, ast.Name):
                scope.bind(root.id, value)


_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
             ast.TryStar, ast.Match)


def _guards(body: list[ast.stmt], out: list[tuple[ast.Compare, int, int]]) -> None:
    """A comparison guards the rest of its block (`if x not in ALLOWED: abort(404)` guards
    what follows, `if x in ALLOWED:` its own body) but not a sibling `else:` branch."""
    if not body:
        return
    end = body[-1].end_lineno or body[-1].lineno
    for stmt in body:
        if isinstance(stmt, (*FUNCTIONS, ast.ClassDef)):
            continue
        if isinstance(stmt, _COMPOUND):
            heads: list[ast.AST] = [getattr(stmt, a) for a in ("test", "iter", "subject")
                                    if hasattr(stmt, a)]
            heads += getattr(stmt, "items", [])
            blocks = [getattr(stmt, a, []) for a in ("body", "orelse", "finalbody")]
            blocks += [h.body for h in getattr(stmt, "handlers", [])]
            blocks += [c.body for c in getattr(stmt, "cases", [])]
        else:
            heads, blocks = [stmt], []
        for head in heads:
            out.extend((n, stmt.lineno, end) for n in ast.walk(head) if isinstance(n, ast.Compare))
        for block in blocks:
            _guards(block, out)


