"""The check API: the `@check` decorator, the registry and the context a check runs with.

A check is one async function `(ctx) -> list[Finding]`; an empty list means it passed. The
decorator holds its metadata; built-in checks register exactly the way a user's would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from middlebrick.evidence import evidence_from
from middlebrick.models import (
    Category,
    Confidence,
    Endpoint,
    Finding,
    Severity,
    SpecLocation,
    finding_id,
)
from middlebrick.registry import Registry

if TYPE_CHECKING:
    from middlebrick.config import ScanConfig
    from middlebrick.http.client import ScanClient
    from middlebrick.http.exchange import Exchange
    from middlebrick.spec.generate import RequestPlan
    from middlebrick.spec.ids import IdStore
    from middlebrick.spec.model import ApiSpec, Operation

CheckFunction = Callable[["CheckContext"], Awaitable[list[Finding]]]


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckSpec:
    """A registered check and its metadata."""

    id: str
    title: str
    category: Category
    severity: Severity
    confidence: Confidence
    remediation: str
    description: str
    cwe: str | None
    owasp: str | None
    function: CheckFunction


CHECKS: Registry[CheckSpec] = Registry("check")


def check(
    id: str,
    *,
    category: Category,
    severity: Severity,
    remediation: str,
    cwe: int | None = None,
    owasp: str | None = None,
    confidence: Confidence = Confidence.FIRM,
    registry: Registry[CheckSpec] = CHECKS,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register an async check; its docstring's first line is its title, the rest describes it."""

    def decorate(function: CheckFunction) -> CheckFunction:
        doc = (function.__doc__ or "").strip()
        title, _, rest = doc.partition("\n")
        if not title:
            raise ValueError(f"check {id!r} needs a docstring: its first line is the title")
        registry.register(
            id,
            CheckSpec(
                id=id,
                title=title.strip(),
                category=category,
                severity=severity,
                confidence=confidence,
                remediation=remediation,
                description=" ".join(rest.split()),
                cwe=f"CWE-{cwe}" if cwe else None,
                owasp=owasp if owasp is not None else category.owasp,
                function=function,
            ),
        )
        return function

    return decorate


class CheckContext:
    """What a check can see and do: the spec, what the exploration saw, and the HTTP client."""

    def __init__(
        self,
        *,
        check: CheckSpec,
        config: ScanConfig,
        client: ScanClient,
        spec: ApiSpec | None,
        ids: IdStore,
        exchanges: Sequence[Exchange],
    ) -> None:
        self.check = check
        self.config = config
        self.client = client
        self.spec = spec
        self.ids = ids
        self.exchanges = exchanges

    @property
    def target(self) -> str:
        return self.client.base_url

    @property
    def operations(self) -> tuple[Operation, ...]:
        return self.spec.operations if self.spec else ()

    async def request(self, method: str, url: str, **kwargs: Any) -> Exchange:
        """Send a request through the scan's client (limits and safe mode apply)."""
        return await self.client.request(method, url, **kwargs)

    def plan(self, op: Operation, **overrides: Any) -> RequestPlan:
        """A valid request for an operation, with learned ids in its path."""
        from middlebrick.spec.generate import plan_request

        assert self.spec is not None, "plan() needs a spec"
        return plan_request(self.spec, op, self.ids, overrides=overrides or None)

    async def send(
        self,
        plan: RequestPlan,
        *,
        identity: str | None = "a",
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Exchange:
        """Send a planned request; keyword arguments replace parts of it."""
        merged = {**plan.headers, **(headers or {})}
        args: dict[str, Any] = {
            "params": plan.query or None,
            "headers": merged,
            "cookies": plan.cookies or None,
            "json": plan.json,
            "data": plan.form,
            "identity": identity,
            "operation": plan.operation,
            "path_values": tuple(plan.path_values.values()),
        }
        args.update(kwargs)
        return await self.client.request(plan.method, plan.path, **args)

    def finding(
        self,
        *,
        exchange: Exchange | None = None,
        evidence: Iterable[Exchange] = (),
        endpoint: Endpoint | None = None,
        operation: Operation | None = None,
        title: str | None = None,
        description: str | None = None,
        remediation: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        discriminator: str = "",
        note: str | None = None,
    ) -> Finding:
        """A finding stamped with this check's metadata; `exchange` gives endpoint and evidence."""
        spec = self.check
        op = operation or (exchange.operation if exchange else None)
        if endpoint is None and exchange is not None:
            path = op.path if op else httpx.URL(exchange.url).path or "/"
            endpoint = Endpoint(method=exchange.method, path=path, url=exchange.url)
        elif endpoint is None and op is not None:
            endpoint = Endpoint(method=op.method, path=op.path, url=self.target + op.path)
        exchanges = ([exchange] if exchange is not None else []) + list(evidence)
        location = None
        if op is not None and self.spec is not None and op.pointer:
            location = SpecLocation(file=self.spec.source, pointer=op.pointer, line=op.line)
        return Finding(
            id=finding_id(
                spec.id,
                endpoint.method if endpoint else None,
                endpoint.path if endpoint else None,
                discriminator,
            ),
            check=spec.id,
            category=spec.category,
            severity=severity or spec.severity,
            confidence=confidence or spec.confidence,
            title=title or spec.title,
            description=description or spec.description,
            remediation=remediation or spec.remediation,
            endpoint=endpoint,
            evidence=tuple(evidence_from(x, note=note) for x in exchanges),
            owasp=spec.owasp,
            cwe=spec.cwe,
            location=location,
        )
