"""API documentation and admin consoles anyone can open, and deprecated operations still live.

Documentation is recognised by what it is, never by its path alone: an OpenAPI document has an
`openapi`/`swagger` key, Swagger UI and ReDoc pages load their bundles, an admin console says
so in its title. The Werkzeug console is flask.werkzeug-debugger's.
"""

from __future__ import annotations

import re

from middlebrick.checks.base import CheckContext, check
from middlebrick.checks.inventory_support import relative_path
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.discover import DISCOVERY_PATHS

DOC_UI_PATHS: tuple[str, ...] = (
    "/docs", "/swagger-ui", "/swagger-ui.html", "/swagger", "/redoc", "/apidocs/", "/api/docs",
)  # fmt: skip
ADMIN_PATHS: tuple[str, ...] = ("/admin", "/admin/")
_YAML_SPEC = re.compile(rb"^(?:openapi|swagger)\s*:\s*['\"]?\d", re.M)
# What the pages load, not words a catch-all page might echo from the requested path.
_UI_MARKERS = (
    (b"SwaggerUIBundle", "Swagger UI"),
    (b"swagger-ui-bundle", "Swagger UI"),
    (b"swagger-ui.css", "Swagger UI"),
    (b"<redoc", "ReDoc"),
    (b"redoc.standalone", "ReDoc"),
    (b"Redoc.init", "ReDoc"),
)
_ADMIN_TITLE = re.compile(rb"<title[^>]*>[^<]{0,120}\b(?:admin|administration)\b", re.I)
_ADMIN_MARKERS = (b"Flask-Admin", b"flask_admin", b"/admin/static/", b"Django administration")


def _ui(x: Exchange) -> str | None:
    if not 200 <= x.status < 300 or "html" not in x.content_type:
        return None
    body = x.body[:65536]
    return next((name for marker, name in _UI_MARKERS if marker in body), None)


def _admin(x: Exchange) -> bool:
    if not 200 <= x.status < 300 or "html" not in x.content_type:
        return False
    body = x.body[:65536]
    return any(m in body for m in _ADMIN_MARKERS) or bool(_ADMIN_TITLE.search(body))


def is_spec_document(x: Exchange) -> bool:
    """Does this answer carry an OpenAPI/Swagger document?"""
    if not 200 <= x.status < 300:
        return False
    document = x.json()
    if isinstance(document, dict):
        return "openapi" in document or "swagger" in document
    return bool(_YAML_SPEC.search(x.body[:65536]))


@check(
    "inventory.exposed-documentation",
    category=Category.INVENTORY,
    severity=Severity.INFO,
    confidence=Confidence.CERTAIN,
    cwe=200,
    remediation=(
        "If the API is not public, do not serve its documentation publicly: register the "
        "Swagger UI/ReDoc blueprint (flasgger, flask-smorest's `OPENAPI_URL_PREFIX`, "
        "apispec routes) only when `app.config['ENV'] != 'production'`, or protect it with the "
        "same authentication as the API. Admin consoles (Flask-Admin) belong behind "
        "authentication with an admin role check (`is_accessible()`), ideally on an internal "
        "network only."
    ),
)
async def exposed_documentation(ctx: CheckContext) -> list[Finding]:
    """API documentation or admin console publicly reachable

    The OpenAPI document, Swagger UI or ReDoc answers anonymous requests: a map of every
    operation and parameter. That is fine for a public API and worth knowing otherwise. An
    admin console reachable without credentials is worse.
    """
    findings: list[Finding] = []
    spec_paths = [p for p in (relative_path(ctx, ctx.spec.source) if ctx.spec else None,) if p]
    for path in dict.fromkeys([*spec_paths, *DISCOVERY_PATHS[:3]]):
        x = await ctx.request("GET", path, identity=None)
        if is_spec_document(x):
            findings.append(_doc_finding(ctx, x, path, "OpenAPI document"))
            break
    for path in DOC_UI_PATHS:
        x = await ctx.request("GET", path, identity=None)
        if (name := _ui(x)) is not None:
            findings.append(_doc_finding(ctx, x, path, name))
            break
    for path in ADMIN_PATHS:
        x = await ctx.request("GET", path, identity=None)
        if _admin(x):
            findings.append(
                ctx.finding(
                    exchange=x,
                    title=f"Admin console reachable without credentials at {path}",
                    description=(
                        f"GET {path} serves an administration console to an anonymous request. "
                        "Even with a login form it invites password guessing; without one it "
                        "hands over the data."
                    ),
                    severity=Severity.LOW,
                    confidence=Confidence.FIRM,
                    discriminator="admin",
                )
            )
            break
    return findings


def _doc_finding(ctx: CheckContext, x: Exchange, path: str, what: str) -> Finding:
    return ctx.finding(
        exchange=x,
        title=f"{what} publicly reachable at {path}",
        description=(
            f"GET {path} returns the {what} to an anonymous request: every operation, parameter "
            "and schema of the API. Intended for a public API; for an internal one it is a map "
            "for attackers."
        ),
        discriminator=what,
    )


@check(
    "inventory.deprecated-operation",
    category=Category.INVENTORY,
    severity=Severity.LOW,
    confidence=Confidence.CERTAIN,
    cwe=1059,
    remediation=(
        "Retire deprecated operations on a schedule: announce a sunset date (`Deprecation` and "
        "`Sunset` response headers), watch who still calls them, then remove the Flask route "
        "and its document entry. Until then keep them under the same authentication, "
        "validation and rate limits as their replacements."
    ),
)
async def deprecated_operation(ctx: CheckContext) -> list[Finding]:
    """Deprecated operation still answering

    The document marks the operation deprecated, yet it still serves requests: deprecated
    code paths tend to miss the fixes and checks of their replacements.
    """
    findings: list[Finding] = []
    for op in ctx.operations:
        if not op.deprecated:
            continue
        served = [x for x in ctx.exchanges if x.operation is op and 200 <= x.status < 300]
        if served:
            findings.append(
                ctx.finding(
                    exchange=served[0],
                    operation=op,
                    title=f"Deprecated operation {op.method} {op.path} still answers",
                    note=f"marked deprecated in the document; answered {served[0].status}",
                )
            )
    return findings
