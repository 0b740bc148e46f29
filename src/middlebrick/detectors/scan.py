"""Finding sensitive values in a JSON document or a text body, and masking them again.

Pure functions, no I/O: `detect_body` takes what a server sent, `redact` masks what was found.
Bulk kinds (emails, phone numbers) are reported once per document, and only when at least
`bulk` distinct values appear: one address is usually the caller's own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from middlebrick.detectors import patterns as p
from middlebrick.detectors.model import Detection, Kind
from middlebrick.detectors.names import NameClass, classify
from middlebrick.detectors.rules import Bulk, make, named_kind, personish, provider_matches
from middlebrick.evidence import mask_secret

BULK = 3  # distinct emails or phone numbers that make a response a bulk disclosure
MAX_NODES = 20_000
MAX_DEPTH = 32
MAX_TEXT = 512 * 1024
MAX_DETECTIONS = 500
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Query parameters of pre-signed S3/SigV4 URLs: the key id and token are in them on purpose.
_PRESIGNED = re.compile(r"[?&](?:X-Amz-Credential|X-Amz-Signature|AWSAccessKeyId|Signature)=", re.I)
# Only strings that mention something secret are scanned as embedded config text (cheap filter).
_WORTH_SCANNING = re.compile(
    r"pass|pwd|secret|token|key|credential|ssn|card|BEGIN|AKIA|ASIA|\$2[abxy]?\$|pbkdf2|scrypt",
    re.I,
)
# The type descriptors of DynamoDB's wire format (what `client.scan()["Items"]` holds).
_DYNAMODB_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "BOOL", "NULL"})
# `NAME=value`, `name: value`, `"name": "value"` in env files, INI, YAML, logs or HTML.
_ASSIGNMENT = re.compile(
    r"""(?:^|[\s{,;&?"'])(?:export\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]{0,80})["']?[ \t]*[:=][ \t]*"""
    r"""["']?([^\s"'<>&,;]{1,4096})""",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class _Node:
    path: str
    name: str | None
    parent: str | None
    value: Any
    siblings: Mapping[str, Any]
    in_collection: bool


def detect_body(body: bytes | str, content_type: str = "") -> list[Detection]:
    """Detections in a response body: parsed as JSON when it is JSON, scanned as text if not."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    stripped = text.lstrip()
    if "json" in content_type or stripped[:1] in ("{", "["):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict | list):
            return detect_json(document)
    return detect_text(text)


def detect_json(document: Any, *, bulk: int = BULK) -> list[Detection]:
    """Detections in a parsed JSON document, each with its JSON path."""
    found: list[Detection] = []
    people = Bulk(bulk)
    for node in _walk(document):
        if isinstance(node.value, str):
            found.extend(_string_node(node, people))
        elif isinstance(node.value, int) and not isinstance(node.value, bool):
            found.extend(_number_node(node))
        if len(found) >= MAX_DETECTIONS:
            break
    return found + people.detections()


def detect_text(text: str, *, bulk: int = BULK) -> list[Detection]:
    """Detections in a text body (env file, INI, YAML, HTML, a log), each with its offset."""
    text = text[:MAX_TEXT]
    found: list[Detection] = []
    people = Bulk(bulk)
    spans: list[tuple[int, int]] = []
    for kind, value, start in provider_matches(text):
        found.append(make(kind, value, offset=start, certain=True))
        spans.append((start, start + len(value)))
    for match in p.PASSWORD_HASH.finditer(text):
        hashed = match.group(1)
        found.append(make(Kind.PASSWORD_HASH, hashed, offset=match.start(1), certain=True))
        spans.append(match.span(1))
    for match in _ASSIGNMENT.finditer(text):
        start = match.start(2)
        if any(a <= start < b for a, b in spans):
            continue
        if match.group(1).lower().startswith("x-amz-"):
            continue
        named = named_kind(match.group(1), None, match.group(2).strip(), {})
        if named is not None:
            found.append(make(named, match.group(2), offset=start, name=match.group(1)))
            spans.append(match.span(2))
    for match in p.CARD_IN_TEXT.finditer(text):
        if p.card_number(match.group(1)) and not any(a <= match.start() < b for a, b in spans):
            found.append(make(Kind.CARD_NUMBER, match.group(1), offset=match.start(1)))
    for match in p.SSN.finditer(text):
        if p.ssn(match.group(1)) and not any(a <= match.start() < b for a, b in spans):
            found.append(make(Kind.NATIONAL_ID, match.group(1), offset=match.start(1)))
    for match in p.EMAIL.finditer(text):
        if p.email(match.group(1)):
            people.add(Kind.EMAIL, match.group(1), f"offset {match.start(1)}", False)
    for match in p.PHONE_IN_TEXT.finditer(text):
        value = match.group(1)
        if p.phone(value) and sum(c.isdigit() for c in value) >= 10:
            people.add(Kind.PHONE, value, f"offset {match.start(1)}", False)
    return found[:MAX_DETECTIONS] + people.detections()


def redact(text: str, detections: Iterable[Detection]) -> str:
    """`text` with every detected value replaced by its mask (raw and JSON-escaped forms)."""
    values: set[str] = set()
    for detection in detections:
        values.update(detection.values())
    for value in sorted(values, key=len, reverse=True):
        masked = mask_secret(value)
        text = text.replace(value, masked)
        escaped = json.dumps(value)[1:-1]
        if escaped != value:
            text = text.replace(escaped, masked)
    return text


# -- JSON -------------------------------------------------------------------------------------
_Frame = tuple[str, str | None, str | None, Any, Mapping[str, Any], bool, int]


def _walk(document: Any) -> Iterator[_Node]:
    stack: list[_Frame] = [("$", None, None, document, {}, False, 0)]
    seen = 0
    while stack and seen < MAX_NODES:
        path, name, parent, value, siblings, in_list, depth = stack.pop()
        seen += 1
        yield _Node(path, name, parent, value, siblings, in_list)
        if depth >= MAX_DEPTH:
            continue
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _DYNAMODB_TYPES:
            # {"pwd": {"S": "..."}}: a raw DynamoDB attribute value keeps its attribute's name.
            key, child = next(iter(value.items()))
            stack.append((_key_path(path, key), name, parent, child, siblings, in_list, depth + 1))
        elif isinstance(value, dict):
            children: list[_Frame] = [
                (_key_path(path, str(k)), str(k), name, v, value, in_list, depth + 1)
                for k, v in value.items()
            ]
            stack.extend(reversed(children))
        elif isinstance(value, list):
            items: list[_Frame] = [
                (f"{path}[{i}]", name, parent, v, {}, True, depth + 1) for i, v in enumerate(value)
            ]
            stack.extend(reversed(items))


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENT.fullmatch(key) else f"{path}[{json.dumps(key)}]"


def _string_node(node: _Node, people: Bulk) -> list[Detection]:
    value = node.value
    if _PRESIGNED.search(value) and value.startswith(("http://", "https://")):
        return []  # a pre-signed URL carries its key id and signature by design
    found = [_node_detection(node, kind, raw, True) for kind, raw, _ in provider_matches(value)]
    if ("$" in value or "{" in value) and (match := p.PASSWORD_HASH.search(value)):
        found.append(_node_detection(node, Kind.PASSWORD_HASH, match.group(1), True))
    named = None if found else named_kind(node.name, node.parent, value.strip(), node.siblings)
    if named is not None:
        found.append(_node_detection(node, named, value.strip()))
    elif ("\n" in value or "=" in value) and _WORTH_SCANNING.search(value):
        # A config file or env dump inside one string: scan it like a text body.
        known = {d.value for d in found}
        found.extend(
            replace(d, path=node.path, offset=None, in_collection=node.in_collection)
            for d in detect_text(value, bulk=10**9)
            if d.value not in known
        )
    if not found and p.ssn(value) and p.SSN.fullmatch(value.strip()) and personish(node.name):
        found.append(_node_detection(node, Kind.NATIONAL_ID, value.strip()))
    if p.email(value):
        people.add(Kind.EMAIL, value.strip(), node.path, node.in_collection)
    elif p.phone(value, named=classify(node.name) is NameClass.PHONE):
        people.add(Kind.PHONE, value.strip(), node.path, node.in_collection)
    return found


def _number_node(node: _Node) -> list[Detection]:
    text = str(node.value)
    kind = named_kind(node.name, node.parent, text, node.siblings, number=True)
    return [_node_detection(node, kind, text)] if kind is not None else []


def _node_detection(node: _Node, kind: Kind, value: str, certain: bool = False) -> Detection:
    return make(
        kind,
        value,
        path=node.path,
        name=node.name,
        in_collection=node.in_collection,
        certain=certain,
    )
