"""`$ref` handling: following references, making them absolute, and loading what they point to.

The loader rewrites every `$ref` to an absolute URI (`file:///abs/api.yaml#/components/...`,
`https://host/x.json#/...`) so a reference can be followed from anywhere without knowing the
document it was written in. Nothing is inlined, so recursive schemas never loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from middlebrick.errors import SpecError

__all__ = [
    "absolutize", "broken_ref", "escape", "follow", "load_documents", "lookup", "pointer_of",
    "resolve_pointer",
]  # fmt: skip

MAX_DOCUMENTS = 50
# Expanded size (values counted once per appearance): bounds YAML alias bombs before anything
# walks the document naively.
MAX_NODES = 2_000_000
# Values of these keys are literal data, never references to rewrite.
LITERAL_KEYS = frozenset({"example", "default", "const", "enum", "x-example"})

Parse = Callable[[bytes, str], Any]
Read = Callable[[str], bytes]


def follow(
    documents: Mapping[str, Any], schema: Mapping[str, Any] | None, *, max_hops: int
) -> Mapping[str, Any]:
    """Follow `$ref`s from `schema` until a non-reference mapping; unknown or looping gives {}."""
    current: Any = schema
    seen: set[str] = set()
    for _ in range(max_hops + 1):
        if not isinstance(current, Mapping):
            return {}
        ref = current.get("$ref")
        if not isinstance(ref, str):
            return current
        if ref in seen:
            return {}
        seen.add(ref)
        current = lookup(documents, ref)
    return {}


def lookup(documents: Mapping[str, Any], ref: str) -> Any:
    """The value an absolute reference points to, or None."""
    uri, fragment = urldefrag(ref)
    if uri in documents:
        node = documents[uri]
    elif not uri and len(documents) == 1:
        # A hand-built spec may keep local refs; with one document there is no ambiguity.
        node = next(iter(documents.values()))
    else:
        return None
    return resolve_pointer(node, unquote(fragment))


def resolve_pointer(node: Any, pointer: str) -> Any:
    """The value at a JSON pointer ("" or "/a/b~1c"), or None when it is not there."""
    if pointer in ("", "/"):
        return node
    if not pointer.startswith("/"):
        return None
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping):
            if part not in node:
                return None
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def escape(token: str) -> str:
    """One JSON pointer token: `~` as `~0`, `/` as `~1`."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer_of(parts: Any) -> str:
    """A JSON pointer from path parts (keys and list indexes)."""
    return "".join(f"/{escape(str(part))}" for part in parts)


def absolutize(document: Any, base_uri: str, *, source: str) -> set[str]:
    """Rewrite every `$ref` in `document` (in place) against `base_uri`; return the URIs used.

    Raises SpecError on a document that refers to itself through YAML aliases or expands
    past MAX_NODES.
    """
    targets: set[str] = set()
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def walk(node: Any, literal: bool) -> int:
        if not isinstance(node, MutableMapping | list):
            return 1
        key = id(node)
        if key in on_path:
            raise SpecError("the document contains itself (recursive YAML alias)", source=source)
        if key in sizes:
            return sizes[key]  # a shared (aliased) node: rewritten once already
        on_path.add(key)
        size = 1
        if isinstance(node, list):
            for item in node:
                size += walk(item, literal)
        else:
            ref = node.get("$ref")
            if not literal and isinstance(ref, str):
                try:
                    node["$ref"] = absolute = urljoin(base_uri, ref)
                    targets.add(urldefrag(absolute)[0])
                except ValueError:  # e.g. "http://[oops": urllib refuses it
                    raise SpecError(f"invalid reference {ref!r}", source=source) from None
            for name, value in node.items():
                size += walk(value, literal or name in LITERAL_KEYS)
        on_path.discard(key)
        sizes[key] = size
        if size > MAX_NODES:
            raise SpecError("the document is too large once YAML aliases are expanded",
                            source=source)
        return size

    walk(document, False)
    return targets


def load_documents(
    main_uri: str, main: Any, *, read: Read, parse: Parse, source: str
) -> dict[str, Any]:
    """The main document and every document its refs reach, by absolute URI, refs absolute."""
    documents: dict[str, Any] = {main_uri: main}
    pending = sorted(absolutize(main, main_uri, source=source))
    origins = {uri: main_uri for uri in pending}
    while pending:
        uri = pending.pop(0)
        if uri in documents or not uri:
            continue
        scheme = urlsplit(uri).scheme
        parent_scheme = urlsplit(origins[uri]).scheme
        if scheme not in ("file", "http", "https"):
            raise SpecError(f"cannot follow a reference to {uri}", source=source)
        if scheme == "file" and parent_scheme != "file":
            # A fetched document must not make the scanner read local files.
            raise SpecError(f"a remote document refers to a local file: {uri}", source=source)
        if len(documents) >= MAX_DOCUMENTS:
            raise SpecError(f"references reach more than {MAX_DOCUMENTS} documents", source=source)
        document = parse(read(uri), uri)
        documents[uri] = document
        for target in sorted(absolutize(document, uri, source=uri)):
            if target not in documents and target not in origins:
                origins[target] = uri
                pending.append(target)
    return documents


def broken_ref(documents: Mapping[str, Any], main_uri: str) -> tuple[str | None, str] | None:
    """The first `$ref` that points nowhere: (its pointer when in the main document, the ref)."""
    for uri, document in documents.items():
        seen: set[int] = set()
        stack: list[tuple[Any, tuple[Any, ...], bool]] = [(document, (), False)]
        while stack:
            node, parts, literal = stack.pop()
            if not isinstance(node, Mapping | list) or id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, list):
                stack.extend((item, (*parts, i), literal) for i, item in enumerate(node))
                continue
            ref = node.get("$ref")
            if not literal and isinstance(ref, str) and lookup(documents, ref) is None:
                return (pointer_of(parts) if uri == main_uri else None), ref
            stack.extend(
                (value, (*parts, key), literal or key in LITERAL_KEYS)
                for key, value in reversed(list(node.items()))
            )
    return None
