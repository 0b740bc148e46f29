"""AWS credentials written into the source code."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from middlebrick.code.context import ModuleContext
from middlebrick.code.flow import literal
from middlebrick.code.rule import Issue, code_rule, issue
from middlebrick.code.scope import Scope
from middlebrick.code.syntax import dict_items, text
from middlebrick.detectors.patterns import aws_secret
from middlebrick.evidence import mask_secret
from middlebrick.models import Category, Confidence, Severity

KEY_ID = re.compile(r"(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}")
_SETTINGS = {
    "aws_access_key_id": "access key id",
    "aws_secret_access_key": "secret access key",
    "aws_session_token": "session token",
}
_TOKEN = re.compile(r"[A-Za-z0-9/+=]{100,}")


@code_rule(
    "code.hardcoded-aws-credentials",
    category=Category.DATA_EXPOSURE,
    severity=Severity.CRITICAL,
    confidence=Confidence.CERTAIN,
    cwe=798,
    remediation="""Delete the keys from the code and deactivate them in IAM now (they are in the
    repository's history). Let boto3 find credentials itself: `boto3.client("dynamodb")` with no
    key arguments reads the IAM role of the instance, task or function, or the environment
    (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) and `~/.aws` locally.""",
)
def hardcoded_aws_credentials(ctx: ModuleContext) -> Iterator[Issue]:
    """AWS access keys are written into the source code

    Anyone who reads the code, a fork, a backup or the repository's history can call AWS as
    this service: read and write its DynamoDB tables, and whatever else the keys' IAM user may
    do. Keys in code are also rarely rotated.
    """
    reported: set[int] = set()
    for scope, where, setting, value in _settings(ctx):
        if isinstance(value, ast.Name) and value.id.lower() in _SETTINGS:
            continue  # reported where that constant is assigned
        found = literal(ctx, value, scope)
        secret = found.value if found is not None and isinstance(found.value, str) else ""
        if _shaped(setting, secret):
            reported.add(id(found))
            severity = Severity.HIGH if setting == "aws_access_key_id" else None
            yield issue(where, scope, f"The AWS {_SETTINGS[setting]} is the literal "
                        f'"{mask_secret(secret)}".', severity=severity)
    for scope, node in ctx.nodes(ast.Constant):
        string = text(node)
        match = KEY_ID.search(string) if string and id(node) not in reported else None
        if match and string and "EXAMPLE" not in string:
            yield issue(node, scope, f'The string holds the AWS access key id '
                        f'"{mask_secret(match.group(0))}".', severity=Severity.HIGH)


def _settings(ctx: ModuleContext) -> Iterator[tuple[Scope, ast.AST, str, ast.expr]]:
    """`boto3.client(..., aws_secret_access_key=v)`, `{"AWS_SECRET_ACCESS_KEY": v}`,
    `os.environ["AWS_SECRET_ACCESS_KEY"] = v`, `AWS_SECRET_ACCESS_KEY = v`."""
    for scope in ctx.scopes:
        for node in scope.walk():
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg and kw.arg.lower() in _SETTINGS:
                        yield scope, kw, kw.arg.lower(), kw.value
            elif isinstance(node, ast.Dict):
                for key, key_node, value in dict_items(node):
                    if key.lower() in _SETTINGS:
                        yield scope, key_node, key.lower(), value
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = _target_name(target)
                    if name in _SETTINGS:
                        yield scope, node, name, node.value


def _target_name(target: ast.expr) -> str:
    if isinstance(target, ast.Name):
        return target.id.lower()
    if isinstance(target, ast.Attribute):
        return target.attr.lower()
    if isinstance(target, ast.Subscript):
        return (text(target.slice) or "").lower()
    return ""


def _shaped(setting: str, value: str) -> bool:
    """Does the literal look like a real credential (not "test", "dummy" or AWS's example)?"""
    if "EXAMPLE" in value.upper():
        return False
    if setting == "aws_access_key_id":
        return bool(KEY_ID.fullmatch(value))
    if setting == "aws_secret_access_key":
        return aws_secret(value)
    return bool(_TOKEN.fullmatch(value))
