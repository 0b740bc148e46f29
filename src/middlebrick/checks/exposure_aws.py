"""Leaked AWS credentials and account details, in any response the scan saw or at the paths
where Flask services usually dump their configuration (`/debug/config`, `/.env`, `/env`, ...),
at the root and below the API's mount point (`/api/v3/debug`).

An access key id is unmistakable (`AKIA`/`ASIA` + 16); a secret access key is 40 base64
characters, so it only counts under a credential name or next to a key id; a session token
starts with STS's own prefixes or sits under a session-token name. Pre-signed URLs, which carry
a key id by design, and AWS's documentation samples are never reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from middlebrick.checks.base import CheckContext, check
from middlebrick.checks.exposure_support import detections, join_masked, redacted
from middlebrick.checks.inventory_support import Documented, mount_points, relative_path
from middlebrick.detectors import Detection, Kind
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Endpoint, Finding, Severity

# Where configuration gets dumped: Flask debug routes, dotenv files, Spring-style actuators.
EXPOSURE_PATHS: tuple[str, ...] = (
    "/.env", "/config", "/debug", "/env", "/settings", "/admin/config", "/.aws/credentials",
    "/actuator/env", "/debug/config", "/config.json", "/api/config", "/api/settings",
    "/server-info", "/debug/vars", "/.env.production", "/environment", "/diagnostics", "/info",
)  # fmt: skip
# Below the API's own mount point (a Blueprint's url_prefix) only routes, not files, are tried.
MOUNTED_PATHS: tuple[str, ...] = (
    "/config", "/debug", "/env", "/settings", "/diagnostics", "/info", "/environment",
    "/debug/config", "/admin/config", "/server-info",
)  # fmt: skip
_SECRET_KINDS = frozenset({Kind.AWS_SECRET_ACCESS_KEY, Kind.AWS_SESSION_TOKEN})
_ORDER = (
    Kind.AWS_ACCESS_KEY_ID, Kind.AWS_SECRET_ACCESS_KEY, Kind.AWS_SESSION_TOKEN,
    Kind.AWS_ACCOUNT_ARN,
)  # fmt: skip
MAX_FINDINGS = 10
_REGION = re.compile(
    r"\b[a-z]{2}(?:-gov)?-(?:north|south|east|west|central|northeast|southeast|northwest|"
    r"southwest)-\d\b"
)


@dataclass(slots=True)
class _Leak:
    exchange: Exchange
    found: list[Detection]
    anonymous: bool
    others: list[Exchange] = field(default_factory=list)


def _aws(exchange: Exchange) -> list[Detection]:
    # Any status: a 500 page that prints the environment leaks the keys just the same.
    return [d for d in detections(exchange) if d.kind.aws]


def _anonymous(exchange: Exchange) -> bool:
    return exchange.identity == "anonymous" or not any(
        name.lower() in {"authorization", "cookie"} for name in exchange.request_headers
    )


async def _probe(ctx: CheckContext, path: str) -> Exchange | None:
    """GET a usual exposure path: anonymously first, then as the scan's user if refused."""
    x = await ctx.request("GET", path, identity=None)
    if x.status in (401, 403) and ctx.config.authenticated:
        x = await ctx.request("GET", path, identity="a")
    return x if x.status and x.status != 404 else None


@check(
    "exposure.aws-credentials",
    category=Category.DATA_EXPOSURE,
    severity=Severity.CRITICAL,
    confidence=Confidence.CERTAIN,
    cwe=522,
    remediation=(
        "Rotate the exposed key now (IAM console or `aws iam create-access-key` then "
        "`aws iam delete-access-key --access-key-id ...`) and review CloudTrail for its use. "
        "Remove the endpoint that returned it: never `jsonify(dict(os.environ))` or "
        "`app.config`; a debug or config route must not exist in production. Do not give the "
        "app static keys at all: on EC2, ECS, Lambda or EKS let boto3 take credentials from "
        "the instance/task/execution role (IRSA on EKS) by creating clients with no "
        "`aws_access_key_id`/`aws_secret_access_key` arguments and no AWS_* variables."
    ),
)
async def aws_credentials(ctx: CheckContext) -> list[Finding]:
    """AWS credentials or account details exposed in responses

    A response carries an AWS access key id, secret access key, session token or account-
    scoped ARN. With a key pair anyone can call AWS as the application, reading and writing its
    DynamoDB tables and whatever else its IAM policy allows, until the key is rotated.
    """
    leaks: dict[tuple[str, str], _Leak] = {}
    docs = Documented(ctx.spec) if ctx.spec is not None else None

    def record(x: Exchange, found: list[Detection]) -> None:
        rel = relative_path(ctx, x.url) or x.path
        op = x.operation or (docs.operation(x.method, rel) if docs else None)
        key = (x.method, op.path if op else rel)
        if key in leaks:
            leaks[key].others.append(x)
            leaks[key].anonymous |= _anonymous(x)
        else:
            leaks[key] = _Leak(x, found, _anonymous(x))

    seen: set[str] = set()
    for x in ctx.exchanges:
        seen.add(relative_path(ctx, x.url) or x.path)
        if found := _aws(x):
            record(x, found)
    mounted = [m + p for m in mount_points(ctx.spec)[1:] for p in MOUNTED_PATHS]
    for path in dict.fromkeys([*EXPOSURE_PATHS, *mounted]):
        if path in seen:
            continue
        probed = await _probe(ctx, path)
        if probed is not None and (found := _aws(probed)):
            record(probed, found)
    return [_finding(ctx, key, leak, docs) for key, leak in list(leaks.items())[:MAX_FINDINGS]]


def _finding(
    ctx: CheckContext, key: tuple[str, str], leak: _Leak, docs: Documented | None
) -> Finding:
    method, path = key
    x = leak.exchange
    kinds = [k for k in _ORDER if any(d.kind is k for d in leak.found)]
    if _SECRET_KINDS & set(kinds):
        severity = Severity.CRITICAL
    elif Kind.AWS_ACCESS_KEY_ID in kinds:
        severity = Severity.HIGH
    else:
        severity = Severity.LOW
    labels = [k.label for k in kinds]
    what = " and ".join(filter(None, (", ".join(labels[:-1]), labels[-1])))
    who = "an anonymous request" if leak.anonymous else "the scan's authenticated user"
    impact = {
        Severity.CRITICAL: "With the secret, anyone can sign AWS requests as the application.",
        Severity.HIGH: "A key id alone cannot sign requests, but it names the IAM user and "
        "account and is half of a key pair that must never leave the server.",
        Severity.LOW: "An account id maps the AWS estate and makes targeted attacks easier.",
    }[severity]
    region = _region(x)
    description = (
        f"{method} {path} answered {who} with {what}: {join_masked(leak.found)}"
        f"{f' (region {region})' if region else ''}. {impact}"
    )
    rel = relative_path(ctx, x.url) or x.path
    op = x.operation or (docs.operation(method, rel) if docs else None)
    return ctx.finding(
        exchange=redacted(x, leak.found),
        operation=op,
        endpoint=None if op else Endpoint(method=method, path=path, url=x.url),
        title=f"{what[0].upper()}{what[1:]} exposed by {method} {path}",
        description=description,
        severity=severity,
        confidence=Confidence.CERTAIN if severity is not Severity.LOW else Confidence.FIRM,
        note=f"masked: {join_masked(leak.found)}",
    )


def _region(x: Exchange) -> str | None:
    match = _REGION.search(x.text[:65536])
    return match.group(0) if match else None
