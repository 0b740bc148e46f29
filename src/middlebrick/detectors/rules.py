"""The rules behind the scanners: provider matches, what a named value is, bulk counting.

Shared by `scan.py`'s JSON walker and text scanner so both judge a value the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from middlebrick.detectors import patterns as p
from middlebrick.detectors.model import Detection, Kind
from middlebrick.detectors.names import NameClass, classify, credential_name, words
from middlebrick.evidence import mask_secret

_PRESIGNED_PARAM = re.compile(r"(?:credential|awsaccesskeyid|security-token)=[^&\s]*$", re.I)
_CODE_WORDS = frozenset({
    "sku", "code", "ref", "reference", "part", "model", "serial", "version", "order", "invoice",
    "tracking", "zip", "postal", "product", "item", "batch", "lot", "build", "release",
})  # fmt: skip
_NOT_PASSWORDS = frozenset({
    "true", "false", "null", "none", "n/a", "na", "hidden", "redacted", "required", "optional",
    "string", "password", "set", "unset", "yes", "no", "enabled", "disabled",
})  # fmt: skip


def provider_matches(text: str) -> Iterator[tuple[Kind, str, int]]:
    """Provider-format secrets in `text`: (kind, value, offset), samples and pre-signed URLs
    excluded."""
    if not p.PROVIDER_HINT.search(text):
        return
    for kind, pattern in p.PROVIDER_PATTERNS:
        for match in pattern.finditer(text):
            before = text[max(0, match.start(1) - 40) : match.start(1)]
            if p.provider_value_ok(kind, match.group(1)) and not _PRESIGNED_PARAM.search(before):
                yield kind, match.group(1), match.start(1)


def personish(name: str | None) -> bool:
    """Could a value under this name be a person's number (not a product or order code)?"""
    return not name or not set(words(name)) & _CODE_WORDS


def named_kind(
    name: str | None,
    parent: str | None,
    value: str,
    siblings: Mapping[str, Any],
    *,
    number: bool = False,
) -> Kind | None:
    """What a value is, given the name it sits under (None: nothing sensitive)."""
    if not value or p.masked(value):
        return None
    cls = classify(name, parent)
    if credential_name(name) and p.aws_secret(value) and not number:
        return Kind.AWS_SECRET_ACCESS_KEY
    if not number and p.aws_secret(value) and _next_to_key_id(siblings):
        return Kind.AWS_SECRET_ACCESS_KEY
    if cls is NameClass.SESSION_TOKEN and p.SESSION_TOKEN_SHAPE.fullmatch(value):
        return Kind.AWS_SESSION_TOKEN
    if cls is NameClass.PASSWORD_HASH and not number:
        named = p.password_hash(value, named=True) or p.secretish(value, min_length=16)
        return Kind.PASSWORD_HASH if named else None
    if cls is NameClass.PASSWORD and not number:
        if p.password_hash(value, named=True):
            return Kind.PASSWORD_HASH
        plain = 4 <= len(value) <= 256 and not any(c.isspace() for c in value)
        return Kind.PASSWORD if plain and value.lower() not in _NOT_PASSWORDS else None
    if cls in (NameClass.SECRET, NameClass.SESSION_TOKEN) and not number:
        return Kind.SECRET if p.secretish(value, min_length=8) else None
    if cls is NameClass.TOKEN and not number:
        return Kind.API_TOKEN if p.secretish(value, min_length=16) else None
    if cls is NameClass.CARD and p.card_number(value):
        return Kind.CARD_NUMBER
    if cls is NameClass.NATIONAL_ID and p.ssn(value, named=True):
        return Kind.NATIONAL_ID
    return None


def _next_to_key_id(siblings: Mapping[str, Any]) -> bool:
    kind, pattern = p.PROVIDER_PATTERNS[0]
    return any(isinstance(v, str) and pattern.fullmatch(v) for v in siblings.values())


def make(
    kind: Kind,
    value: str,
    *,
    path: str | None = None,
    offset: int | None = None,
    name: str | None = None,
    in_collection: bool = False,
    certain: bool = False,
) -> Detection:
    """A detection with its mask computed from the raw value."""
    return Detection(
        kind=kind,
        masked=mask_secret(value),
        path=path,
        offset=offset,
        name=name,
        in_collection=in_collection,
        self_describing=certain,
        value=value,
    )


class Bulk:
    """Distinct emails and phone numbers of one document; reported only past the threshold."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.seen: dict[Kind, dict[str, tuple[str, str, bool]]] = {Kind.EMAIL: {}, Kind.PHONE: {}}

    def add(self, kind: Kind, value: str, where: str, in_collection: bool) -> None:
        bucket = self.seen[kind]
        if len(bucket) < 10_000:
            bucket.setdefault(value.lower(), (value, where, in_collection))

    def detections(self) -> list[Detection]:
        out: list[Detection] = []
        for kind, bucket in self.seen.items():
            if len(bucket) < self.threshold:
                continue
            first, where, in_collection = next(iter(bucket.values()))
            out.append(
                Detection(
                    kind=kind,
                    masked=mask_secret(first),
                    path=where if where.startswith("$") else None,
                    offset=int(where.split()[1]) if where.startswith("offset") else None,
                    in_collection=in_collection,
                    count=len(bucket),
                    value=first,
                    others=tuple(raw for raw, _, _ in bucket.values()),
                )
            )
        return out
