"""Static rules for Flask + DynamoDB source code: `middlebrick code PATH`.

Each rule is one function with one `@code_rule` decorator (id, category, severity, CWE,
remediation; its docstring gives the title and description) that reads a parsed module
(`ModuleContext`: imports, and per function the names it binds, see `context.py`) and yields
issues. `flow.py` holds the little data flow they share: who decides a value (a literal, the
deployer, the code, or the client) and how a string was built. Findings are located by file
and line, with no endpoint, and scored like a scan's, so every reporter renders them.

    code.flask-debug                    debug mode or the Werkzeug debugger switched on
    code.flask-hardcoded-secret         SECRET_KEY as a literal (or a literal fallback)
    code.cors-wildcard-credentials      any origin with credentials (flask-cors or by hand)
    code.raw-error-response             str(exc), SDK error bodies, tracebacks in responses
    code.dynamodb-expression-injection  expressions built by formatting a variable
    code.dynamodb-partiql-injection     PartiQL statements built by formatting a variable
    code.dynamodb-table-from-request    TableName from the request, no allow-list
    code.unbounded-scan                 a handler reading a whole table
    code.client-identity-header         identity from X-User-ID-style headers
    code.hardcoded-aws-credentials      AWS keys in the source
"""

from __future__ import annotations

from middlebrick.code import (  # noqa: F401  (importing a rule module registers its rules)
    app_config,
    cors,
    credentials,
    dynamodb_injection,
    dynamodb_scan,
    identity,
    responses,
)
from middlebrick.code.context import ModuleContext
from middlebrick.code.rule import CODE_RULES, CodeRule, Issue, code_rule
from middlebrick.code.runner import analyze, check_source, python_files, select_rules

__all__ = [
    "CODE_RULES",
    "CodeRule",
    "Issue",
    "ModuleContext",
    "analyze",
    "check_source",
    "code_rule",
    "python_files",
    "select_rules",
]
