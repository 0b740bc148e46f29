"""A scope: a function, class body or module, with the names it binds and what is bound.

Bindings are flow-insensitive: `x = a` then `x += b` gives `x` both sources. That is the
whole data flow the rules use (see `flow.py`): simple, intra-function, and enough for "a
variable built from an f-string three lines above".
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class Kind(enum.Enum):
    """What a scope is to Flask."""

    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    VIEW = "view"
    ERROR_HANDLER = "error handler"
    HOOK = "request hook"

    @property
    def handles_requests(self) -> bool:
        return self in (Kind.VIEW, Kind.ERROR_HANDLER, Kind.HOOK)


@dataclass(eq=False, kw_only=True, slots=True)
class Scope:
    """A function, class body or module: the names it binds and what is bound to them."""

    node: ast.AST
    name: str  # qualified: "create_app.report", "Config", "<module>"
    kind: Kind
    parent: Scope | None  # where free names resolve (class bodies are skipped, as in Python)
    params: tuple[str, ...] = ()
    assigned: dict[str, list[ast.expr]] = field(default_factory=dict)
    defined: set[str] = field(default_factory=set)  # names bound here, not just added to
    killed: set[str] = field(default_factory=set)  # parameters overwritten at the top level
    routes: list[str] = field(default_factory=list)
    url_params: set[str] = field(default_factory=set)  # `<kind>` in the view's URL rules
    safe_params: set[str] = field(default_factory=set)  # `<int:id>`, `<any(a, b):kind>`
    error_types: list[ast.expr] = field(default_factory=list)
    # Comparisons, each with the lines it guards: from its statement to the end of its block.
    guards: list[tuple[ast.Compare, int, int]] = field(default_factory=list)
    _nodes: list[ast.AST] | None = None

    @property
    def body(self) -> list[ast.stmt]:
        return list(getattr(self.node, "body", []))

    def walk(self) -> Iterator[ast.AST]:
        """Every node of this scope, nested functions and classes left out (not their
        decorators, which run here)."""
        if self._nodes is None:
            self._nodes = []
            stack: list[ast.AST] = list(reversed(self.body))
            while stack:
                node = stack.pop()
                self._nodes.append(node)
                if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
                    stack.extend(reversed(node.decorator_list))
                    continue
                stack.extend(reversed(list(ast.iter_child_nodes(node))))
        return iter(self._nodes)

    def bind(self, name: str, value: ast.expr) -> None:
        self.assigned.setdefault(name, []).append(value)

    def where(self) -> str:
        """How a message names this scope: "in view `report` (GET /reports/<table>)"."""
        if self.kind is Kind.MODULE:
            return "at module level"
        label = "class" if self.kind is Kind.CLASS else self.kind.value
        routes = f" ({', '.join(self.routes)})" if self.routes else ""
        return f"in {label} `{self.name}`{routes}"
