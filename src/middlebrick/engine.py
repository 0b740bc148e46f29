"""The engine: validate, load the spec, explore, run every check concurrently, score.

Everything that can be wrong with the request (arguments, spec, reachability) is found before
the fan-out, so it surfaces once and clearly. A check that crashes is recorded, never fatal.
"""

from __future__ import annotations

import asyncio
import base64
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import httpx

from middlebrick import __version__
from middlebrick.checks import CHECKS, CheckContext, CheckSpec
from middlebrick.config import ScanConfig, header_problem
from middlebrick.errors import RequestNotSent, SpecError, TargetUnreachable, UsageError
from middlebrick.explore import exploration_size, explore
from middlebrick.http.client import ClientOptions, ScanClient
from middlebrick.http.exchange import Exchange
from middlebrick.models import CheckError, Coverage, Finding, ScanResult, SpecInfo, Stats, rfc3339
from middlebrick.scoring import score
from middlebrick.spec.discover import discover_spec
from middlebrick.spec.ids import IdStore
from middlebrick.spec.load import fetch_url, load_spec
from middlebrick.spec.model import ApiSpec

ProgressCallback = Callable[[str, int, int], None]  # (phase, done, total)
_DEADLINE_GRACE = 5.0


def select_checks(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[CheckSpec]:
    """Checks named by id, id prefix ("flask") or category; unknown names are a usage error."""

    def matches(spec: CheckSpec, name: str) -> bool:
        return name in {spec.id, spec.category.value} or spec.id.startswith(name + ".")

    def validate(names: Iterable[str]) -> list[str]:
        wanted = [n.strip() for n in names if n.strip()]
        unknown = [n for n in wanted if not any(matches(s, n) for s in CHECKS)]
        if unknown:
            raise UsageError(f"unknown check or category: {', '.join(unknown)}")
        return wanted

    inc, exc = validate(include), validate(exclude)
    chosen = [s for s in CHECKS if not inc or any(matches(s, n) for n in inc)]
    return [s for s in chosen if not any(matches(s, n) for n in exc)]


def validate_target(target: str) -> str:
    try:
        url = httpx.URL(target)
    except (httpx.InvalidURL, TypeError) as exc:
        raise UsageError(f"not a valid URL: {target!r} ({exc})") from None
    if url.scheme not in {"http", "https"} or not url.host:
        raise UsageError(f"the target must be an http:// or https:// URL, not {target!r}")
    if url.port is not None and not 0 < url.port < 65536:
        raise UsageError(f"not a valid port: {url.port}")
    if url.query or url.fragment:
        # Every request is the base URL plus a path: a query here would end up mid-path.
        raise UsageError(f"the target must be a base URL without ?query or #fragment: {target!r}")
    return str(url).rstrip("/")


async def scan(
    config: ScanConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_progress: ProgressCallback | None = None,
) -> ScanResult:
    """Scan one target and return everything found."""
    config = _credentials_as_header(replace(config, target=validate_target(config.target)))
    target = config.target
    _validate_headers(config)
    checks = select_checks(config.checks, config.skip_checks)
    started_at, started = datetime.now(UTC), time.monotonic()
    identities = {"a": dict(config.headers_a)}
    if config.headers_b:
        identities["b"] = dict(config.headers_b)
    options = _with_identities(config.client, identities)
    notes: list[str] = []

    async with ScanClient(target, options, transport=transport) as client:
        first = await client.request("GET", "/", follow_redirects=True)
        if first.status == 0:
            raise TargetUnreachable(f"cannot reach {target}: {first.error}")
        spec = await _load_spec(config, client, notes)
        ids = IdStore()
        seen: list[Exchange] = [first]
        if spec is not None:
            total = exploration_size(spec, len(identities))
            done = 0

            def tick() -> None:
                nonlocal done
                done += 1
                if on_progress:
                    on_progress("explore", done, total)

            who = list(identities)
            seen += await explore(client, spec, ids, identities=who, on_request=tick)
        findings, errors = await _run_checks(checks, config, client, spec, ids, seen, on_progress)
        coverage = _coverage(spec, client.exchanges)
        notes += _coverage_notes(coverage)
        if client.budget_left == 0:
            notes.append(f"the request budget ({options.max_requests}) ran out: partial coverage")
        left = client.time_left()
        if left is not None and left <= 0:
            notes.append(f"the scan deadline ({options.deadline:g}s) was reached: partial results")
        requests = client.requests_sent
        endpoints = len(spec.operations) if spec else len({x.path for x in client.exchanges})

    findings = _dedupe(findings)
    finished_at = datetime.now(UTC)
    return ScanResult(
        tool_version=__version__,
        target=target,
        started_at=rfc3339(started_at),
        finished_at=rfc3339(finished_at),
        duration_s=time.monotonic() - started,
        spec=SpecInfo(source=spec.source, version=spec.version, operations=len(spec.operations))
        if spec
        else None,
        score=score(findings, {c.category.value for c in checks}),
        stats=Stats(requests=requests, endpoints=endpoints, checks_run=len(checks)),
        findings=tuple(findings),
        coverage=tuple(coverage),
        errors=tuple(errors),
        notes=tuple(notes),
    )


def _credentials_as_header(config: ScanConfig) -> ScanConfig:
    """`http://user:pass@host` becomes user A's Basic credentials and a target without them.

    Left in the URL, httpx would send them with every request, anonymous ones included, and
    every report would print the password.
    """
    url = httpx.URL(config.target)
    if not url.userinfo:
        return config
    if any(name.lower() == "authorization" for name in config.headers_a):
        raise UsageError("give credentials either in the URL or with -H Authorization, not both")
    token = base64.b64encode(f"{url.username}:{url.password or ''}".encode()).decode("ascii")
    return replace(
        config,
        target=str(url.copy_with(username=None, password=None)).rstrip("/"),
        headers_a={**config.headers_a, "Authorization": f"Basic {token}"},
    )


def _validate_headers(config: ScanConfig) -> None:
    for who, headers in (("user A", config.headers_a), ("user B", config.headers_b)):
        for name, value in headers.items():
            if problem := header_problem(name, value):
                raise UsageError(f"header {name!r} of {who}: {problem}")


def _with_identities(
    options: ClientOptions, identities: dict[str, dict[str, str]]
) -> ClientOptions:
    return replace(options, identities=identities)


async def _load_spec(config: ScanConfig, client: ScanClient, notes: list[str]) -> ApiSpec | None:
    if config.openapi:
        fetch = partial(fetch_url, verify=client.options.verify_tls)  # --insecure applies too
        spec = await asyncio.to_thread(
            load_spec, config.openapi, fetch=fetch, base_url=client.base_url
        )
        notes.append(f"OpenAPI {spec.version} document: {spec.source}")
        return spec
    found = await discover_spec(client)
    notes.extend(found.notes)
    if found.spec is None:
        notes.append("no OpenAPI document found at the usual paths; scanning the base URL only")
    else:
        notes.append(f"OpenAPI {found.spec.version} document discovered at {found.url}")
    return found.spec


async def _run_checks(
    checks: list[CheckSpec],
    config: ScanConfig,
    client: ScanClient,
    spec: ApiSpec | None,
    ids: IdStore,
    seen: list[Exchange],
    on_progress: ProgressCallback | None,
) -> tuple[list[Finding], list[CheckError]]:
    findings: list[Finding] = []
    errors: list[CheckError] = []
    done = 0
    snapshot = tuple(seen)

    async def run(check: CheckSpec) -> None:
        nonlocal done
        ctx = CheckContext(
            check=check, config=config, client=client, spec=spec, ids=ids, exchanges=snapshot
        )
        try:
            findings.extend(await check.function(ctx))
        except RequestNotSent:
            pass  # a limit stopped the check; the coverage notes say so
        except Exception as exc:
            if config.debug:
                raise
            errors.append(CheckError(check=check.id, error=_describe(exc)))
        finally:
            done += 1
            if on_progress:
                on_progress("checks", done, len(checks))

    tasks = [asyncio.create_task(run(c), name=c.id) for c in checks]
    if not tasks:
        return findings, errors
    left = client.time_left()
    _, pending = await asyncio.wait(tasks, timeout=None if left is None else left + _DEADLINE_GRACE)
    for task in pending:
        task.cancel()
        errors.append(CheckError(check=task.get_name(), error="did not finish before the deadline"))
    await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]  # only with --debug
    return findings, errors


def _describe(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {frame[0].filename.rsplit('/', 1)[-1]}:{frame[0].lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _dedupe(findings: list[Finding]) -> list[Finding]:
    best: dict[str, Finding] = {}
    for f in findings:
        if f.id not in best or f.severity.rank > best[f.id].severity.rank:
            best[f.id] = f
    return sorted(best.values(), key=lambda f: (f.severity, f.check, f.id))


def _coverage(spec: ApiSpec | None, exchanges: list[Exchange]) -> list[Coverage]:
    if spec is None:
        return []
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    for x in exchanges:
        if x.operation is not None:
            statuses[x.operation.key][str(x.status) if x.status else "error"] += 1
    return [
        Coverage(
            method=op.method,
            path=op.path,
            requests=sum(statuses[op.key].values()),
            statuses=dict(statuses[op.key]),
        )
        for op in spec.operations
    ]


def _coverage_notes(coverage: list[Coverage]) -> list[str]:
    untested = [c for c in coverage if not c.exercised]
    if not untested:
        return []
    listed = ", ".join(f"{c.method} {c.path}" for c in untested[:8])
    more = f" and {len(untested) - 8} more" if len(untested) > 8 else ""
    return [
        f"{len(untested)} of {len(coverage)} operations were never really exercised "
        f"(no answer but 401/403/404/405, or not sent): {listed}{more}"
    ]



__all__ = ["ProgressCallback", "SpecError", "scan", "select_checks", "validate_target"]
