"""Input validation and paginated reads for the hardened twin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request

from middlebrick.lab import common
from middlebrick.lab.dynamodb import DynamoClient
from middlebrick.lab.store import Item, decode_page_token, encode_page_token, from_item

DEFAULT_PAGE = 20
MAX_PAGE = 50


class BadInput(ValueError):
    """The request is malformed; the twin answers 400 with this message."""


def text_arg(
    source: Mapping[str, Any], name: str, max_length: int, *, default: str | None = None
) -> str:
    """A required (or defaulted) string argument of bounded length."""
    value = source.get(name)
    if value is None and default is not None:
        return default
    if not isinstance(value, str) or not 0 < len(value) <= max_length:
        raise BadInput(f"{name} must be a string of 1 to {max_length} characters")
    return value


def int_arg(
    source: Mapping[str, Any], name: str, low: int, high: int, *, default: int | None = None
) -> int:
    """A required (or defaulted) integer argument from `low` to `high`."""
    value = source.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadInput(f"{name} must be an integer from {low} to {high}")
    return value


def json_object(allowed: set[str]) -> dict[str, Any]:
    """The request's JSON object, refused if it holds a field outside `allowed`."""
    body = common.json_body()
    if body is None:
        raise BadInput("the body must be a JSON object")
    if unexpected := sorted(set(body) - allowed):
        raise BadInput(f"unexpected field(s): {', '.join(unexpected)}")
    return body


def page_limit() -> int:
    """The `limit` query parameter: 1 to MAX_PAGE, DEFAULT_PAGE when absent."""
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadInput(f"limit must be an integer from 1 to {MAX_PAGE}")
    return int(raw)


def page(
    client: DynamoClient, params: dict[str, Any], key_names: set[str], *, query: bool = False
) -> tuple[list[Item], str | None]:
    """One page of a Scan (or Query): `limit` items from the `next` cursor, and the next cursor."""
    params = {**params, "Limit": page_limit()}
    if (cursor := request.args.get("next")) is not None:
        start = decode_page_token(cursor, key_names)
        if start is None:
            raise BadInput("next is not a cursor this API returned")
        params["ExclusiveStartKey"] = start
    found = (client.query if query else client.scan)(**params)
    return [from_item(i) for i in found["Items"]], encode_page_token(found.get("LastEvaluatedKey"))
