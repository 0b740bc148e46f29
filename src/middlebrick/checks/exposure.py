"""Secrets and personal data in responses: password hashes, plaintext passwords, private and
API keys, other users' tokens, card numbers, national ids, and emails or phone numbers in bulk.

Every response the exploration saw goes through the detectors (`middlebrick.detectors`). What
the caller legitimately gets back is left alone: the token a login issues, the key a creation
returns once, the values the caller just sent. Other people's records are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from middlebrick.checks.base import CheckContext, check
from middlebrick.checks.exposure_support import (
    detections,
    endpoint_key,
    join_masked,
    redacted,
    sent_by_caller,
)
from middlebrick.checks.headers import sent_credentials
from middlebrick.detectors import Detection, Kind, detect_json, is_personal
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

# Credentials a response may hand to its own caller: a login's token, a new API key's secret.
_ISSUABLE = frozenset({
    Kind.API_TOKEN, Kind.JWT, Kind.SECRET, Kind.PRIVATE_KEY, Kind.GITHUB_TOKEN,
    Kind.STRIPE_SECRET_KEY, Kind.SLACK_TOKEN, Kind.GOOGLE_API_KEY,
})  # fmt: skip
MIN_RECORDS = 5  # records of personal data that make a list "bulk"
MAX_REPLAYS = 6


@dataclass(slots=True)
class _Group:
    exchange: Exchange
    every: list[Detection]  # everything found in that exchange, to mask it all in evidence
    found: list[Detection] = field(default_factory=list)
    anonymous: bool = False


def _relevant(ctx: CheckContext, x: Exchange, d: Detection) -> bool:
    if d.kind.aws:
        return False  # exposure.aws-credentials reports these
    if d.kind in {Kind.JWT, Kind.API_TOKEN} and not d.in_collection:
        return False  # the caller's own session or key; other users' tokens come in lists
    if d.kind in _ISSUABLE and x.method != "GET" and not d.in_collection:
        return False  # issued to the caller by this very request (login, key creation)
    # An echo of what the caller sent is not a disclosure (for bulk kinds: only if all are).
    echoed = [sent_by_caller(x, value) for value in d.values()]
    return not (all(echoed) if d.count > 1 else any(echoed))


@check(
    "exposure.sensitive-data",
    category=Category.DATA_EXPOSURE,
    severity=Severity.HIGH,
    confidence=Confidence.FIRM,
    cwe=200,
    remediation=(
        "Return an explicit view, never the stored item: build the response from an allow-list "
        "(`{k: item[k] for k in PUBLIC_FIELDS}`, a marshmallow/pydantic schema with only the "
        "public fields) instead of `jsonify(item)` on what DynamoDB's `get_item`/`scan` "
        "returned, or use a `ProjectionExpression` so secrets never leave the table. Never "
        "return password hashes, keys or tokens; return only the last four digits of a card "
        "and mask national ids; move server secrets (API keys, private keys) to AWS Secrets "
        "Manager or SSM Parameter Store and rotate any that were exposed."
    ),
)
async def sensitive_data(ctx: CheckContext) -> list[Finding]:
    """Sensitive data in API responses (secrets, password hashes, personal data)

    Responses carry values the caller has no need for: password hashes (crackable offline),
    plaintext passwords, private keys and API secrets, other users' tokens, payment card
    numbers, national ids, or many people's emails and phone numbers.
    """
    groups: dict[tuple[str, str, Kind], _Group] = {}
    for x in ctx.exchanges:
        if not 200 <= x.status < 300:
            continue
        every = detections(x)
        for d in every:
            if not _relevant(ctx, x, d):
                continue
            method, path = endpoint_key(x)
            group = groups.setdefault((method, path, d.kind), _Group(x, every))
            if group.exchange is x:
                group.found.append(d)
            group.anonymous |= not sent_credentials(ctx, x)
    return [_finding(ctx, key, group) for key, group in groups.items()]


def _finding(ctx: CheckContext, key: tuple[str, str, Kind], group: _Group) -> Finding:
    method, path, kind = key
    x = group.exchange
    count = sum(d.count for d in group.found)
    bulk = kind in {Kind.EMAIL, Kind.PHONE}
    if all(d.self_describing for d in group.found) or kind is Kind.CARD_NUMBER:
        confidence = Confidence.CERTAIN  # the format itself says what it is (Luhn for cards)
    elif bulk and not group.anonymous:
        confidence = Confidence.TENTATIVE  # the caller may be an admin who needs the list
    else:
        confidence = Confidence.FIRM
    who = "an anonymous request" if group.anonymous else "the scan's user"
    noun = f"{count} {kind.plural}" if count > 1 else kind.label
    description = (
        f"{method} {path} returned {noun} to {who}: {join_masked(group.found)}. " + _WHY[kind]
    )
    return ctx.finding(
        exchange=redacted(x, group.every),
        operation=x.operation,
        title=f"{noun[0].upper()}{noun[1:]} exposed by {method} {path}",
        description=description,
        severity=kind.severity,
        confidence=confidence,
        discriminator=kind.value,
        note=f"{noun} (masked here)",
    )


_WHY = {
    Kind.PASSWORD_HASH: "Hashes can be cracked offline, fast for weak passwords, and reused on "
    "other sites; no API client needs them.",
    Kind.PASSWORD: "Plaintext passwords must never be stored, let alone returned.",
    Kind.SECRET: "A server-side secret lets its holder forge sessions or call other services "
    "as this application.",
    Kind.API_TOKEN: "Other users' API keys or tokens let the caller act as them.",
    Kind.JWT: "Other users' tokens let the caller act as them until they expire.",
    Kind.PRIVATE_KEY: "A private key lets its holder decrypt traffic or sign as its owner.",
    Kind.GITHUB_TOKEN: "A GitHub token gives access to source code and CI secrets.",
    Kind.STRIPE_SECRET_KEY: "A live Stripe key can move money and read customers' data.",
    Kind.SLACK_TOKEN: "A Slack token reads and posts in the workspace.",
    Kind.GOOGLE_API_KEY: "An unrestricted Google API key can be abused at the owner's expense.",
    Kind.CARD_NUMBER: "Full card numbers must never leave the payment processor (PCI DSS).",
    Kind.NATIONAL_ID: "National ids enable identity theft and are regulated personal data.",
    Kind.EMAIL: "Many people's addresses are personal data (GDPR) and feed phishing campaigns.",
    Kind.PHONE: "Many people's phone numbers are personal data and feed fraud and SIM swaps.",
}


# -- anonymous bulk data ----------------------------------------------------------------------
def personal_records(document: Any) -> int:
    """How many records of the largest list in a JSON document hold personal data."""
    best = 0
    for records in _lists(document, depth=0):
        count = sum(1 for r in records[:200] if isinstance(r, dict) and _personal(r))
        best = max(best, count)
    return best


def _lists(value: Any, depth: int) -> Iterator[list[Any]]:
    if depth > 4:
        return
    if isinstance(value, list):
        yield value
        for item in value[:1]:
            yield from _lists(item, depth + 1)
    elif isinstance(value, dict):
        for child in value.values():
            yield from _lists(child, depth + 1)


def _personal(record: dict[str, Any]) -> bool:
    if any(is_personal(k) and v not in (None, "", [], {}) for k, v in record.items()):
        return True
    return any(d.kind.personal for d in detect_json(record, bulk=1))


@check(
    "exposure.anonymous-bulk-data",
    category=Category.DATA_EXPOSURE,
    severity=Severity.HIGH,
    confidence=Confidence.CERTAIN,
    cwe=359,
    remediation=(
        "Require authentication on the list endpoint (a `@login_required`-style decorator or a "
        "`before_request` hook that returns 401 without a valid token) and scope it: return "
        "only the caller's own records (a DynamoDB `Query` on the owner's key rather than a "
        "`Scan`), only the fields the client needs, and page the results (`Limit` plus "
        "`ExclusiveStartKey`)."
    ),
)
async def anonymous_bulk_data(ctx: CheckContext) -> list[Finding]:
    """Personal data of many people served to anonymous callers

    A list endpoint answers a request without any credentials with many records holding
    personal data (emails, phone numbers, addresses, birth dates): anyone can harvest them.
    """
    findings: list[Finding] = []
    done: set[tuple[str, str]] = set()
    for x in ctx.exchanges:
        key = endpoint_key(x)
        if x.method != "GET" or not 200 <= x.status < 300 or key in done:
            continue
        if personal_records(x.json()) < MIN_RECORDS or len(done) >= MAX_REPLAYS:
            continue
        done.add(key)
        anon = x
        if sent_credentials(ctx, x):  # ask again with no credentials at all
            anon = await ctx.request("GET", x.url, identity=None, operation=x.operation)
        records = personal_records(anon.json()) if 200 <= anon.status < 300 else 0
        if records < MIN_RECORDS:
            continue
        findings.append(
            ctx.finding(
                exchange=redacted(anon, detections(anon)),
                operation=x.operation,
                title=f"{records} records of personal data served anonymously by {key[0]} {key[1]}",
                note=f"no credentials sent; {records} records with personal fields came back",
            )
        )
    return findings
