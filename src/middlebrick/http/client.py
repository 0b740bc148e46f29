"""The async HTTP client every check uses: budget, rate, timeouts, size caps and safe mode.

All limits live here, in one place, so no check can exceed them: the request budget is
reserved before a request leaves (so `--max-requests` is exact, redirect hops included),
bodies are read as a stream and cut at `max_body`, and safe mode is enforced per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from typing import TYPE_CHECKING, Any

import httpx

from middlebrick.errors import (
    BudgetExhausted,
    DeadlineReached,
    RequestNotBuildable,
    UnsafeRequestBlocked,
)
from middlebrick.http.decode import ACCEPT_ENCODING, BoundedDecoder
from middlebrick.http.exchange import Exchange
from middlebrick.http.pool import ShardedTransport
from middlebrick.spec.model import SAFE_METHODS

if TYPE_CHECKING:
    from middlebrick.spec.model import Operation

USER_AGENT = "middlebrick (+https://github.com/middlebrick/middlebrick)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientOptions:
    """The load the scanner may put on a target, and what it may change there."""

    concurrency: int = 16
    rate: float | None = None  # requests per second; None = unbounded
    max_requests: int | None = None
    timeout: float = 10.0
    deadline: float | None = None  # seconds from client start for the whole scan
    max_body: int = 1024 * 1024
    max_redirects: int = 5
    read_only: bool = False
    allow_destructive: bool = False
    identities: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # "a", "b"
    verify_tls: bool = True


class _RateLimiter:
    """Spaces request starts evenly at `rate` per second."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self, time_left: float | None = None) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            if time_left is not None and start - now >= time_left:
                raise DeadlineReached("scan deadline reached")  # no sleeping past it
            self._next = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)


class ScanClient:
    """Sends the scan's requests within its limits and records every exchange."""

    def __init__(
        self,
        base_url: str,
        options: ClientOptions | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.options = options or ClientOptions()
        self._http = httpx.AsyncClient(
            transport=transport
            or ShardedTransport(self.options.concurrency, verify=self.options.verify_tls),
            timeout=httpx.Timeout(self.options.timeout),
            follow_redirects=False,
            verify=self.options.verify_tls,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        )
        # Identities are the headers the user gave: a cookie a target sets (a sign-in's session)
        # must never be replayed, or later "anonymous" requests would quietly be someone.
        self._http.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self._slots = asyncio.Semaphore(self.options.concurrency)
        self._rate = _RateLimiter(self.options.rate)
        self._started = time.monotonic()
        self._sent = 0
        self._created: dict[str, set[str]] = {}  # id -> path prefixes ("": anywhere)
        self.exchanges: list[Exchange] = []

    # -- limits ------------------------------------------------------------------------------
    @property
    def requests_sent(self) -> int:
        return self._sent

    @property
    def budget_left(self) -> int | None:
        if self.options.max_requests is None:
            return None
        return max(0, self.options.max_requests - self._sent)

    def time_left(self) -> float | None:
        if self.options.deadline is None:
            return None
        return self.options.deadline - (time.monotonic() - self._started)

    def _reserve(self) -> None:
        # Single-threaded event loop: check-and-increment cannot interleave, so the count is exact.
        limit = self.options.max_requests
        if limit is not None and self._sent >= limit:
            raise BudgetExhausted(f"request budget of {limit} used up")
        left = self.time_left()
        if left is not None and left <= 0:
            raise DeadlineReached("scan deadline reached")
        self._sent += 1

    # -- safe mode ---------------------------------------------------------------------------
    def mark_created(self, values: Iterable[object], *, under: str | None = None) -> None:
        """Remember ids of objects the scanner created: safe mode lets it change those.

        `under` is the path (or URL) the creation was sent to, e.g. `/orders`: the id then only
        counts below it, so order 1 of the scanner's never unlocks `PUT /customers/1`.
        """
        scope = _path_of(under).rstrip("/") + "/" if under is not None else ""
        for value in values:
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                self._created.setdefault(str(value), set()).add(scope)

    def is_created(self, value: object) -> bool:
        return str(value) in self._created

    def allowed(self, method: str, url: str, path_values: Iterable[object] = ()) -> bool:
        """Would safe mode let this request go?"""
        method = method.upper()
        if method in SAFE_METHODS:
            return True
        if self.options.read_only:
            return False
        if self.options.allow_destructive:
            return True
        values = [str(v) for v in path_values]
        if method == "POST" and not values:
            return True  # creating a new object changes nothing that existed
        # Changing an object is only allowed when every id in its path is one the scanner made
        # (there, when it is known where: ids like 1, 2, 3 repeat across collections).
        path = _path_of(url)
        return bool(values) and all(
            any(path.startswith(scope) for scope in self._created.get(v, ())) for v in values
        )

    # -- sending -----------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | str | None = None,
        identity: str | None = "a",
        operation: Operation | None = None,
        path_values: Iterable[object] = (),
        follow_redirects: bool = False,
        timeout: float | None = None,
    ) -> Exchange:
        """Send one request (URL absolute or relative to the target) and return the exchange.

        `identity` picks the credentials: "a" (the -H headers), "b" (--user-b-header) or None
        for an anonymous request. Raises a RequestNotSent subclass when a limit forbids sending.
        """
        method = method.upper()
        target = url if url.startswith(("http://", "https://")) else self.base_url + url
        if not self.allowed(method, target, path_values):
            raise UnsafeRequestBlocked(f"safe mode: not sending {method} {target}")
        merged: dict[str, str] = {}
        if identity is not None:
            merged.update(self.options.identities.get(identity, {}))
        merged.update(headers or {})
        try:
            request = self._http.build_request(
                method,
                target,
                params=params,
                headers=merged,
                cookies=dict(cookies) if cookies else None,
                json=json,
                data=data,
                content=content,
            )
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            # A path or value from a hostile document that no URL or header can carry.
            raise RequestNotBuildable(f"cannot build {method} {target!r}: {exc}") from None
        hops = self.options.max_redirects if follow_redirects else 0
        while True:
            exchange = await self._send(request, identity or "anonymous", operation, timeout)
            if hops <= 0 or exchange.status not in REDIRECT_STATUSES:
                return exchange
            location = exchange.headers.get("location")
            if not location:
                return exchange
            hops -= 1
            next_url = request.url.join(location)
            keep_body = exchange.status in {307, 308}
            next_method = method if keep_body else ("GET" if method != "HEAD" else "HEAD")
            if next_method not in SAFE_METHODS and not self.options.allow_destructive:
                # Safe mode cleared this method for this URL only: where a redirect points, it
                # could change an object that existed (a 307 from POST /items to /items/7).
                return exchange
            request = self._http.build_request(
                next_method,
                next_url,
                headers=merged if _same_origin(request.url, next_url) else {},
                content=request.content if keep_body else None,
            )

    async def _send(
        self,
        request: httpx.Request,
        identity: str,
        operation: Operation | None,
        timeout: float | None,
    ) -> Exchange:
        await self._rate.wait(self.time_left())
        async with self._slots:
            self._reserve()
            wait = timeout or self.options.timeout
            left = self.time_left()
            if left is not None:
                wait = max(0.05, min(wait, left))
            started = time.monotonic()
            status, headers, body, truncated, error = 0, httpx.Headers(), b"", False, None
            try:
                async with asyncio.timeout(wait):
                    response = await self._http.send(request, stream=True)
                    try:
                        status, headers = response.status_code, response.headers
                        body, truncated = await self._read_capped(response)
                    finally:
                        await response.aclose()
            except TimeoutError:
                error = f"no complete answer within {wait:.1f}s"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            exchange = Exchange(
                method=request.method,
                url=str(request.url),
                request_headers=request.headers,
                request_body=(request.content if hasattr(request, "_content") else b"")[:65536],
                status=status,
                headers=headers,
                body=body,
                truncated=truncated,
                elapsed=time.monotonic() - started,
                error=error,
                identity=identity,
                operation=operation,
            )
        self.exchanges.append(exchange)
        return exchange

    async def _read_capped(self, response: httpx.Response) -> tuple[bytes, bool]:
        limit = self.options.max_body
        if response.is_stream_consumed:  # built in memory (a mock transport): decoded already
            return response.content[:limit], len(response.content) > limit
        # Raw bytes, decoded here: the cap must bound the inflated size, chunk by chunk.
        decoder = BoundedDecoder(response.headers.get("content-encoding", ""), limit)
        chunks: list[bytes] = []
        async for chunk in response.aiter_raw():
            chunks.append(decoder.feed(chunk))
            if decoder.truncated:
                break
        return b"".join(chunks), decoder.truncated

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ScanClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _path_of(url: str) -> str:
    if url.startswith(("http://", "https://")):
        path: str = httpx.URL(url).path
        return path
    return url.split("?", 1)[0].split("#", 1)[0]


def _same_origin(before: httpx.URL, after: httpx.URL) -> bool:
    """May a redirect to `after` carry the identity headers sent to `before`?"""
    if after.host != before.host:
        return False
    if after.scheme == before.scheme:
        return after.port == before.port
    # http -> https on the same host and default ports is an upgrade (as httpx also allows).
    upgrade = before.scheme == "http" and after.scheme == "https"
    return upgrade and before.port is None and after.port is None
