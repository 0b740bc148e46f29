"""Where the document sends clients: plain-HTTP servers and non-production hosts."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from middlebrick.audit.document import AuditDocument, Node
from middlebrick.audit.rule import Issue, rule
from middlebrick.models import Severity
from middlebrick.spec.model import HTTP_METHODS

_VARIABLE = re.compile(r"\{([^{}]*)\}")
# Host labels (split on "." and "-") that name a non-production environment.
_ENVIRONMENT = frozenset({
    "staging", "stage", "stg", "dev", "develop", "development", "test", "testing", "qa", "uat",
    "sandbox", "preprod", "local", "localhost", "internal", "intranet",
})  # fmt: skip
# Top-level labels that never reach the public internet (RFC 2606, RFC 6762, common LANs).
_PRIVATE_TLDS = frozenset({"test", "invalid", "localhost", "local", "internal", "lan", "corp",
                           "home", "intranet"})


@dataclass(frozen=True, slots=True)
class Server:
    node: Node  # the server object (3.x) or the `schemes` entry (2.0)
    scheme: str
    host: str
    host_node: Node  # where the host is written: the server object, or 2.0's `host`


def servers(doc: AuditDocument) -> Iterator[Server]:
    """Every absolute server the document names, with its variables at their defaults."""
    if doc.v2:
        host = doc.root.child("host")
        if not isinstance(host.value, str):
            return
        name = urlsplit(f"//{host.value}").hostname or ""
        schemes = list(doc.root.child("schemes").elements())
        for entry in schemes:
            yield Server(node=entry, scheme=str(entry.value).lower(), host=name, host_node=host)
        if not schemes:
            yield Server(node=host, scheme="", host=name, host_node=host)
        return
    lists = [doc.root.child("servers")]
    for _, raw_item in doc.root.child("paths").items():
        item = doc.deref(raw_item)
        lists.append(item.child("servers"))
        lists += [item.child(method, "servers") for method in HTTP_METHODS]
    for entries in lists:
        for entry in entries.elements():
            url = _substitute(entry.mapping())
            parts = urlsplit(url)
            if parts.scheme and parts.hostname:
                yield Server(node=entry, scheme=parts.scheme.lower(), host=parts.hostname,
                             host_node=entry)


def _substitute(server: Mapping[str, object]) -> str:
    url = server.get("url")
    variables = server.get("variables")
    defaults = variables if isinstance(variables, Mapping) else {}

    def value(match: re.Match[str]) -> str:
        variable = defaults.get(match.group(1))
        default = variable.get("default") if isinstance(variable, Mapping) else None
        return str(default) if default is not None else ""

    return _VARIABLE.sub(value, url) if isinstance(url, str) else ""


def host_kind(host: str) -> str | None:
    """Why a host is not a production address: loopback, private network, or its name."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        labels = host.split(".")
        if labels[-1] == "localhost":
            return "a loopback address"
        if labels[-1] in _PRIVATE_TLDS:
            return "a local or private name"
        words = {w for label in labels[:-1] for w in label.split("-")}
        found = sorted(words & _ENVIRONMENT)
        return f"a {found[0]} environment" if found else None
    if address.is_loopback or address.is_unspecified:
        return "a loopback address"
    if address.is_private or address.is_link_local:
        return "a private network address"
    return None


@rule(
    "spec.http-server",
    severity=Severity.MEDIUM,
    cwe=319,
    owasp="API8:2023",
    remediation=(
        "Fix the document and the deployment: list only `https://` server URLs (OpenAPI 3 "
        "`servers`, or `schemes: [https]` in 2.0), serve the API over TLS only, and redirect "
        "or refuse plain HTTP (e.g. at the load balancer, plus `Strict-Transport-Security`)."
    ),
)
def http_server(doc: AuditDocument) -> Iterator[Issue]:
    """A server is reachable over plain HTTP

    Clients following the document send requests, and with them their credentials, in clear
    text that anyone on the path can read and change.
    """
    schemes = bool(doc.security_schemes().mapping())
    for server in servers(doc):
        if server.scheme != "http" or host_kind(server.host) == "a loopback address":
            continue
        carried = "bearer tokens, API keys or passwords" if schemes else "every request"
        yield Issue(
            node=server.node,
            severity=Severity.MEDIUM if schemes else Severity.LOW,
            description=(
                f"The document lists http://{server.host}: {carried} would cross the network "
                "unencrypted."
            ),
        )


@rule(
    "spec.non-production-server",
    severity=Severity.LOW,
    cwe=200,
    owasp="API9:2023",
    hygiene=True,
    remediation=(
        "Fix the document you publish: list only the production server URLs in `servers` (or "
        "`host`), and keep staging, development and internal addresses in a separate, "
        "unpublished document or in server variables your build fills in per environment."
    ),
)
def non_production_server(doc: AuditDocument) -> Iterator[Issue]:
    """The document points at a non-production server

    A published document naming localhost, private addresses or staging/dev/test hosts leaks
    internal topology, and clients following it talk to the wrong environment.
    """
    for server in servers(doc):
        kind = host_kind(server.host)
        if kind is not None:
            yield Issue(
                node=server.host_node,
                description=f"The document lists {server.host}, {kind}.",
            )
