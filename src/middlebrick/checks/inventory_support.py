"""Paths against the document, and live endpoints against catch-all answers.

A concrete path is documented when it matches a path template of the document (with its base
path, below the target's own path). An endpoint is live only when it answers differently from a
nonsense path next to it: single-page apps and catch-all routes answer 200 to everything.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from middlebrick.checks.base import CheckContext
from middlebrick.http.exchange import Exchange
from middlebrick.spec.model import ApiSpec, Operation
from middlebrick.spec.names import is_param, normalize, template_regex

_TITLE = re.compile(rb"<title[^>]*>([^<]{0,200})</title>", re.I)
MAX_BASELINES = 8


@dataclass(frozen=True, slots=True)
class _Template:
    regex: re.Pattern[str]
    operation: Operation


class Documented:
    """The document's operations, matched by concrete path (relative to the target)."""

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec
        self._templates = [
            _Template(template_regex(spec.base_path + op.path), op) for op in spec.operations
        ]

    def operations_at(self, path: str) -> list[Operation]:
        path = normalize(path.split("?", 1)[0])
        return [t.operation for t in self._templates if t.regex.fullmatch(path)]

    def documented(self, path: str) -> bool:
        return bool(self.operations_at(path))

    def methods_at(self, path: str) -> set[str]:
        return {op.method for op in self.operations_at(path)}

    def operation(self, method: str, path: str) -> Operation | None:
        return next((op for op in self.operations_at(path) if op.method == method.upper()), None)

    def full_paths(self) -> list[str]:
        """Every documented path template with the base path, in document order, once each."""
        return list(dict.fromkeys(self.spec.base_path + op.path for op in self.spec.operations))


def mount_points(spec: ApiSpec | None) -> list[str]:
    """Where the API lives below the target: the root, then the prefix every documented path
    shares (`/api/v3`: a Blueprint's url_prefix, a 2.0 basePath or a 3.x server path), where
    forgotten routes of the same Blueprint live too."""
    if spec is None or not spec.operations:
        return [""]
    # The folders documented paths sit in (`/api/v3` for `/api/v3/pets`), and what they share.
    folders = [(spec.base_path + op.path).rstrip("/").split("/")[:-1] for op in spec.operations]
    shared: list[str] = []
    for parts in zip(*folders, strict=False):
        if len(set(parts)) != 1 or is_param(parts[0]):
            break
        shared.append(parts[0])
    prefix = "/".join(shared).rstrip("/") or spec.base_path.rstrip("/")
    return ["", prefix] if prefix else [""]


def relative_path(ctx: CheckContext, ref: str) -> str | None:
    """`ref` (absolute URL or absolute path) as a path below the target; None if elsewhere."""
    target = urlsplit(ctx.target)
    parts = urlsplit(ref)
    if parts.scheme and (parts.scheme, parts.netloc) != (target.scheme, target.netloc):
        return None
    if not parts.path.startswith("/") or (not parts.scheme and parts.netloc):
        return None
    prefix = target.path.rstrip("/")
    if prefix and not (parts.path == prefix or parts.path.startswith(prefix + "/")):
        return None
    return parts.path[len(prefix) :] or "/"


def _json_shape(value: object) -> tuple[str, ...]:
    if isinstance(value, dict):
        return ("object", *sorted(str(k) for k in value))
    if isinstance(value, list):
        return ("array",)
    return (type(value).__name__,)


def same_shape(a: Exchange, b: Exchange) -> bool:
    """Do two answers look like the same page (same status, type and structure)?"""
    if a.status != b.status or a.content_type != b.content_type:
        return False
    ja, jb = a.json(), b.json()
    if ja is not None or jb is not None:
        return _json_shape(ja) == _json_shape(jb)
    if "html" in a.content_type:
        ta, tb = _TITLE.search(a.body[:4096]), _TITLE.search(b.body[:4096])
        if (ta and ta.group(1).strip()) != (tb and tb.group(1).strip()):
            return False
    # Pages that echo the requested path differ by a few bytes; real pages differ by more.
    return abs(len(a.body) - len(b.body)) <= max(96, len(b.body) // 10)


class Baselines:
    """What the target answers for a nonsense path beside a candidate (one request per folder)."""

    def __init__(self, ctx: CheckContext, identity: str | None = "a") -> None:
        self.ctx = ctx
        self.identity = identity
        self._by_parent: dict[str, Exchange | None] = {}

    async def beside(self, path: str, method: str = "GET") -> Exchange | None:
        parent = path.rstrip("/").rsplit("/", 1)[0]
        key = f"{method} {parent}"
        if key not in self._by_parent:
            if len(self._by_parent) >= MAX_BASELINES:
                return self._by_parent.get(f"{method} ")
            nonsense = f"{parent}/mb-{secrets.token_hex(5)}-nowhere"
            x = await self.ctx.request(method, nonsense, identity=self.identity)
            self._by_parent[key] = x if x.status else None
        return self._by_parent[key]

    async def live(self, x: Exchange, path: str) -> str | None:
        """Whether `x` is a real endpoint: served (2xx), protected (401/403), exists (405)."""
        if x.status in (0, 404, 410) or x.status >= 500 or 300 <= x.status < 400:
            return None
        base = await self.beside(path, x.method)
        if base is not None and same_shape(x, base):
            return None  # a catch-all route answers this way for any path
        if 200 <= x.status < 300:
            return "served"
        if x.status in (401, 403):
            return "protected"
        return "exists" if x.status == 405 else None


def unique(paths: Iterable[str]) -> list[str]:
    """Paths once each, in order, ignoring a trailing slash."""
    out: dict[str, str] = {}
    for path in paths:
        out.setdefault(path.rstrip("/") or "/", path)
    return list(out.values())
