"""Loading an OpenAPI 2.0 / 3.0 / 3.1 document from a file or URL into the operations model."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

import httpx

from middlebrick.errors import SpecError
from middlebrick.http.decode import ACCEPT_ENCODING, BoundedDecoder
from middlebrick.spec.model import ApiSpec
from middlebrick.spec.operations import Builder
from middlebrick.spec.parse import read_document
from middlebrick.spec.refs import load_documents
from middlebrick.spec.validate import validate_document

__all__ = ["NotOpenApiError", "fetch_url", "load_spec", "parse_spec"]

Fetch = Callable[[str], bytes]
MAX_SPEC_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT = 10.0  # per connect or read
FETCH_DEADLINE = 30.0  # for a whole document
MAX_REDIRECTS = 5
_SERVER_VARIABLE = re.compile(r"\{([^{}]*)\}")


class NotOpenApiError(SpecError):
    """The text parsed, but it is not an OpenAPI document (discovery skips these quietly)."""


def load_spec(source: str, *, fetch: Fetch | None = None, base_url: str | None = None) -> ApiSpec:
    """Load, validate and model an OpenAPI document from a file path or an http(s) URL.

    `base_url` is where the API is served; it gives a relative 3.x server URL a host.
    """
    fetch = fetch or fetch_url
    uri = _source_uri(source)
    data = _read(uri, fetch, source)
    return parse_spec(data, source=source, fetch=fetch, base_url=base_url, uri=uri)


def parse_spec(
    data: bytes | str,
    *,
    source: str,
    fetch: Fetch | None = None,
    base_url: str | None = None,
    uri: str | None = None,
) -> ApiSpec:
    """Validate and model a document already in hand; `source` names it and anchors its refs."""
    fetch = fetch or fetch_url
    uri = urldefrag(uri or _source_uri(source))[0]
    document, lines = read_document(data, source, want_lines=True)
    if not isinstance(document, dict) or not ("openapi" in document or "swagger" in document):
        raise NotOpenApiError("not an OpenAPI document (no `openapi` or `swagger` key)",
                              source=source)
    version = str(document.get("openapi", document.get("swagger")))

    def parse(raw: bytes, where: str) -> Any:
        return read_document(raw, where)[0]

    try:
        documents = load_documents(
            uri, document, read=lambda target: _read(target, fetch, source), parse=parse,
            source=source,
        )
        validate_document(document, documents, version=version, uri=uri, source=source)
        builder = Builder(document, documents, lines)
        servers = _servers(document, uri if base_url is None else base_url)
        return ApiSpec(
            source=source,
            version=version,
            document=document,
            operations=builder.operations(),
            servers=servers,
            base_path=_base_path(document, servers),
            security_schemes=_security_schemes(document, builder),
            documents=documents,
        )
    except RecursionError:  # walkers recurse: a document nested ~1000 deep is an attack
        raise SpecError("the document nests too deeply", source=source) from None


def fetch_url(url: str, *, verify: bool = True) -> bytes:
    """GET a document: at most 30 s, 5 redirects and 10 MiB once decoded; errors as SpecError."""
    started = time.monotonic()
    try:
        with httpx.Client(
            timeout=FETCH_TIMEOUT,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            verify=verify,
            headers={"Accept-Encoding": ACCEPT_ENCODING},
        ) as client, client.stream("GET", url) as response:
            if response.status_code != 200:
                raise SpecError(f"HTTP {response.status_code} fetching the document", source=url)
            decoder = BoundedDecoder(response.headers.get("content-encoding", ""), MAX_SPEC_BYTES)
            chunks: list[bytes] = []
            for chunk in response.iter_raw():
                chunks.append(decoder.feed(chunk))
                if decoder.truncated:
                    raise SpecError("the document is larger than 10 MiB", source=url)
                if time.monotonic() - started > FETCH_DEADLINE:
                    # Each read has its own timeout; a server dripping bytes must not outlast it.
                    raise SpecError(f"the document took over {FETCH_DEADLINE:.0f}s", source=url)
            return b"".join(chunks)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        reason = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        raise SpecError(f"cannot fetch the document ({reason})", source=url) from None


def _source_uri(source: str) -> str:
    try:
        scheme = urlsplit(source).scheme
    except ValueError as exc:  # "http://[oops"
        raise SpecError(f"not a valid URL ({exc})", source=source) from None
    if scheme in ("http", "https", "file"):
        return source
    return Path(source).expanduser().resolve().as_uri()


def _read(uri: str, fetch: Fetch, source: str) -> bytes:
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return fetch(uri)
    where = url2pathname(parts.path)
    try:
        with open(where, "rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read {where}: {exc.strerror or exc}", source=source) from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(f"{where} is larger than 10 MiB", source=source)
    return data


def _servers(document: Mapping[str, Any], anchor: str) -> tuple[str, ...]:
    anchored = urlsplit(anchor).scheme in ("http", "https")
    if "swagger" in document:
        host = document.get("host")
        base = str(document.get("basePath") or "")
        if not isinstance(host, str):
            return (urljoin(anchor, base or "/"),) if anchored else ()
        schemes = document.get("schemes") or [urlsplit(anchor).scheme if anchored else "https"]
        return tuple(f"{scheme}://{host}{base}" for scheme in schemes)
    servers = []
    for server in document.get("servers") or []:
        if isinstance(server, Mapping) and isinstance(server.get("url"), str):
            url = _substitute(server["url"], server.get("variables"))
            try:
                urlsplit(url)
            except ValueError:
                continue  # "http://[oops" is no server; the audit reports bad server URLs
            servers.append(urljoin(anchor, url) if anchored else url)
    return tuple(servers)


def _substitute(url: str, variables: Any) -> str:
    defaults = variables if isinstance(variables, Mapping) else {}

    def value(match: re.Match[str]) -> str:
        variable = defaults.get(match.group(1))
        default = variable.get("default") if isinstance(variable, Mapping) else None
        return str(default) if default is not None else ""

    return _SERVER_VARIABLE.sub(value, url)


def _base_path(document: Mapping[str, Any], servers: tuple[str, ...]) -> str:
    if "swagger" in document:
        path = str(document.get("basePath") or "")
    elif servers:
        path = urlsplit(servers[0]).path
    else:
        path = ""
    path = re.sub(r"/{2,}", "/", path).rstrip("/")
    return path if not path or path.startswith("/") else f"/{path}"


def _security_schemes(
    document: Mapping[str, Any], builder: Builder
) -> dict[str, Mapping[str, Any]]:
    if "swagger" in document:
        raw = document.get("securityDefinitions")
    else:
        components = document.get("components")
        raw = components.get("securitySchemes") if isinstance(components, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    return {str(name): builder.resolve(scheme) for name, scheme in raw.items()}
