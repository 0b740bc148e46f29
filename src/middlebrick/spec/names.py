"""Names in paths and payloads: case styles, plurals and path templates."""

from __future__ import annotations

import re

_PARAM = re.compile(r"^\{[^{}/]*\}$")
_CURSOR = re.compile(
    r"^(next|prev|previous|cursor|after|before|continuation|page_?token|next_?token|"
    r"(exclusive_?)?start_?key|last_?evaluated_?key|marker|offset_?token)$|cursor",
    re.IGNORECASE,
)


def is_cursor(name: str) -> bool:
    """Is this parameter an opaque pagination cursor (which a scanner cannot make up)?"""
    return _CURSOR.search(name) is not None


def is_param(segment: str) -> bool:
    """Is this path segment a template parameter (`{order_id}`, or `{}` once normalized)?"""
    return _PARAM.match(segment) is not None


def to_snake(name: str) -> str:
    """`orderId`, `OrderID`, `order-id` -> `order_id`."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-zA-Z0-9]+", "_", name).strip("_").lower()


def singular(word: str) -> str:
    """`orders` -> `order`, `categories` -> `category` (English enough for path segments)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "uses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 1:
        return word[:-1]
    return word


def normalize(template: str) -> str:
    """A path template with parameter names erased: `/a/{x}/b` -> `/a/{}/b`."""
    return re.sub(r"\{[^{}/]*\}", "{}", template.rstrip("/") or "/")


def collection_of(template: str) -> str:
    """The collection a path's objects belong to: `/orders/{id}` -> `/orders`."""
    parts = normalize(template).split("/")
    if len(parts) > 1 and is_param(parts[-1]):
        parts = parts[:-1]
    return "/".join(parts) or "/"


def noun_of(collection: str | None) -> str | None:
    """The kind of object a collection holds: `/users/{}/orders` -> `order`."""
    for part in reversed((collection or "").split("/")):
        if part and not is_param(part):
            return singular(to_snake(part))
    return None


def template_regex(template: str) -> re.Pattern[str]:
    """A regex a concrete path (or a normalized template) of `template` fully matches."""
    pieces = [
        "[^/]+" if is_param(part) else re.escape(part)
        for part in normalize(template).split("/")
    ]
    return re.compile("/".join(pieces))
