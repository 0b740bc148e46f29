"""ReDoS: string inputs whose validation time explodes with a few more characters.

Candidates are fields whose schema has a `pattern` (evil inputs found by running it locally,
abuse_regex.py) and email fields (the usual hand-written email expressions are the classic
victims). The pump count climbs in small steps and stops at the first slow answer, so the
server is never asked for more than a few seconds of work. A single slow answer proves
nothing: the same input must be slow again, a shorter one of the same shape clearly faster,
and a harmless string of the same length fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from middlebrick.checks.abuse_regex import EMAIL_SHAPES, EvilInput, evil_inputs
from middlebrick.checks.authn_support import body_properties, median, ok
from middlebrick.checks.base import CheckContext, check
from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.spec.names import to_snake

if TYPE_CHECKING:
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.model import Operation

SLOW_S = 0.3  # extra seconds an input must cost over a harmless one of the same length
GROWTH = 3.0  # four more pumps must cost at least this many times more
TIMEOUT_S = 4.0
BUDGET_S = 20.0  # for the whole check
MAX_FIELDS = 3
MAX_PATTERNS = 12
MAX_STEPS = 8


@dataclass(frozen=True, slots=True)
class _Field:
    op: Operation
    name: str
    shapes: tuple[EvilInput, ...]
    why: str
    body: bool


def _string_fields(
    ctx: CheckContext, op: Operation
) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    if op.method == "GET":
        for param in op.params_in("query"):
            yield param.name, ctx.spec.resolve(param.schema) if ctx.spec else {}, False
    elif op.method == "POST" and "{" not in op.path and ctx.spec is not None:
        for name, schema in body_properties(ctx.spec, op).items():
            yield name, schema, True


def _fields(ctx: CheckContext) -> list[_Field]:
    patterned: list[_Field] = []
    emails: list[_Field] = []
    analysed: dict[str, tuple[EvilInput, ...]] = {}
    for op in ctx.operations:
        for name, schema, body in _string_fields(ctx, op):
            if schema.get("type", "string") != "string" or "enum" in schema:
                continue
            pattern = schema.get("pattern")
            if isinstance(pattern, str):
                # Local analysis costs CPU on the scanner: each pattern once, a bounded number.
                if pattern not in analysed and len(analysed) < MAX_PATTERNS:
                    analysed[pattern] = tuple(evil_inputs(pattern, limit=1))
                shapes = analysed.get(pattern, ())
                if shapes:
                    patterned.append(_Field(op, name, shapes, f"pattern {pattern!r}", body))
            elif schema.get("format") == "email" or "email" in to_snake(name):
                emails.append(_Field(op, name, EMAIL_SHAPES, "an email address", body))
    return (patterned + emails)[:MAX_FIELDS]


class _Prober:
    def __init__(self, ctx: CheckContext, field: _Field, deadline: float) -> None:
        self.ctx, self.field, self.deadline = ctx, field, deadline
        self.unvalidated = False  # a value of the evil shape was simply accepted

    def allowed(self) -> bool:
        plan = self.ctx.plan(self.field.op)
        return self.ctx.client.allowed(plan.method, plan.path, plan.path_values.values())

    async def send(self, value: str) -> Exchange:
        plan = self.ctx.plan(self.field.op, **{self.field.name: value})
        return await self.ctx.send(plan, timeout=TIMEOUT_S)

    async def cost(self, value: str) -> tuple[float, Exchange]:
        x = await self.send(value)
        return (x.elapsed if x.status else max(x.elapsed, TIMEOUT_S)), x

    def late(self) -> bool:
        return time.monotonic() > self.deadline

    async def climb(self, shape: EvilInput, control: float) -> tuple[int, float] | None:
        """Pump up until one answer is slow; None when it never is (or the budget is spent)."""
        pumps, step = max(4, shape.start - 6), 4
        for i in range(MAX_STEPS):
            if self.late():
                return None
            took, x = await self.cost(shape.make(pumps))
            if i == 0 and self.field.body and ok(x):
                # Taken as it is (and an object made): nothing validates it, stop creating.
                self.unvalidated = True
                return None
            if took >= control + SLOW_S:
                return pumps, took
            if took > 2 * control + 0.01:
                step = 2  # growing: approach the slow zone in smaller steps
            pumps += step
        return None

    async def confirm(self, shape: EvilInput, pumps: int) -> Finding | None:
        slow, slow_x = await self.cost(shape.make(pumps))
        shorter, shorter_x = await self.cost(shape.make(max(1, pumps - 4)))
        harmless, harmless_x = await self.cost("!" * len(shape.make(pumps)))
        # The repeat may land a little lower (timers, load); it must still stand out clearly.
        if slow < harmless + SLOW_S / 2 or slow < GROWTH * max(shorter, harmless, 0.001):
            return None
        length = len(shape.make(pumps))
        return self.ctx.finding(
            exchange=slow_x,
            evidence=[shorter_x, harmless_x],
            operation=self.field.op,
            discriminator=self.field.name,
            note=(
                f"`{self.field.name}` ({self.field.why}): {length} characters took {slow:.2f}s "
                f"(twice), {length - 4 * len(shape.pump)} of the same shape {shorter:.2f}s, a "
                f"harmless {length}-character value {harmless:.2f}s"
            ),
        )


@check(
    "abuse.redos",
    category=Category.RESOURCE_CONSUMPTION,
    severity=Severity.MEDIUM,
    confidence=Confidence.FIRM,
    cwe=1333,
    remediation=(
        "Rewrite the expression so each character can be matched only one way: no nested "
        "quantifiers such as `([a-z0-9]+)+` or `(\\w+\\s?)*` (use `[a-z0-9]+(?:-[a-z0-9]+)*`, or "
        "Python 3.11's atomic groups `(?>...)` and possessive `++`); check the length before "
        "matching (`if len(value) > 254: abort(400)`, and `maxLength` in the schema); validate "
        "emails with the `email-validator` package instead of a home-made regex; and run "
        "user-supplied or complex patterns with a linear-time engine such as `google-re2`."
    ),
)
async def redos(ctx: CheckContext) -> list[Finding]:
    """Regular expression denial of service (ReDoS)

    A validation expression backtracks exponentially on crafted input: a few dozen characters
    keep a worker busy for seconds, so a handful of requests stall the service.
    """
    deadline = time.monotonic() + BUDGET_S
    findings: list[Finding] = []
    for field in _fields(ctx):
        prober = _Prober(ctx, field, deadline)
        if prober.late() or not prober.allowed():
            continue
        first, x = await prober.cost("!" * 16)
        if field.body and ok(x):
            continue  # even this was accepted (and stored): nothing validates the field
        control = median([first] + [(await prober.cost("!" * 16))[0] for _ in range(2)])
        for shape in field.shapes:
            if prober.unvalidated:
                break
            climbed = await prober.climb(shape, control)
            found = await prober.confirm(shape, climbed[0]) if climbed else None
            if found is not None:
                findings.append(found)
                break
    return findings
