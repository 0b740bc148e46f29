"""DynamoDB table names taken from client input (`scan(TableName=prefix + name)`).

Proof rests on DynamoDB, never on a route: its table-level errors ("Requested resource not
found", "Cannot do operations on a non-existent table", "Invalid table/index name") answer a
name no service has, and another plausible name returns items of another shape, i.e. another
table. Plausible names (`_dynamodb_names`) are the ones replies gave away (ARNs, `Table: x`, a
`tables` list) with the service's own prefix removed, the tables the working one's items refer
to (`owner_id` -> `owners`), then the collections the spec names. An unknown object id
answered with a plain 404 is never taken for a table name.
"""

from __future__ import annotations

from dataclasses import dataclass

from middlebrick.checks._dynamodb import RESOURCE_NOT_FOUND, error_text, similar_shapes
from middlebrick.checks._dynamodb_names import (
    candidates,
    is_tableish,
    referenced_names,
    response_names,
    spec_names,
)
from middlebrick.checks._dynamodb_probe import Point, Prober, Reply
from middlebrick.checks.base import CheckContext, check
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

# Characters valid in a table name, and a name no service has; then one no table can have.
NONSENSE_TABLE = "mbzq7nosuchtable"
INVALID_TABLE = "mb zq7!"
_REQUESTS = 60  # per check
_PER_OPERATION = 12
_POINTS = 16
_OTHERS = 4  # other names tried through one input


def _table_priority(point: Point) -> int:
    if is_tableish(point.name):
        return 0
    return {"path": 1, "query": 2}.get(point.location, 3)


@check(
    "dynamodb.table-name-injection",
    category=Category.INJECTION,
    severity=Severity.HIGH,
    cwe=943,
    remediation=(
        "Never pass client input as `TableName`. Map the few names a client may choose to table "
        "names in code: `TABLES = {'products': os.environ['PRODUCTS_TABLE']}`, then "
        "`table = TABLES.get(name)` and `abort(404)` when it is missing; give the role running "
        "the Flask app IAM permissions only on the tables it serves (`Resource: "
        "arn:aws:dynamodb:<region>:<account>:table/<name>`), and return a generic error from "
        "`@app.errorhandler(ClientError)` so missing tables are not announced."
    ),
)
async def table_name_injection(ctx: CheckContext) -> list[Finding]:
    """DynamoDB table name taken from client input

    The value of a request parameter becomes the DynamoDB table name: DynamoDB's own table-level
    errors answer a name no service has, and other names return other tables' items, so any
    caller can read tables the endpoint was never meant to expose (users, sessions, secrets).
    """
    prober = Prober(ctx, limit=_REQUESTS, per_operation=_PER_OPERATION)
    learned = response_names(ctx.exchanges)
    collections = spec_names(ctx.spec)
    findings: list[Finding] = []
    for point in prober.points(priority=_table_priority, bodies=True, per_operation=3)[:_POINTS]:
        first = await prober.baseline(point)
        base = _Base(point.original, first) if first is not None else None
        if first is not None and not first.ok and point.method == "GET":
            # A made-up usual value ("example") may itself be no table: find one that is.
            base = await _working_name(prober, point, first, learned, collections)
        if base is None or base.reply.status >= 500 or "table" in base.reply.kinds:
            continue
        missing = await prober.send(point, NONSENSE_TABLE)
        if missing is None:
            continue
        proof = _Proof(point=point, base=base, missing=missing)
        if "table" in missing.kinds:
            proof.table_error = missing
        elif missing.status >= 500 or _code_only(base.reply, missing):
            invalid = await prober.send(point, INVALID_TABLE)
            if invalid is not None and "table" in invalid.kinds:
                proof.table_error = invalid
        proof.code_only = proof.table_error is None and _code_only(base.reply, missing)
        if point.method == "GET" and base.reply.ok and base.reply.items and proof.worth_reading:
            learned += response_names([missing.exchange])
            hints = referenced_names(base.reply.shape, base.value)
            others = candidates(
                point, learned, collections, original=base.value, exclude=[point.original],
                hints=hints, limit=_OTHERS,
            )  # fmt: skip
            for name in others:
                reply = await prober.send(point, name)
                if reply is not None and _other_table(base.reply, reply):
                    proof.other = (name, reply)
                    break
        if proof.confidence is not None:
            findings.append(_table_finding(ctx, proof))
    return findings


@dataclass(frozen=True, slots=True)
class _Base:
    value: str
    reply: Reply


async def _working_name(
    prober: Prober, point: Point, base: Reply, learned: list[str], collections: list[str]
) -> _Base | None:
    if "table" not in base.kinds and not (is_tableish(point.name) and base.status >= 500):
        return None
    for name in candidates(point, learned, collections, documented=True, limit=4):
        reply = await prober.send(point, name)
        if reply is not None and reply.ok and reply.items:
            return _Base(name, reply)
    return None


@dataclass(slots=True)
class _Proof:
    """What the probes of one input showed."""

    point: Point
    base: _Base  # a name that works
    missing: Reply  # the reply to a name no service has
    table_error: Reply | None = None  # a reply with DynamoDB's table-level wording
    code_only: bool = False  # ResourceNotFoundException named, without DynamoDB's message
    other: tuple[str, Reply] | None = None  # another name, another table's items

    @property
    def worth_reading(self) -> bool:
        failed = self.missing.status >= 500 or self.code_only
        return self.table_error is not None or failed or is_tableish(self.point.name)

    @property
    def confidence(self) -> Confidence | None:
        if self.table_error is not None:
            return Confidence.CERTAIN if self.other else Confidence.FIRM
        if self.code_only:
            return Confidence.FIRM if self.other else Confidence.TENTATIVE
        # A crash for an unknown name and other items for another name: a table, or a lookup
        # of per-kind settings that crashed; only DynamoDB's wording would tell them apart.
        if self.other is not None and self.missing.status >= 500:
            return Confidence.TENTATIVE
        return None


def _code_only(base: Reply, missing: Reply) -> bool:
    said = RESOURCE_NOT_FOUND.search(error_text(missing.exchange))
    return bool(said) and not RESOURCE_NOT_FOUND.search(error_text(base.exchange))


def _other_table(base: Reply, reply: Reply) -> bool:
    return bool(reply.ok and reply.items and not similar_shapes(base.shape, reply.shape))


def _table_finding(ctx: CheckContext, proof: _Proof) -> Finding:
    point, notes = proof.point, []
    evidence: list[Exchange] = []
    if proof.base.value != point.original:
        notes.append(f'{point.name}="{proof.base.value}" works ({proof.base.reply.status})')
    if proof.table_error is not None:
        value = NONSENSE_TABLE if proof.table_error is proof.missing else INVALID_TABLE
        notes.append(f'{point.name}="{value}" is answered with a DynamoDB table-level error')
        evidence.append(proof.table_error.exchange)
    else:
        said = "ResourceNotFoundException" if proof.code_only else f"a {proof.missing.status}"
        notes.append(f'{point.name}="{NONSENSE_TABLE}" is answered with {said}')
        evidence.append(proof.missing.exchange)
    title = f"DynamoDB table chosen by the {point.location} parameter {point.name!r}"
    if proof.other is not None:
        name, reply = proof.other
        attributes = ", ".join(sorted(reply.shape)[:8])
        notes.append(
            f'{point.name}="{name}" returns {reply.items} items of another table ({attributes})'
        )
        evidence.append(reply.exchange)
        title += f": table {name!r} readable"
    return ctx.finding(
        exchange=evidence[0],
        evidence=evidence[1:],
        operation=point.op,
        endpoint=point.endpoint,
        title=title,
        confidence=proof.confidence,
        discriminator=f"{point.location}:{point.name}",
        note="; ".join(notes),
    )
