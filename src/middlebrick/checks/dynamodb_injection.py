"""DynamoDB expression and PartiQL injection: client input pasted into the request's text.

Error-based: a stray `)` in an attribute name, or a stray `'` in a PartiQL string, makes
DynamoDB reject the request with its own syntax error. Boolean: an always-true clause widens
the result set while the matching always-false clause leaves it as it was. When a service hides
DynamoDB's words behind a generic error, two pairs of payloads must agree: one harmless only in
DynamoDB's grammar (` name`, `(name)`; `x''`) behaves like the valid request, its broken twin
(`name)`, `name =`; `x'`) fails, so a value merely refused by validation never counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from middlebrick.checks._dynamodb import error_text
from middlebrick.checks._dynamodb_probe import Point, Prober, Reply
from middlebrick.checks.base import CheckContext, check
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.names import to_snake

_REQUESTS = 70  # per check
_PER_OPERATION = 16
_POINTS = 14
_REFUSED = frozenset({400, 422})  # "bad request": not 404, which a changed id earns anyway
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,63}")
# An attribute name heading a structured value: `attr:value`, `attr=value`, `attr,desc`,
# `attr>10`, `attr desc`; the separator and the rest are kept as the service expects them.
_STRUCTURED = re.compile(r"([A-Za-z_][A-Za-z0-9_.]{0,63})([:=,;|<>! ~].{0,200})", re.DOTALL)
_EXPRESSION = re.compile(
    r"\b(KeyCondition|Filter|Condition|Projection|Update) ?Expression\b|"
    r"\b(Query) (?:key )?condition"
)
_NAMEISH = re.compile(
    r"(?:^|_)(?:field|fields|attr|attribute|attributes|column|columns|sort|sort_by|order_by|by|"
    r"key|filter|where|condition|cond|expr|expression|projection|select|property|prop|name|"
    r"date_field|index)$"
)
_TEXTISH = re.compile(r"(?:^|_)(?:q|query|search|term|text|keyword|keywords|name|title|filter|"
                      r"like|contains|prefix|match|find|lookup)$")  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Hit:
    evidence: tuple[Exchange, ...]
    how: str
    confidence: Confidence
    widened: bool = False


def _expression_priority(point: Point) -> int:
    if _NAMEISH.search(to_snake(point.name)):
        return 0
    return {"query": 1, "path": 3}.get(point.location, 4)


def _partiql_priority(point: Point) -> int:
    if _TEXTISH.search(to_snake(point.name)):
        return 0
    return {"query": 1, "path": 3}.get(point.location, 4)


@check(
    "dynamodb.expression-injection",
    category=Category.INJECTION,
    severity=Severity.HIGH,
    cwe=943,
    remediation=(
        "Never build `KeyConditionExpression`, `FilterExpression`, `ConditionExpression`, "
        "`ProjectionExpression` or `UpdateExpression` strings from request input. Use "
        "`boto3.dynamodb.conditions` (`Key('owner_id').eq(uid) & Key(field).gte(since)`, "
        "`Attr(field).eq(value)`), or placeholders: `ExpressionAttributeNames={'#f': field}` "
        "and `ExpressionAttributeValues={':v': value}` with `'#f = :v'` in the expression, and "
        "accept only attribute names from an allow-list (`if field not in {'category', "
        "'name'}: abort(400)`)."
    ),
)
async def expression_injection(ctx: CheckContext) -> list[Finding]:
    """DynamoDB expression built from client input

    A request parameter is pasted into a DynamoDB condition, filter, key condition, projection
    or update expression: callers can filter on any attribute, break the expression, or add an
    always-true clause that returns items the endpoint is meant to hide.
    """
    prober = Prober(ctx, limit=_REQUESTS, per_operation=_PER_OPERATION)
    findings: list[Finding] = []
    for point in prober.points(priority=_expression_priority, bodies=True)[:_POINTS]:
        base = await prober.baseline(point)
        if base is None or base.status >= 500 or "expression" in base.kinds:
            continue
        slot = _name_slot(point.original)
        hit = await _expression_errors(prober, point, base, slot)
        widened = await _widened(prober, point, base, _expression_pairs(slot))
        if widened is not None:
            evidence = (hit.evidence if hit else ()) + widened.evidence
            how = f"{hit.how}; {widened.how}" if hit else widened.how
            hit = _Hit(evidence, how, Confidence.CERTAIN, widened=True)
        if hit is not None:
            findings.append(_finding(ctx, point, hit, _expression_title(point, hit)))
    return findings


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where an attribute name sits in a value: all of it (`category`), or the head of a
    structured one (`urgency` in `urgency:routine`, `price` in `price>10`, `name,asc`)."""

    name: str
    rest: str = ""

    def __call__(self, text: str) -> str:
        """The value with the name replaced by `text`."""
        return text + self.rest


def _name_slot(value: str) -> _Slot:
    if _IDENTIFIER.fullmatch(value):
        return _Slot(value)
    head = _STRUCTURED.fullmatch(value)
    return _Slot(head.group(1), head.group(2)) if head else _Slot(value)


async def _expression_errors(prober: Prober, point: Point, base: Reply, slot: _Slot) -> _Hit | None:
    value = slot.name
    broken = await prober.send(point, slot(f"{value})"))
    if broken is None or broken.status == base.status and broken.kinds == base.kinds:
        return None  # a parenthesis changes nothing: the value is no expression text
    if "expression" in broken.kinds:
        return _Hit((broken.exchange,), f'{point.name}="{slot(value + ")")}" breaks the '
                    "expression", Confidence.CERTAIN)  # fmt: skip
    reserved = await prober.send(point, slot("status"))
    if reserved is not None and "expression" in reserved.kinds:
        how = f'{point.name}="{slot("status")}" is refused as a reserved word inside the expression'
        return _Hit((reserved.exchange,), how, Confidence.CERTAIN)
    if not (base.ok and broken.status >= 500):
        return None
    # No DynamoDB wording: equivalent spellings must pass and a second breakage must fail.
    pairs = [(f" {value}", f"{value} ="), (f"({value})", f"{value} (")]
    evidence: list[Exchange] = [broken.exchange]
    for same, other in pairs:
        fine, bad = await prober.send(point, slot(same)), await prober.send(point, slot(other))
        if fine is None or bad is None or fine.status != base.status or bad.status < 500:
            return None
        evidence.append(bad.exchange)
    how = (f'{point.name}="{slot(value + ")")}", "{slot(value + " =")}" and "{slot(value + " (")}" '
           f'fail ({broken.status}) while "{slot(" " + value)}" and "{slot(f"({value})")}", the '
           "same in DynamoDB's grammar, succeed")  # fmt: skip
    return _Hit(tuple(evidence[:2]), how, Confidence.FIRM)


def _expression_pairs(slot: _Slot) -> list[tuple[str, str]]:
    value = slot.name
    if not _IDENTIFIER.fullmatch(value):
        return []
    # The same clause with AND changes nothing, wherever the pasted name sits in the expression;
    # with OR it escapes the conditions before it (AND binds tighter) and matches every item.
    true = f"attribute_exists({value}) OR attribute_exists({value}) OR {value}"
    return [(slot(true), slot(true.replace(" OR ", " AND ")))]


async def _widened(
    prober: Prober, point: Point, base: Reply, pairs: list[tuple[str, str]]
) -> _Hit | None:
    """An always-true payload returns more items, its always-false twin no more than usual."""
    if not base.ok or base.items is None or point.method != "GET":
        return None
    for true, false in pairs:
        wide = await prober.send(point, true)
        if wide is None or not wide.ok or (wide.items or 0) <= base.items:
            continue
        narrow = await prober.send(point, false)
        if narrow is None or not narrow.ok or (narrow.items or 0) > base.items:
            continue
        # Results that merely vary from call to call must not pass: the clause spelled with
        # other spacing widens again, the valid and the always-false requests repeat.
        again = await prober.send(point, true.replace(" OR ", "  OR  "))
        if again is None or again.items != wide.items:
            continue
        repeats = [await prober.send(point, v, again=True) for v in (point.original, false)]
        if [r.items if r else None for r in repeats] != [base.items, narrow.items]:
            continue
        how = (f'{point.name}="{true}" returns {wide.items} items, "{false}" returns '
               f"{narrow.items}, the valid value {base.items}")  # fmt: skip
        return _Hit((wide.exchange, narrow.exchange), how, Confidence.CERTAIN, widened=True)
    return None


def _expression_title(point: Point, hit: _Hit) -> str:
    text = "\n".join(error_text(x) for x in hit.evidence)
    match = _EXPRESSION.search(text)
    name = (match.group(1) or "KeyCondition") if match else None  # "Query condition ..."
    kind = f"{name}Expression" if name else "expression"
    title = f"DynamoDB {kind} injection through the {point.location} parameter {point.name!r}"
    return title + (" (widens results)" if hit.widened else "")


@check(
    "dynamodb.partiql-injection",
    category=Category.INJECTION,
    severity=Severity.HIGH,
    cwe=943,
    remediation=(
        "Never format request input into a PartiQL statement. Pass values as parameters: "
        '`client.execute_statement(Statement=\'SELECT * FROM "products" WHERE "visibility" '
        "= ? AND contains(\"name\", ?)', Parameters=[{'S': 'public'}, {'S': text}])`, keep table "
        "and attribute names constant in code, and cap the input's length."
    ),
)
async def partiql_injection(ctx: CheckContext) -> list[Finding]:
    """DynamoDB PartiQL statement built from client input

    A request parameter is pasted into a PartiQL `ExecuteStatement` string: a quote ends the
    string literal, and `' OR 'a'<>'b` turns the WHERE clause into one that matches every item,
    including those the endpoint is meant to hide.
    """
    prober = Prober(ctx, limit=_REQUESTS, per_operation=_PER_OPERATION)
    findings: list[Finding] = []
    for point in prober.points(priority=_partiql_priority, bodies=True)[:_POINTS]:
        base = await prober.baseline(point)
        if base is None or base.status >= 500 or base.kinds & {"partiql", "partiql-call"}:
            continue
        v = point.original
        # A string compared (`= '{v}'`), then a string inside a function (`contains(x, '{v}')`).
        pairs = [
            (f"{v}' OR 'a'<>'b", f"{v}' OR 'a'='b"),
            (f"{v}') OR ('a'<>'b", f"{v}') OR ('a'='b"),
        ]
        hit = await _widened(prober, point, base, pairs)
        if hit is None:
            hit = await _statement_errors(prober, point, base, pairs)
        if hit is not None:
            title = f"PartiQL injection through the {point.location} parameter {point.name!r}"
            findings.append(_finding(ctx, point, hit, title + (" (widens results)" * hit.widened)))
    return findings


async def _statement_errors(
    prober: Prober, point: Point, base: Reply, pairs: list[tuple[str, str]]
) -> _Hit | None:
    v = point.original
    # Bodies (which may create objects) get the single quote only; GETs the clauses too.
    pairs = pairs if point.method == "GET" else []
    trues = [(true, false, await prober.send(point, true)) for true, false in pairs]
    for true, _, reply in trues:
        if reply is not None and "partiql" in reply.kinds:
            how = f'{point.name}="{true}" breaks the PartiQL statement'
            return _Hit((reply.exchange,), how, Confidence.CERTAIN)
    quote = await prober.send(point, f"{v}'")
    if quote is None:
        return None
    if "partiql" in quote.kinds:
        doubled = await prober.send(point, f"{v}''")
        if doubled is not None and "partiql" not in doubled.kinds:
            how = f'{point.name}="{v}\'" breaks the PartiQL statement, "{v}\'\'" (escaped) does not'
            return _Hit((quote.exchange,), how, Confidence.CERTAIN)
    # moto names only the failed ExecuteStatement call: both clauses of a pair must fail it.
    for true, false, reply in trues:
        if reply is not None and "partiql-call" in reply.kinds:
            twin = await prober.send(point, false)
            if twin is not None and "partiql-call" in twin.kinds:
                how = f'{point.name}="{true}" and "{false}" make the ExecuteStatement call fail'
                return _Hit((reply.exchange, twin.exchange), how, Confidence.FIRM)
    if not (quote.status in _REFUSED or quote.status >= 500) or quote.status == base.status:
        return None
    # No words at all: a quote fails, the same quote doubled (escaped in PartiQL) does not.
    replies: list[Reply] = []
    for payload, expected in ((f"{v}''", base), (f"'{v}", quote), (f"''{v}", base)):
        reply = await prober.send(point, payload)
        if reply is None or reply.status != expected.status:
            return None
        replies.append(reply)
    how = (f'{point.name}="{v}\'" and "\'{v}" fail ({quote.status}) while the same with the '
           "quote doubled, an escaped quote in PartiQL, succeed")  # fmt: skip
    evidence = (quote.exchange, replies[1].exchange)
    return _Hit(evidence, how, Confidence.FIRM)


def _finding(ctx: CheckContext, point: Point, hit: _Hit, title: str) -> Finding:
    return ctx.finding(
        exchange=hit.evidence[0],
        evidence=hit.evidence[1:],
        operation=point.op,
        endpoint=point.endpoint,
        title=title,
        confidence=hit.confidence,
        discriminator=f"{point.location}:{point.name}",
        note=hit.how,
    )
