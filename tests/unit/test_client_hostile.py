"""The client against hostile targets: compression bombs, redirects that change methods or hosts."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
import zlib

import httpx
import pytest

from middlebrick.errors import DeadlineReached
from middlebrick.http.client import ClientOptions, ScanClient
from middlebrick.http.exchange import Exchange

from support.serving import serve_wsgi


def client(handler, **options) -> ScanClient:
    return ScanClient("http://api.test", ClientOptions(**options),
                      transport=httpx.MockTransport(handler))


def fetch(handler, method: str = "GET", url: str = "/", **kwargs) -> Exchange:
    options = kwargs.pop("options", {})

    async def go() -> Exchange:
        async with client(handler, **options) as c:
            return await c.request(method, url, **kwargs)

    return asyncio.run(go())


def raw(status: int, body: bytes, **headers: str) -> httpx.Response:
    """A response whose body is still on the wire, as a network transport returns it."""
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


def test_a_gzip_bomb_from_a_real_server_is_cut_without_inflating_it_whole():
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # ~64 KiB on the wire

    def app(environ, start_response):
        body = bomb if environ["PATH_INFO"] == "/bomb" else b"ok"
        headers = [("Content-Length", str(len(body)))]
        if body is bomb:
            headers.append(("Content-Encoding", "gzip"))
        start_response("200 OK", headers)
        return [body]

    async def peak_memory(url: str) -> tuple[Exchange, int]:
        async with ScanClient(url, ClientOptions(max_body=1000)) as c:
            await c.request("GET", "/small")  # connected, pools and TLS contexts made
            tracemalloc.start()
            try:
                return await c.request("GET", "/bomb"), tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    with serve_wsgi(app) as url:
        x, peak = asyncio.run(peak_memory(url))
    assert x.status == 200 and x.truncated and x.body == b"\0" * 1000
    # Whole, the bomb is 64 MiB (and httpx's decoder peaks past twice that); the loopback server
    # in this process adds a few MiB of its own to what tracemalloc sees.
    assert peak < 32 * 1024 * 1024, f"inflated {peak} bytes to keep 1000"


@pytest.mark.parametrize("encoding, pack", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
])
def test_compressed_bodies_are_decoded(encoding, pack):
    x = fetch(lambda r: raw(200, pack(b'{"ok": true}'), **{"Content-Encoding": encoding}))
    assert x.json() == {"ok": True} and not x.truncated and x.error is None


def test_the_cap_applies_to_the_decoded_size():
    x = fetch(lambda r: raw(200, gzip.compress(b"y" * 5000), **{"Content-Encoding": "gzip"}),
              options={"max_body": 1000})
    assert x.body == b"y" * 1000 and x.truncated


def test_only_encodings_the_client_can_bound_are_offered():
    seen = []

    def handler(request):
        seen.append(request.headers["accept-encoding"])
        return raw(200, b"\x8b\x00brotli?", **{"Content-Encoding": "br"})

    x = fetch(handler)
    assert seen == ["gzip, deflate"]
    assert x.body == b"\x8b\x00brotli?"  # an encoding we did not offer is kept as sent


def test_a_corrupt_compressed_body_is_an_answer_with_an_error():
    x = fetch(lambda r: raw(200, b"not gzip at all", **{"Content-Encoding": "gzip"}))
    assert x.status == 200 and x.error and "DecodingError" in x.error


@pytest.mark.parametrize("status", [307, 308])
def test_a_redirect_never_turns_a_creation_into_a_write_on_another_object(status):
    seen = []

    def handler(request):
        seen.append((request.method, request.url.path))
        if request.url.path == "/items":
            return httpx.Response(status, headers={"Location": "/items/pre-existing"})
        return httpx.Response(200)

    x = fetch(handler, "POST", "/items", json={}, follow_redirects=True)
    assert seen == [("POST", "/items")] and x.status == status

    seen.clear()
    fetch(handler, "POST", "/items", json={}, follow_redirects=True,
          options={"allow_destructive": True})
    assert seen == [("POST", "/items"), ("POST", "/items/pre-existing")]


def test_a_write_on_a_created_object_is_not_redirected_elsewhere():
    seen = []

    def handler(request):
        seen.append((request.method, request.url.path))
        return httpx.Response(308, headers={"Location": "/items/someone-elses"})

    async def go() -> None:
        async with client(handler) as c:
            c.mark_created(["mine"])
            await c.request("DELETE", "/items/mine", path_values=["mine"], follow_redirects=True)

    asyncio.run(go())
    assert seen == [("DELETE", "/items/mine")]


@pytest.mark.parametrize("location", [
    "https://api.test:8443/next",  # another port
    "http://elsewhere.test/next",  # another host
])
def test_credentials_stay_with_their_origin_on_redirects(location):
    seen = []

    def handler(request):
        seen.append((str(request.url), request.headers.get("authorization")))
        if request.url.path == "/":
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(200)

    fetch(handler, follow_redirects=True,
          options={"identities": {"a": {"Authorization": "Bearer A"}}})
    assert seen == [("http://api.test/", "Bearer A"), (location, None)]


def test_credentials_follow_a_same_host_upgrade_to_https():
    seen = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        if request.url.scheme == "http":
            return httpx.Response(301, headers={"Location": "https://api.test/"})
        return httpx.Response(200)

    x = fetch(handler, follow_redirects=True,
              options={"identities": {"a": {"Authorization": "Bearer A"}}})
    assert x.status == 200 and seen == ["Bearer A", "Bearer A"]


def test_a_created_id_counts_only_where_it_was_created():
    c = client(lambda r: httpx.Response(200))
    c.mark_created([1], under="/api/orders")
    c.mark_created(["u-9"])  # place unknown: anywhere, as before
    assert c.allowed("DELETE", "/api/orders/1", [1])
    assert c.allowed("PUT", "http://api.test/api/orders/1/lines", ["1"])
    assert not c.allowed("PUT", "/api/customers/1", [1])
    assert not c.allowed("PUT", "/api/orders-archive/1", [1])
    assert c.allowed("PATCH", "/users/u-9", ["u-9"])


@pytest.mark.parametrize("charset", ["idna", "punycode", "undefined", "no-such-codec", "rot13"])
def test_any_charset_a_target_names_gives_text(charset):
    content_type = f"text/html; charset={charset}"
    x = fetch(lambda r: raw(200, b"\xff\xfe caf\xc3\xa9", **{"Content-Type": content_type}))
    assert x.text.endswith("caf\u00e9")


def test_json_nested_past_the_recursion_limit_is_not_json():
    x = fetch(lambda r: raw(200, b"[" * 200_000 + b"]" * 200_000,
                            **{"Content-Type": "application/json"}), options={"max_body": 1 << 20})
    assert x.json() is None


@pytest.mark.parametrize("charset, body", [("utf-7", b"+2AA-"), ("unicode_escape", b"\\ud800")])
def test_text_never_holds_a_lone_surrogate(charset, body):
    x = fetch(lambda r: raw(200, body, **{"Content-Type": f"text/plain; charset={charset}"}))
    x.text.encode("utf-8")  # what every report writer does with it


def test_the_rate_limit_never_sleeps_past_the_deadline():
    async def go() -> list[object]:
        async with client(lambda r: httpx.Response(200), rate=1.0, deadline=1.5) as c:
            return await asyncio.gather(*(c.request("GET", f"/{i}") for i in range(6)),
                                        return_exceptions=True)

    started = time.monotonic()
    results = asyncio.run(go())
    assert time.monotonic() - started < 1.4
    assert sum(isinstance(r, Exchange) for r in results) == 2  # at 0 s and 1 s
    assert all(isinstance(r, DeadlineReached) for r in results if not isinstance(r, Exchange))
