"""Missing authentication: secured operations that serve their data without valid credentials.

The proof is always structural: an anonymous (or invalid-credential, or rewritten) request
that gets a 2xx carrying the same JSON shape user A got. A public page, an empty list or a
generic 200 does not count. Without -H, the operation's declared response schema is the
reference instead. Where the document says nothing about security, an operation counts as
secured once others refuse anonymous callers and its anonymous answer holds A's own objects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from middlebrick.checks.authn_support import (
    credential_variant,
    denied,
    explored_ok,
    ok,
    path_values,
    served_like,
)
from middlebrick.checks.authz import owner_values, principals, records
from middlebrick.checks.base import CheckContext, check
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.refs import resolve_pointer
from middlebrick.spec.values import ValueMaker

if TYPE_CHECKING:
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation

MAX_OPERATIONS = 30
VARIANT_OPERATIONS = 3  # bypasses live in shared middleware: a few operations show them
_GARBAGE = "mb-invalid-credential"
# Liveness and version probes are public by nature even when a document-wide security
# requirement forgot to exempt them.
_PROBE_SEGMENTS = frozenset({
    "health", "healthz", "healthcheck", "ping", "ready", "readyz", "live", "livez", "alive",
    "status", "version",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Variant:
    name: str
    title: str
    how: str


_VARIANTS = {
    v.name: v
    for v in (
        _Variant("invalid-credential", "Any credential value is accepted", "an invalid credential"),
        _Variant("null-credential", "A 'null' credential is accepted", "the credential 'null'"),
        _Variant("trailing-slash", "Authentication bypassed with a trailing slash", "a slash"),
        _Variant("case", "Authentication bypassed by changing the path's case", "upper case"),
        _Variant("head", "Authentication bypassed with HEAD", "the HEAD method"),
        _Variant(
            "method-override",
            "Authentication bypassed with X-HTTP-Method-Override",
            "POST with X-HTTP-Method-Override: GET",
        ),
        _Variant(
            "rewrite-url",
            "Authentication bypassed with X-Original-URL / X-Rewrite-URL",
            "a request for / naming the path in X-Original-URL",
        ),
    )
}
Probe = Callable[[], Awaitable["Exchange | None"]]


def _swap_case(url: str) -> str | None:
    parsed = httpx.URL(url)
    parts = parsed.path.split("/")
    for i, part in enumerate(parts):
        if any(c.isalpha() for c in part):
            parts[i] = part.upper() if part != part.upper() else part.lower()
            return str(parsed.copy_with(path="/".join(parts)))
    return None


def _probes(ctx: CheckContext, ref: Exchange, anon: Exchange) -> dict[str, Probe]:
    """Each bypass attempt, sent only when its turn comes; None when it does not apply."""
    op = ref.operation
    url = httpx.URL(ref.url)

    async def get(target: str, headers: Mapping[str, str], method: str = "GET") -> Exchange:
        return await ctx.request(method, target, identity=None, headers=headers, operation=op)

    async def invalid() -> Exchange:
        return await get(ref.url, credential_variant(ctx, lambda _: _GARBAGE))

    async def null() -> Exchange:
        return await get(ref.url, credential_variant(ctx, lambda _: "null"))

    async def slash() -> Exchange | None:
        if url.path.endswith("/"):
            return None
        return await get(str(url.copy_with(path=url.path + "/")), {})

    async def case() -> Exchange | None:
        swapped = _swap_case(ref.url)
        return await get(swapped, {}) if swapped else None

    async def head() -> Exchange | None:
        x = await get(ref.url, {}, "HEAD")
        # HEAD has no body: its Content-Length must be that of A's answer, not of the refusal.
        length = x.headers.get("content-length", "")
        size = len(ref.body)
        if not (ok(x) and length.isdigit() and size) or int(length) == len(anon.body):
            return None
        return x if abs(int(length) - size) <= 0.2 * size else None

    async def override() -> Exchange | None:
        if op is None or ctx.spec is None or ctx.spec.operation("POST", op.path) is not None:
            return None  # a documented POST would really run
        if not ctx.client.allowed("POST", ref.url, path_values(op, ctx.spec, ref.url)):
            return None
        names = ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")
        headers = dict.fromkeys(names, "GET")
        return await get(ref.url, headers, "POST")

    async def rewrite() -> Exchange:
        target = f"{url.scheme}://{url.netloc.decode('ascii')}/"
        path = url.raw_path.decode("ascii")
        return await get(target, {"X-Original-URL": path, "X-Rewrite-URL": path})

    return {
        "invalid-credential": invalid,
        "null-credential": null,
        "trailing-slash": slash,
        "case": case,
        "head": head,
        "method-override": override,
        "rewrite-url": rewrite,
    }


def _probe_path(op: Operation) -> bool:
    static = [p for p in op.path.strip("/").split("/") if p and not p.startswith("{")]
    return bool(static) and static[-1].lower() in _PROBE_SEGMENTS


def _declared_match(ctx: CheckContext, op: Operation, body: Any) -> bool:
    """Without -H: does an anonymous answer carry the properties the spec declares for 2xx?"""
    if ctx.spec is None:
        return False
    maker = ValueMaker(ctx.spec)
    record = body[0] if isinstance(body, list) and body else body
    if not isinstance(record, Mapping):
        return False
    for status, response in op.responses.items():
        if not status.startswith("2") or response.schema is None:
            continue
        schema = maker.flatten(response.schema)
        if schema.get("type") == "array" or "items" in schema:
            schema = maker.flatten(schema.get("items"))
        declared = set(schema.get("properties") or ())
        if declared and len(declared & set(record)) >= max(2, (len(declared) + 1) // 2):
            return True
    return False


def _open(ctx: CheckContext, op: Operation, x: Exchange, ref: Exchange | None) -> Finding:
    probe = _probe_path(op)
    return ctx.finding(
        exchange=x,
        evidence=[ref] if ref is not None else [],
        operation=op,
        discriminator="anonymous",
        title="Operation documented as secured answers without credentials",
        severity=Severity.INFO if probe else None,
        note=(
            f"no credentials: {x.status} with the same data"
            + (" user A got" if ref is not None else " the spec declares")
            + ("; a liveness/version probe, probably public by design" if probe else "")
        ),
    )


@check(
    "authn.missing-authentication",
    category=Category.AUTHENTICATION,
    severity=Severity.HIGH,
    confidence=Confidence.FIRM,
    cwe=306,
    remediation=(
        "Authenticate every non-public view in one place, and deny by default: a Flask "
        "`@app.before_request` hook that rejects requests without a valid token unless the "
        "endpoint is on an explicit allow-list (`if request.endpoint not in PUBLIC: abort(401)`),"
        " instead of a decorator each view may forget. Validate the credential itself (signature,"
        " expiry, an existing user), never its mere presence; check every method the route "
        "answers (HEAD included); never route on X-Original-URL / X-Rewrite-URL or "
        "X-HTTP-Method-Override from clients; and match paths exactly (`strict_slashes`, no "
        "case-insensitive rewrites in a proxy in front of path-based rules)."
    ),
)
async def missing_authentication(ctx: CheckContext) -> list[Finding]:
    """Secured operation reachable without valid credentials

    An operation that should require authentication serves its data to anonymous callers, to
    any credential value, or through a method or path variant the access check misses.
    """
    findings: list[Finding] = []
    bypasses: dict[str, Finding] = {}
    unsaid: list[tuple[Exchange, Exchange]] = []  # served anonymously, security undocumented
    refused = False  # some other operation refused the anonymous request
    tried = 0
    for ref in explored_ok(ctx)[:MAX_OPERATIONS]:
        op = ref.operation
        if op is None:
            continue
        if not ctx.config.authenticated:
            # Exploration already asked anonymously: the declared schema is the reference.
            if op.secured and _declared_match(ctx, op, ref.json()):
                findings.append(_open(ctx, op, ref, None))
            continue
        anon = await ctx.request("GET", ref.url, identity=None, operation=op)
        refused |= denied(anon)
        if op.secured and served_like(anon, ref):
            findings.append(_open(ctx, op, anon, ref))
            continue
        if served_like(anon, ref) and _unsaid(ctx, op):
            unsaid.append((anon, ref))
        if not denied(anon) or tried >= VARIANT_OPERATIONS:
            continue  # public by design, or enough operations tried for shared bypasses
        tried += 1
        for name, probe in _probes(ctx, ref, anon).items():
            # Any value accepted already says 'null' is: one finding per root cause.
            if name in bypasses or (name == "null-credential" and "invalid-credential" in bypasses):
                continue
            x = await probe()
            if x is None or not (name == "head" or served_like(x, ref)):
                continue
            variant = _VARIANTS[name]
            bypasses[name] = ctx.finding(
                exchange=x,
                evidence=[anon, ref],
                operation=op,
                discriminator=name,
                title=variant.title,
                # HEAD runs the view but shows no body: the length is the only trace of data.
                severity=Severity.MEDIUM if name == "head" else None,
                note=f"without credentials: {anon.status}; with {variant.how}: {x.status} and "
                + ("a Content-Length matching user A's answer" if name == "head" else "A's data"),
            )
    if refused:  # the API authenticates: A's own objects served to anyone were forgotten
        who = principals(ctx.exchanges)
        findings += [_forgotten(ctx, anon, ref) for anon, ref in unsaid if _owned(anon, who.a)]
    return findings + list(bypasses.values())


def _unsaid(ctx: CheckContext, op: Operation) -> bool:
    """Does the document leave the operation's security unsaid (no requirement for it, and no
    explicit `security: []` making it public on purpose)?"""
    if ctx.spec is None or op.secured:
        return False
    node = resolve_pointer(ctx.spec.document, op.pointer) if op.pointer else None
    return not (isinstance(node, Mapping) and "security" in node) and not ctx.spec.document.get(
        "security"
    )


def _owned(x: Exchange, mine: frozenset[str]) -> bool:
    """Does the answer hold objects whose owner-like field names user A?"""
    return bool(mine) and any(
        set(owner_values(r, skip=None).values()) & mine for r in records(x.json())
    )


def _forgotten(ctx: CheckContext, anon: Exchange, ref: Exchange) -> Finding:
    return ctx.finding(
        exchange=anon,
        evidence=[ref],
        discriminator="anonymous",
        title="Operation serves a user's objects without credentials",
        description=(
            "Other operations refuse anonymous callers, but this one answered a request without "
            "any credential with the objects user A owns, exactly as A got them. The OpenAPI "
            "document says nothing about its security, so the check was likely forgotten."
        ),
        note=f"no credentials: {anon.status} with A's own objects; other operations answer "
        "401/403 without credentials",
    )
