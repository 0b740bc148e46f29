"""ssrf.server-side-request: the server fetches a URL the caller supplies.

Parameters that carry URLs (by name, by a `uri`/`url` format, or because their value is one)
are pointed at a canary HTTP listener the scanner runs for the length of the check, one unique
token per probe; a request reaching the canary with that token proves the server fetched it.
The canary listens on 127.0.0.1, so it only proves SSRF against targets on the same host;
other targets are skipped. Cloud metadata addresses are only tried on explicit opt-in
(`ScanConfig.cloud_metadata_probes`), and judged by what the answer contains.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from middlebrick.checks._canary import Canary
from middlebrick.checks.base import CheckContext, check
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.names import to_snake
from middlebrick.spec.values import ValueMaker

if TYPE_CHECKING:
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation

_URL_NAME = re.compile(
    r"(^|_)(url|uri|urls|link|href|callback|webhook|hook|image|img|avatar|icon|logo|photo|"
    r"picture|thumbnail|feed|rss|target|redirect|return|next|src|source|dest|destination|"
    r"endpoint|proxy|fetch|remote|site|website|continue|goto|forward|import|download)($|_)"
)
_CURSOR = re.compile(r"^(next|prev|previous|cursor|after|before|page_?token|next_?token)$")
_URL_FORMATS = frozenset({"uri", "url", "iri", "uri-reference", "iri-reference"})
_URL_VALUE = re.compile(r"^https?://", re.IGNORECASE)
METADATA_URLS = (
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
)
_METADATA_BODY = re.compile(
    r"\b(ami-id|instance-id|instance-type|local-ipv4|security-credentials|iam/info|"
    r"placement/|public-keys/|reservation-id)\b"
)
_MAX_PROBES = 12
_WAIT_S = 1.0  # for fetches made after the answer (webhooks, queues)


@dataclass(frozen=True, kw_only=True, slots=True)
class Slot:
    """Where a URL goes: a parameter or body property of an operation, or an explored query."""

    name: str
    where: str  # "query", "header", "cookie", "body", or "url" (a query string seen in an exchange)
    op: Operation | None = None
    parent: str | None = None  # the body property holding a nested URL property
    url: str | None = None  # for "url": the explored request to repeat


def is_url_name(name: str, schema: Mapping[str, Any] | None = None, value: Any = None) -> bool:
    """Does a parameter look like it carries a URL (its name, format or example value)?"""
    schema = schema or {}
    if schema.get("format") in _URL_FORMATS or (isinstance(value, str) and _URL_VALUE.match(value)):
        return True
    snake = to_snake(name)
    return bool(_URL_NAME.search(snake)) and not _CURSOR.match(snake)


def slots(ctx: CheckContext) -> list[Slot]:
    """Every place a URL can be sent, from the spec and from explored query strings."""
    found: list[Slot] = []
    maker = ValueMaker(ctx.spec) if ctx.spec else None
    for op in ctx.operations:
        for param in op.parameters:
            if param.location != "path" and is_url_name(param.name, param.schema, param.example):
                found.append(Slot(name=param.name, where=param.location, op=op))
        body = op.request_body
        if (
            maker is None
            or body is None
            or not ("json" in body.content_type or "form" in body.content_type)
        ):
            continue
        props = maker.flatten(body.schema).get("properties") or {}
        for name, sub in props.items():
            flat = maker.flatten(sub)
            if is_url_name(name, flat) and flat.get("type", "string") == "string":
                found.append(Slot(name=name, where="body", op=op))
            for inner, deep in (flat.get("properties") or {}).items():
                if is_url_name(inner, maker.flatten(deep)):
                    found.append(Slot(name=inner, where="body", op=op, parent=name))
    for x in ctx.exchanges:
        for name, value in parse_qsl(urlsplit(x.url).query):
            if _URL_VALUE.match(value) and not any(
                s.name == name and s.op is x.operation for s in found
            ):
                found.append(Slot(name=name, where="url", url=x.url, op=x.operation))
    return found


@check(
    "ssrf.server-side-request",
    category=Category.SSRF,
    severity=Severity.HIGH,
    cwe=918,
    confidence=Confidence.CERTAIN,
    remediation=(
        "Do not fetch URLs callers choose. If the feature needs it, allow only https URLs whose "
        "host is on an explicit allow-list, resolve the host yourself and refuse private, "
        "loopback, link-local (169.254.0.0/16, the cloud metadata address) and internal "
        "ranges before connecting (and again after each redirect, or disable redirects), use a "
        "short timeout and a size cap, and run fetches from an egress proxy with no route to "
        "internal services; on AWS require IMDSv2 (`HttpTokens=required`)."
    ),
)
async def server_side_request(ctx: CheckContext) -> list[Finding]:
    """Server-side request forgery (SSRF)

    The server fetches a URL taken from the request: an attacker can make it call internal
    services, cloud metadata endpoints or anything its network reaches.
    """
    places = slots(ctx)[:_MAX_PROBES]
    if not places:
        return []
    findings: list[Finding] = []
    if _loopback(ctx.target):
        findings += await _canary_probes(ctx, places)
    if ctx.config.cloud_metadata_probes:
        findings += await _metadata_probes(ctx, places[:4])
    return findings


async def _canary_probes(ctx: CheckContext, places: list[Slot]) -> list[Finding]:
    sent: dict[str, tuple[Slot, Exchange]] = {}
    async with Canary() as canary:
        for slot in places:
            token = canary.token()
            x = await _send(ctx, slot, canary.url(token))
            if x is not None:
                sent[token] = (slot, x)
        await canary.wait(set(sent), _WAIT_S)
        findings: list[Finding] = []
        for token, (slot, x) in sent.items():
            hits = canary.hits(token)
            if not hits:
                continue
            hit = hits[0]
            full_read = canary.body(token) in x.text
            findings.append(
                ctx.finding(
                    exchange=x,
                    operation=slot.op,
                    discriminator=f"{slot.where}:{slot.parent + '.' if slot.parent else ''}"
                    f"{slot.name}",
                    title=f"Server-side request forgery through {slot.name!r}",
                    description=(
                        f"The server fetched the URL sent in the {slot.where} parameter "
                        f"{slot.name!r}: the scanner's canary received {hit.method} {hit.path} "
                        f"(User-Agent {hit.user_agent or 'none'!r})"
                        + (
                            ", and the answer repeats what the canary served, so the caller "
                            "reads what the server fetched"
                            if full_read
                            else ""
                        )
                        + ". An attacker can make the server call internal services, cloud "
                        "metadata endpoints or anything its network reaches. (The canary "
                        "listens on the scanner's 127.0.0.1, so this proof holds because the "
                        "target runs on the same host.)"
                    ),
                    note=f"canary hit: {hit.method} {hit.path} from {hit.peer}",
                )
            )
    return findings


async def _metadata_probes(ctx: CheckContext, places: list[Slot]) -> list[Finding]:
    for slot in places:
        for url in METADATA_URLS:
            x = await _send(ctx, slot, url)
            if x is None or not 200 <= x.status < 300 or not _METADATA_BODY.search(x.text):
                continue
            return [
                ctx.finding(
                    exchange=x,
                    operation=slot.op,
                    discriminator=f"metadata:{slot.name}",
                    severity=Severity.CRITICAL,
                    title=f"SSRF through {slot.name!r} reaches the cloud metadata service",
                    description=(
                        f"Sending {url} in {slot.name!r} returned the instance metadata "
                        "service's answer: an attacker can read instance details and, through "
                        "iam/security-credentials, the instance role's AWS keys."
                    ),
                    note=f"{url} -> metadata listing in the answer",
                )
            ]
    return []


async def _send(ctx: CheckContext, slot: Slot, url: str) -> Exchange | None:
    if slot.where == "url" and slot.url is not None:
        parts = urlsplit(slot.url)
        query = [(k, url if k == slot.name else v) for k, v in parse_qsl(parts.query)]
        return await ctx.request(
            "GET", parts._replace(query="").geturl(), params=query, operation=slot.op
        )
    if slot.op is None or ctx.spec is None:
        return None
    if slot.parent is not None:
        base = ctx.plan(slot.op).json
        inner = base.get(slot.parent) if isinstance(base, Mapping) else None
        plan = ctx.plan(slot.op, **{slot.parent: {**(inner or {}), slot.name: url}})
    else:
        plan = ctx.plan(slot.op, **{slot.name: url})
    if not ctx.client.allowed(plan.method, plan.path, plan.path_values.values()):
        return None
    return await ctx.send(plan)


def _loopback(target: str) -> bool:
    host = (urlsplit(target).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
