"""Endpoints the service answers that its OpenAPI document does not describe.

Candidates come from four places: paths shadow APIs usually live at (`/internal/...`,
`/admin/...`, `/debug`, `/export`, at the root and below the prefix every documented path
shares, such as a Blueprint's `/api/v3`), older siblings of documented versions (`/api/v1` beside a
documented `/api/v2`), methods a documented path allows but the document omits (its `Allow`
header, or a GET that answers), and same-origin links in responses (`href`/`url` fields, `Link`
headers). Each is compared with a nonsense path beside it, so a catch-all route or a
single-page app that answers 200 to everything reports nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from middlebrick.checks.base import CheckContext, check
from middlebrick.checks.inventory_support import (
    Baselines,
    Documented,
    mount_points,
    relative_path,
    unique,
)
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Endpoint, Finding, Severity
from middlebrick.spec.discover import DISCOVERY_PATHS
from middlebrick.spec.names import is_param

COMMON_PATHS: tuple[str, ...] = (
    "/admin", "/internal", "/private", "/debug", "/export", "/backup", "/dump", "/metrics",
    "/status", "/health", "/healthz", "/graphql", "/api", "/api/v1", "/v1", "/test", "/dev",
    "/legacy",
)  # fmt: skip
# Tried below the API's mount point too (`/api/v3/internal`): a Blueprint's forgotten routes.
MOUNTED_PATHS: tuple[str, ...] = (
    "/internal", "/admin", "/debug", "/export", "/dump", "/backup", "/config", "/diagnostics",
    "/test", "/legacy",
)  # fmt: skip
# Shadow endpoints: a hidden prefix and a bulk or operational action, or a documented resource.
HIDDEN_PREFIXES = ("/internal", "/admin")
HIDDEN_ACTIONS = ("export", "backup", "dump", "config")
# Operational endpoints: expected on most services, an observation rather than a flaw.
_OPERATIONAL = frozenset({"health", "healthz", "status", "ping", "ready", "readyz", "live",
                          "livez", "version"})  # fmt: skip
_VERSION = re.compile(r"v(\d{1,2})")
_LINK_KEYS = frozenset({"href", "url", "uri", "link", "self", "location"})
_LINK_HEADER = re.compile(r"<([^>]{1,500})>")
_ASSET = re.compile(r"\.(?:png|jpe?g|gif|svg|ico|css|js|map|woff2?|ttf|pdf|zip|csv|txt|html?)$",
                    re.I)  # fmt: skip
_SAFE = ("GET",)
MAX_COMMON, MAX_VERSIONS, MAX_LINKS, MAX_PATHS = 46, 6, 8, 15


@dataclass(frozen=True, slots=True)
class _Candidate:
    path: str
    why: str


@check(
    "inventory.undocumented-endpoint",
    category=Category.INVENTORY,
    severity=Severity.MEDIUM,
    confidence=Confidence.FIRM,
    cwe=912,
    remediation=(
        "Either document the endpoint (add it to the OpenAPI document with its security "
        "requirements) or remove it: delete forgotten Flask routes and blueprints, unregister "
        "old API versions (`app.register_blueprint(v1)`) once clients moved on, and keep "
        "internal tools in a separate app that is not deployed with the public API. Generate "
        "the document from the code (flask-smorest, apispec, flasgger) so the two cannot drift, "
        "and compare `app.url_map` with the document in CI."
    ),
)
async def undocumented_endpoint(ctx: CheckContext) -> list[Finding]:
    """Endpoint served but not in the API documentation

    The service answers on a path or method its OpenAPI document does not describe: a shadow
    or zombie endpoint that escapes review, testing, monitoring and retirement, and often
    lacks the checks the documented API has.
    """
    if ctx.spec is None:
        return []
    docs = Documented(ctx.spec)
    baselines = Baselines(ctx)
    findings: list[Finding] = []
    spec_path = relative_path(ctx, ctx.spec.source)
    skip = {p.rstrip("/") for p in DISCOVERY_PATHS} | {(spec_path or "").rstrip("/")}
    for candidate in _candidates(ctx, docs):
        key = candidate.path.rstrip("/")
        if docs.documented(candidate.path) or key in skip:
            continue
        skip.add(key)  # each path once, whichever source named it first
        x = await ctx.request("GET", candidate.path)
        state = await baselines.live(x, candidate.path)
        if state is not None:
            findings.append(_path_finding(ctx, x, candidate, state))
    findings += await _undocumented_methods(ctx, docs, baselines)
    return findings


def _candidates(ctx: CheckContext, docs: Documented) -> Iterator[_Candidate]:
    collections = [p for p in docs.full_paths() if p.count("/") == 1 and "{" not in p]
    common = [
        *COMMON_PATHS,
        *(f"{mount}{path}" for mount in mount_points(ctx.spec)[1:] for path in MOUNTED_PATHS),
        *(f"{prefix}/{action}" for prefix in HIDDEN_PREFIXES for action in HIDDEN_ACTIONS),
        *(f"/internal{c}" for c in collections[:4]),
    ]
    for path, documented in _older_versions(docs)[:MAX_VERSIONS]:
        yield _Candidate(path, f"an older version of the documented {documented}")
    for path in unique(common)[:MAX_COMMON]:
        yield _Candidate(path, "a path where unlisted endpoints are commonly found")
    for path, source in _linked(ctx, docs)[:MAX_LINKS]:
        yield _Candidate(path, f"a link in the response of {source}")


def _older_versions(docs: Documented) -> list[tuple[str, str]]:
    """`/api/v1/users` for a documented `/api/v2/users` (GET collections first, then roots)."""
    found: list[tuple[str, str]] = []
    roots: list[tuple[str, str]] = []
    for path in docs.full_paths():
        parts = path.split("/")
        for i, part in enumerate(parts):
            match = _VERSION.fullmatch(part)
            if not match:
                continue
            current = int(match.group(1))
            for older in range(current - 1, max(0, current - 3), -1):
                sibling = [*parts[:i], f"v{older}", *parts[i + 1 :]]
                if not any(is_param(s) for s in sibling) and "GET" in docs.methods_at(path):
                    found.append(("/".join(sibling), path))
                roots.append(("/".join(sibling[: i + 1]), "/".join(parts[: i + 1])))
            break
    documented = {p.rstrip("/") for p in docs.full_paths()}
    return [(p, d) for p, d in dict(found + roots).items() if p.rstrip("/") not in documented]


def _linked(ctx: CheckContext, docs: Documented) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for x in ctx.exchanges:
        refs = _LINK_HEADER.findall(x.headers.get("link", ""))
        refs += list(_link_values(x.json(), depth=0))
        for ref in refs:
            path = relative_path(ctx, ref.split("#", 1)[0].split("?", 1)[0])
            if path and not _ASSET.search(path) and not docs.documented(path):
                out.setdefault(path, f"{x.method} {relative_path(ctx, x.url) or x.path}")
    return list(out.items())


def _link_values(value: Any, depth: int) -> Iterator[str]:
    if depth > 6:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            name = str(key).lower()
            linky = name in _LINK_KEYS or name.endswith(("_url", "_href", "_link", "_uri"))
            if linky and isinstance(child, str) and child.startswith(("/", "http")):
                yield child
            else:
                yield from _link_values(child, depth + 1)
    elif isinstance(value, list):
        for child in value[:50]:
            yield from _link_values(child, depth + 1)


def _path_finding(ctx: CheckContext, x: Exchange, candidate: _Candidate, state: str) -> Finding:
    path = candidate.path
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if state == "served":
        severity = Severity.INFO if last in _OPERATIONAL else Severity.MEDIUM
        answer = f"answered {x.status} with content"
    else:
        severity = Severity.LOW
        answer = (
            f"exists but refused the scan's request ({x.status})"
            if state == "protected"
            else f"exists for other methods ({x.status} Method Not Allowed)"
        )
    version = " (an older API version)" if "older version" in candidate.why else ""
    return ctx.finding(
        exchange=x,
        endpoint=Endpoint(method="GET", path=path, url=x.url),
        title=f"Undocumented endpoint GET {path}{version}",
        description=(
            f"GET {path} is not in the OpenAPI document, yet it {answer}, unlike a nonsense path "
            f"beside it. It was tried as {candidate.why}. Undocumented endpoints escape review "
            "and security testing, and old versions keep flaws the current one fixed."
        ),
        severity=severity,
        confidence=Confidence.FIRM if state == "served" else Confidence.TENTATIVE,
        discriminator="path",
        note=f"not in the document; {answer}",
    )


async def _undocumented_methods(
    ctx: CheckContext, docs: Documented, baselines: Baselines
) -> list[Finding]:
    """Methods a documented path answers (GET) or announces (`Allow`) but the document omits."""
    findings: list[Finding | None] = []
    nonsense = await baselines.beside("/mb-allow/x", "OPTIONS")
    trust_allow = nonsense is None or not 200 <= nonsense.status < 300
    for template in docs.full_paths()[:MAX_PATHS]:
        ops = [op for op in ctx.operations if ctx.spec and ctx.spec.base_path + op.path == template]
        if not ops:
            continue
        path = ctx.plan(ops[0]).path
        documented = docs.methods_at(path)
        allowed: set[str] = set()
        options: Exchange | None = None
        if trust_allow:
            options = await ctx.request("OPTIONS", path)
            if 200 <= options.status < 300:
                allowed = {m.strip().upper() for m in options.headers.get("allow", "").split(",")}
        missing = allowed - documented - {"HEAD", "OPTIONS", ""}
        if "GET" not in documented and not allowed:
            missing.add("GET")  # no usable Allow header: ask directly
        for method in sorted(missing):
            finding = await _method_finding(ctx, baselines, method, path, ops[0].path, options)
            findings.append(finding)
    return [f for f in findings if f is not None]


async def _method_finding(
    ctx: CheckContext,
    baselines: Baselines,
    method: str,
    path: str,
    template: str,
    options: Exchange | None,
) -> Finding | None:
    evidence = options
    if method in _SAFE:
        x = await ctx.request(method, path)
        if await baselines.live(x, path) != "served":
            return None
        evidence, how = x, f"answers {x.status}"
        severity = Severity.MEDIUM
    else:
        how, severity = "is listed in the path's Allow header", Severity.LOW
    return ctx.finding(
        exchange=evidence,
        endpoint=Endpoint(method=method, path=template, url=ctx.target + path),
        title=f"Undocumented method {method} {template}",
        description=(
            f"{method} {template} {how}, but the OpenAPI document describes only other methods "
            "on this path. An undocumented method escapes review and security testing."
        ),
        severity=severity,
        confidence=Confidence.FIRM,
        discriminator="method",
    )
