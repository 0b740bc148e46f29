"""The scan client's limits: budget, body cap, redirects, timeouts and safe mode."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from middlebrick.errors import BudgetExhausted, DeadlineReached, UnsafeRequestBlocked
from middlebrick.http.client import ClientOptions, ScanClient


def client(handler, **options) -> ScanClient:
    return ScanClient("http://api.test", ClientOptions(**options),
                      transport=httpx.MockTransport(handler))


def test_budget_is_exact_under_concurrency():
    hits = []

    def handler(request):
        hits.append(request.url.path)
        return httpx.Response(200)

    async def go():
        async with client(handler, max_requests=10, concurrency=8) as c:
            results = await asyncio.gather(*(c.request("GET", f"/{i}") for i in range(50)),
                                           return_exceptions=True)
        return results

    results = asyncio.run(go())
    assert len(hits) == 10
    assert sum(isinstance(r, BudgetExhausted) for r in results) == 40


def test_redirect_hops_count_against_the_budget_and_are_bounded():
    hits = []

    def handler(request):
        hits.append(request.url.path)
        return httpx.Response(302, headers={"Location": f"/r{len(hits)}"})

    async def go():
        async with client(handler, max_redirects=3) as c:
            return await c.request("GET", "/", follow_redirects=True)

    last = asyncio.run(go())
    assert len(hits) == 4 and last.status == 302


def test_bodies_are_capped():
    def handler(request):
        return httpx.Response(200, content=b"x" * 5000)

    async def go():
        async with client(handler, max_body=1000) as c:
            return await c.request("GET", "/")

    x = asyncio.run(go())
    assert len(x.body) == 1000 and x.truncated and x.json() is None


def test_a_slow_target_is_bounded_by_the_timeout():
    async def handler(request):
        await asyncio.sleep(5)
        return httpx.Response(200)

    async def go():
        async with client(handler, timeout=0.2) as c:
            return await c.request("GET", "/")

    x = asyncio.run(go())
    assert x.status == 0 and "within" in (x.error or "")


def test_deadline_stops_new_requests():
    async def go():
        async with client(lambda r: httpx.Response(200), deadline=0.0) as c:
            await c.request("GET", "/")

    with pytest.raises(DeadlineReached):
        asyncio.run(go())


def test_identities_pick_the_headers():
    seen = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200)

    async def go():
        ids = {"a": {"Authorization": "Bearer A"}, "b": {"Authorization": "Bearer B"}}
        async with client(handler, identities=ids) as c:
            await c.request("GET", "/")
            await c.request("GET", "/", identity="b")
            await c.request("GET", "/", identity=None)

    asyncio.run(go())
    assert seen == ["Bearer A", "Bearer B", None]


def test_safe_mode_rules():
    c = client(lambda r: httpx.Response(200))
    c.mark_created(["new-1"])
    assert c.allowed("GET", "/items/old-1", ["old-1"])
    assert c.allowed("POST", "/items")
    assert not c.allowed("DELETE", "/items/old-1", ["old-1"])
    assert not c.allowed("POST", "/items/old-1/cancel", ["old-1"])
    assert c.allowed("DELETE", "/items/new-1", ["new-1"])
    assert not c.allowed("DELETE", "/items")
    ro = client(lambda r: httpx.Response(200), read_only=True)
    assert not ro.allowed("POST", "/items")
    destructive = client(lambda r: httpx.Response(200), allow_destructive=True)
    assert destructive.allowed("DELETE", "/items/old-1", ["old-1"])

    async def go():
        async with c:
            await c.request("PUT", "/items/old-1", path_values=["old-1"])

    with pytest.raises(UnsafeRequestBlocked):
        asyncio.run(go())


def test_cookies_a_target_sets_are_never_replayed():
    seen = []

    def handler(request):
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"})

    async def go():
        async with client(handler) as c:
            await c.request("GET", "/login")
            await c.request("GET", "/me", identity=None)
            await c.request("GET", "/me", cookies={"explicit": "1"})

    asyncio.run(go())
    assert seen == [None, None, "explicit=1"]


def test_a_url_no_request_can_carry_is_not_sent_and_does_not_crash():
    from middlebrick.errors import RequestNotSent

    hits = []

    async def go():
        async with client(lambda r: hits.append(r) or httpx.Response(200)) as c:
            await c.request("GET", "/items/a\x00b")

    with pytest.raises(RequestNotSent):
        asyncio.run(go())
    assert hits == []
