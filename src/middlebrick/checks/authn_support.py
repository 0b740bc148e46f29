"""What the authentication and abuse checks share: JSON shapes, push-back, credentials.

Proof that a request was served "as if authenticated" is structural: the answer has the same
JSON shape as the answer user A got, not the same bytes (timestamps, ids and order vary).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from middlebrick.spec.names import template_regex
from middlebrick.spec.values import ValueMaker

if TYPE_CHECKING:
    from middlebrick.checks.base import CheckContext
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import ApiSpec, Operation

SHAPE_DEPTH = 5
SHAPE_ITEMS = 5
SAME_SHAPE = 0.6  # Jaccard similarity of key paths above which two answers are "the same kind"
_RATE_HEADER = re.compile(r"^(x-)?rate-?limit|^retry-after$", re.I)
_LOCKOUT = re.compile(
    r"too many|rate.?limit|locked|lockout|try again (later|in)|temporarily (blocked|disabled)|"
    r"slow down|captcha|throttl",
    re.I,
)


def ok(x: Exchange) -> bool:
    return 200 <= x.status < 300


def denied(x: Exchange) -> bool:
    return x.status in (401, 403)


def json_shape(value: Any, prefix: str = "$", depth: int = 0) -> frozenset[str]:
    """The key paths of a JSON value with their types, e.g. {"$.users[].id:str", ...}."""
    paths: set[str] = set()
    if depth > SHAPE_DEPTH:
        return frozenset(paths)
    if isinstance(value, Mapping):
        paths.add(f"{prefix}:object")
        for key, item in value.items():
            paths |= json_shape(item, f"{prefix}.{key}", depth + 1)
    elif isinstance(value, list):
        paths.add(f"{prefix}:array")
        for item in value[:SHAPE_ITEMS]:
            paths |= json_shape(item, f"{prefix}[]", depth + 1)
    else:
        paths.add(f"{prefix}:{_type_name(value)}")
    return frozenset(paths)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "str"


def same_shape(reference: Any, candidate: Any) -> bool:
    """Does `candidate` carry the same kind of data as `reference` (and is there some)?"""
    ref, got = json_shape(reference), json_shape(candidate)
    if len(ref) < 3:  # `{}`, `[]` or one scalar field prove nothing
        return False
    return len(ref & got) / len(ref | got) >= SAME_SHAPE


def served_like(x: Exchange, reference: Exchange) -> bool:
    """A 2xx JSON answer with the shape of the reference (an authenticated 2xx JSON answer)."""
    if not ok(x) or not ok(reference):
        return False
    got, ref = x.json(), reference.json()
    return got is not None and ref is not None and same_shape(ref, got)


def pushed_back(x: Exchange) -> bool:
    """A 429/423 or a lockout message: the service refuses to go on."""
    if x.status in (429, 423):
        return True
    return x.status >= 400 and bool(_LOCKOUT.search(x.text[:2000]))


def rate_limited(x: Exchange) -> bool:
    """Push-back, or rate-limit headers announcing a limit."""
    return pushed_back(x) or any(_RATE_HEADER.search(name) for name in x.headers.keys())


def rate_headers(x: Exchange) -> list[str]:
    return [name for name in x.headers.keys() if _RATE_HEADER.search(name)]


def path_values(op: Operation, spec: ApiSpec | None, url: str) -> tuple[str, ...]:
    """The concrete values of a URL's path parameters (for safe-mode decisions)."""
    path = httpx.URL(url).path
    if spec is not None and spec.base_path and path.startswith(spec.base_path):
        path = path[len(spec.base_path) :]
    names = re.findall(r"\{[^{}/]+\}", op.path)
    if not names:
        return ()
    parts, template = path.strip("/").split("/"), op.path.strip("/").split("/")
    if len(parts) != len(template) or not template_regex(op.path).fullmatch(path):
        return tuple("?" for _ in names)  # unknown: safe mode will treat it as an object
    return tuple(p for p, t in zip(parts, template, strict=True) if t.startswith("{"))


def explored_ok(ctx: CheckContext, identity: str = "a") -> list[Exchange]:
    """One explored 2xx JSON answer to a GET per operation, as `identity` saw it."""
    picked: dict[str, Exchange] = {}
    for x in ctx.exchanges:
        op = x.operation
        if op is None or x.method != "GET" or x.identity != identity or not ok(x):
            continue
        if x.json() is None or op.key in picked:
            continue
        picked[op.key] = x
    return list(picked.values())


def credential_variant(ctx: CheckContext, replace: Callable[[str], str]) -> dict[str, str]:
    """User A's credential headers with each credential value passed through `replace`.

    Without -H, the spec's security schemes say where a credential would go.
    """
    headers: dict[str, str] = {}
    for name, value in ctx.config.headers_a.items():
        lower = name.lower()
        if lower == "authorization":
            scheme, space, token = value.partition(" ")
            headers[name] = f"{scheme} {replace(token)}" if space else replace(value)
        elif lower == "cookie":
            pairs = [p.strip().partition("=") for p in value.split(";") if p.strip()]
            headers[name] = "; ".join(f"{k}={replace(v)}" for k, _, v in pairs)
        else:
            headers[name] = replace(value)
    if headers:
        return headers
    for declared in ctx.spec.security_schemes.values() if ctx.spec else ():
        kind, where, key = declared.get("type"), declared.get("in"), declared.get("name")
        if kind == "apiKey" and where == "header" and key:
            headers[str(key)] = replace("")
        elif kind == "apiKey" and where == "cookie" and key:
            headers["Cookie"] = f"{key}={replace('')}"
    return headers or {"Authorization": f"Bearer {replace('')}"}


def body_properties(spec: ApiSpec, op: Operation) -> dict[str, Mapping[str, Any]]:
    """The top-level properties of an operation's request body, refs followed, allOf merged."""
    if op.request_body is None:
        return {}
    maker = ValueMaker(spec)
    flat = maker.flatten(op.request_body.schema)
    props = flat.get("properties")
    if not isinstance(props, Mapping):
        return {}
    return {str(k): maker.flatten(v) for k, v in props.items() if isinstance(v, Mapping)}


def median(values: Iterable[float]) -> float:
    data = list(values)
    return statistics.median(data) if data else 0.0
