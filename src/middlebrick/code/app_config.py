"""Flask application settings written into the code: debug mode and the secret key."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from middlebrick.code.context import ModuleContext
from middlebrick.code.flow import literal, sources
from middlebrick.code.rule import Issue, code_rule, issue
from middlebrick.code.scope import Kind, Scope
from middlebrick.code.syntax import argument, dict_items, is_true, method, short, text
from middlebrick.code.weak_secrets import weakness
from middlebrick.evidence import mask_secret
from middlebrick.models import Category, Confidence, Severity

SECRET_NAMES = frozenset({"SECRET_KEY", "JWT_SECRET_KEY", "secret_key"})
_DEBUGGERS = ("werkzeug.debug.DebuggedApplication", "werkzeug.DebuggedApplication")
_RUN_SIMPLE = ("werkzeug.serving.run_simple", "werkzeug.run_simple")
_ENV_READERS = ("os.environ.get", "os.getenv", "os.environ.setdefault")
_CONFIG_FILE = re.compile(r"(^|/)(\w*_)?(config|settings)\w*\.py$")
_CONFIG_CLASS = re.compile(r"Config|Settings")


@code_rule(
    "code.flask-debug",
    category=Category.MISCONFIGURATION,
    severity=Severity.HIGH,
    cwe=489,
    remediation="""Never switch debug mode on in code. Remove `debug=True` from `app.run()`,
    `app.debug = True` and `DEBUG = True` from the app's config, and any
    `DebuggedApplication(app, evalex=True)` wrapper; run locally with `flask --app app run
    --debug` instead, and serve production with gunicorn or uWSGI, where `FLASK_DEBUG` is unset.""",
)
def flask_debug(ctx: ModuleContext) -> Iterator[Issue]:
    """Flask debug mode or the Werkzeug debugger is switched on in the code

    In debug mode an unhandled error answers with Werkzeug's debugger page: the stack trace,
    source lines and local values, and with `evalex` an interactive Python console in the
    browser, guarded only by a PIN derived from guessable facts about the machine. Code that
    switches it on ships it wherever that code runs.
    """
    for scope, call in ctx.nodes(ast.Call):
        name = ctx.resolve(call.func) or ""
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        if name.endswith(_DEBUGGERS) and _on(ctx, argument(call, 1, "evalex"), scope):
            yield issue(call, scope, "`DebuggedApplication(..., evalex=True)` serves Werkzeug's "
                        "interactive console to anyone who makes the app fail.",
                        severity=Severity.CRITICAL, confidence=Confidence.CERTAIN)
        elif name.endswith(_DEBUGGERS):
            yield issue(call, scope, f"`{short(call)}` wraps the app in Werkzeug's debugger: "
                        "every unhandled error answers with its traceback page and source.")
        elif name.endswith(_RUN_SIMPLE) and _on(ctx, argument(call, 4, "use_debugger"), scope):
            yield issue(call, scope, "`run_simple(..., use_debugger=True)` serves Werkzeug's "
                        "debugger (with its console unless `use_evalex=False`).",
                        severity=Severity.CRITICAL)
        elif method(call) == "run" and receiver is not None and ctx.is_app(receiver) \
                and _on(ctx, argument(call, 2, "debug"), scope):
            yield issue(call, scope, f"`{short(call)}` starts the server in debug mode.")
        elif method(call) in ("update", "from_mapping") and _is_app_config(ctx, receiver) \
                and any(_on(ctx, v, scope) for k, v in _settings(call) if k == "DEBUG"):
            yield issue(call, scope, f"`{short(call)}` switches debug mode on.")
    for scope, node in ctx.nodes(ast.Assign):
        for target in node.targets:
            if not _on(ctx, node.value, scope):
                continue
            debug_attribute = isinstance(target, ast.Attribute) and target.attr == "debug" \
                and ctx.is_app(target.value)
            debug_setting = isinstance(target, ast.Subscript) and text(target.slice) == "DEBUG" \
                and _is_app_config(ctx, target.value)
            if debug_attribute or debug_setting:
                yield issue(node, scope, f"`{short(target)} = {short(node.value)}` switches "
                            "debug mode on.", confidence=Confidence.CERTAIN)


@code_rule(
    "code.flask-hardcoded-secret",
    category=Category.AUTHENTICATION,
    severity=Severity.MEDIUM,
    confidence=Confidence.CERTAIN,
    cwe=798,
    remediation="""Load the key from the environment or a secret store, never from a literal:
    `app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]` (fail at start-up when it is missing,
    no fallback value), or fetch it with `boto3.client("secretsmanager").get_secret_value(...)`.
    Generate it with `python -c 'import secrets; print(secrets.token_hex(32))'`, and rotate the
    key that was committed: every session and token it signed can be forged.""",
)
def flask_hardcoded_secret(ctx: ModuleContext) -> Iterator[Issue]:
    """The Flask SECRET_KEY is a string literal in the source code

    Flask signs the session cookie (and itsdangerous tokens) with SECRET_KEY. Anyone who has
    read the code, its history or a leaked copy of it can forge a session for any user and
    role; a well-known default such as "dev" needs not even that, only a wordlist.
    """
    reported: set[int] = set()
    for scope, where, value in _secret_sites(ctx):
        yield from _secret_value(ctx, scope, where, value, reported)


def _secret_value(ctx: ModuleContext, scope: Scope, where: ast.AST, value: ast.expr,
                  reported: set[int]) -> Iterator[Issue]:
    # `SECRET_KEY = token_hex(32) if prod else "dev"`: one branch is enough.
    branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
    for branch in branches:
        found = literal(ctx, branch, scope)
        if found is not None and id(found) in reported:
            return  # the constant was reported where it is assigned
        secret = _secret(found)
        if found is not None and secret:
            reported.add(id(found))
            weak = weakness(secret)
            origin = "" if found is branch else f" (assigned at line {found.lineno})"
            when = " in one branch of a conditional" if branch is not value else ""
            yield issue(where, scope, f"The secret key is the literal {_masked(secret)}"
                        f"{origin}{when}{', ' + weak if weak else ''}.",
                        severity=Severity.HIGH if weak else Severity.MEDIUM)
            return
    fallback = _secret(_env_fallback(ctx, value, scope))
    if fallback:
        weak = weakness(fallback)
        yield issue(where, scope, f"The secret key falls back to the literal "
                    f"{_masked(fallback)} when the environment does not set it"
                    f"{', ' + weak if weak else ''}.", confidence=Confidence.FIRM,
                    severity=Severity.MEDIUM if weak else Severity.LOW)


def _secret_sites(ctx: ModuleContext) -> Iterator[tuple[Scope, ast.AST, ast.expr]]:
    """Module and class scopes come first, so a constant is reported where it is assigned."""
    flask_module = any(q.startswith("flask") for q in ctx.imports.values()) \
        or _CONFIG_FILE.search(ctx.path) is not None
    for scope in ctx.scopes:
        # A bare `SECRET_KEY = ...` is Flask's only in a config module or class (an AWS
        # secret key in a boto3 helper is not).
        bare = flask_module or (scope.kind is Kind.CLASS and _CONFIG_CLASS.search(scope.name))
        for node in scope.walk():
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_names_secret(t, bare=bool(bare)) for t in targets):
                    yield scope, node, node.value
            elif isinstance(node, ast.Call):
                yield from ((scope, kw, kw.value) for kw in node.keywords if kw.arg in SECRET_NAMES)
                name = ctx.resolve(node.func) or ""
                if name == "os.environ.setdefault" and len(node.args) == 2 \
                        and text(node.args[0]) in SECRET_NAMES:
                    yield scope, node, node.args[1]
            elif isinstance(node, ast.Dict):
                yield from ((scope, key, v) for k, key, v in dict_items(node) if k in SECRET_NAMES)


def _names_secret(target: ast.expr, *, bare: bool) -> bool:
    if isinstance(target, ast.Name):
        return bare and target.id in SECRET_NAMES
    if isinstance(target, ast.Attribute):
        return target.attr == "secret_key"
    return isinstance(target, ast.Subscript) and text(target.slice) in SECRET_NAMES


def _env_fallback(ctx: ModuleContext, value: ast.expr, scope: Scope) -> ast.Constant | None:
    """The literal default of `os.environ.get("K", "dev")` or `os.getenv("K") or "dev"`."""
    if isinstance(value, ast.Name):
        owner, values = sources(value.id, scope)
        return _env_fallback(ctx, values[0], owner) if owner and len(values) == 1 else None
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) > 1:
        reads_env = _reads_env(ctx, value.values[0])
        last = value.values[-1]
        return last if reads_env and isinstance(last, ast.Constant) and text(last) else None
    if isinstance(value, ast.Call) and _reads_env(ctx, value) and len(value.args) > 1:
        default = value.args[1]
        return default if isinstance(default, ast.Constant) and text(default) else None
    return None


def _reads_env(ctx: ModuleContext, expr: ast.expr) -> bool:
    return isinstance(expr, ast.Call) and (ctx.resolve(expr.func) or "").endswith(_ENV_READERS)


def _on(ctx: ModuleContext, expr: ast.expr | None, scope: Scope) -> bool:
    """`True`, or a name bound once to it (`DEBUG = True` ... `app.run(debug=DEBUG)`)."""
    if isinstance(expr, ast.Name):
        owner, values = sources(expr.id, scope)
        return owner is not None and expr.id not in owner.params and len(values) == 1 \
            and is_true(values[0])
    return is_true(expr)


def _is_app_config(ctx: ModuleContext, expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Attribute) and expr.attr == "config" and ctx.is_app(expr.value)


def _settings(call: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """`update(DEBUG=True)` and `update({"DEBUG": True})` alike."""
    for kw in call.keywords:
        if kw.arg:
            yield kw.arg, kw.value
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            yield from ((k, v) for k, _, v in dict_items(arg))


def _secret(found: ast.Constant | None) -> str | bytes:
    value = found.value if found is not None else None
    return value if isinstance(value, (str, bytes)) else ""


def _masked(value: str | bytes) -> str:
    shown = value.decode("latin-1") if isinstance(value, bytes) else value
    return f'"{mask_secret(shown)}"'
