"""ssrf.server-side-request: a canary on 127.0.0.1 proves the server fetched a URL we chose.

Every fetch in these tests goes to the canary on loopback; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any
from urllib.parse import urlsplit

import httpx

from middlebrick.checks._canary import MARKER, Canary
from middlebrick.checks.ssrf import is_url_name
from middlebrick.models import Confidence

from .authz_fakes import found, json_body, ok, openapi, scan_mock, where

CHECK = "ssrf.server-side-request"
SPEC = openapi(
    {
        "/preview": {"get": {"parameters": [
            {"name": "url", "in": "query", "required": True, "schema": {"type": "string"}}],
            "responses": ok()}},
        "/hooks": {"post": {"requestBody": json_body({
            "callback": {"type": "string", "format": "uri"},
            "events": {"type": "array", "items": {"type": "string"}}}, ["callback"]),
            "responses": ok(status="201")}},
        "/avatars": {"post": {"requestBody": json_body({
            "image": {"type": "object", "properties": {"src": {"type": "string"}}}}),
            "responses": ok(status="201")}},
        "/bookmarks": {"post": {"requestBody": json_body({"link": {"type": "string"}}),
                                "responses": ok(status="201")},
                       "get": {"parameters": [{"name": "next", "in": "query",
                                               "schema": {"type": "string"}}],
                               "responses": ok()}},
    }
)
ALLOWED_HOSTS = {"images.example.com"}


def api(*, fetches: bool, log: list[httpx.Request]) -> Any:
    """Link preview (reads the page back), webhooks pinged later from a thread, avatars by
    URL; bookmarks only store their link. `fetches=False` allows only one external host."""
    bookmarks: list[str] = []

    def allowed(url: str) -> bool:
        return fetches or urlsplit(url).hostname in ALLOWED_HOSTS

    def ping_later(url: str) -> None:
        def run() -> None:
            try:
                httpx.post(url, json={"event": "created"}, timeout=2)
            except httpx.HTTPError:
                pass

        threading.Timer(0.2, run).start()

    async def handler(request: httpx.Request) -> httpx.Response:
        log.append(request)
        path = request.url.path
        body = json.loads(request.content) if request.content else {}
        if path == "/openapi.json":
            return httpx.Response(200, json=SPEC)
        if path == "/preview":
            url = request.url.params.get("url", "")
            if not allowed(url):
                return httpx.Response(400, json={"error": "host not allowed"})
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    page = await client.get(url)
            except httpx.HTTPError:
                return httpx.Response(502, json={"error": "fetch failed"})
            return httpx.Response(200, json={"status": page.status_code, "text": page.text[:80]})
        if path == "/hooks" and request.method == "POST":
            if not allowed(body.get("callback", "")):
                return httpx.Response(422, json={"error": "callback host not allowed"})
            ping_later(body["callback"])
            return httpx.Response(201, json={"id": "hook-1"})
        if path == "/avatars" and request.method == "POST":
            image = body.get("image")
            src = image.get("src", "") if isinstance(image, dict) else ""
            if allowed(src):
                async with httpx.AsyncClient(timeout=2) as client:
                    await client.get(src)
            return httpx.Response(201, json={"id": "av-1"})
        if path == "/bookmarks":
            if request.method == "POST":
                bookmarks.append(body.get("link", ""))
                return httpx.Response(201, json={"id": len(bookmarks)})
            return httpx.Response(200, json={"items": bookmarks, "next": None})
        return httpx.Response(200, json={})

    return handler


def test_fetches_of_caller_urls_are_proven_by_the_canary():
    log: list[httpx.Request] = []
    findings = found(scan_mock(api(fetches=True, log=log), checks=CHECK), CHECK)
    assert where(findings) == {("GET", "/preview"), ("POST", "/hooks"), ("POST", "/avatars")}
    assert all(f.confidence is Confidence.CERTAIN for f in findings)
    preview = next(f for f in findings if f.endpoint and f.endpoint.path == "/preview")
    assert "reads what the server fetched" in preview.description  # the answer quoted it
    assert "127.0.0.1" in preview.description and "same host" in preview.description
    hooks = next(f for f in findings if f.endpoint and f.endpoint.path == "/hooks")
    assert "POST /mb-canary/" in hooks.description  # the late, asynchronous ping
    # Cloud metadata addresses are only ever sent on explicit opt-in.
    assert not any("169.254" in str(r.url) + r.content.decode() for r in log)


def test_allow_listed_fetches_and_stored_links_pass():
    log: list[httpx.Request] = []
    assert found(scan_mock(api(fetches=False, log=log), checks=CHECK), CHECK) == []
    # The stored link was probed too (it is URL-named); the `next` cursor was not.
    assert any(MARKER in r.content.decode() for r in log if r.url.path == "/bookmarks")
    assert not any(MARKER in str(r.url) for r in log if r.url.path == "/bookmarks")


def test_remote_targets_get_no_loopback_canary_and_no_metadata_probes():
    log: list[httpx.Request] = []
    result = scan_mock(api(fetches=True, log=log), checks=CHECK, target="http://api.test")
    assert found(result, CHECK) == []
    sent = " ".join(str(r.url) + r.content.decode() for r in log)
    assert MARKER not in sent and "169.254" not in sent


def test_url_names():
    assert is_url_name("callback_url") and is_url_name("imageUrl") and is_url_name("webhook")
    assert is_url_name("redirect") and is_url_name("feed")
    assert is_url_name("anything", {"format": "uri"})
    assert is_url_name("anything", value="https://example.com/x")
    assert not is_url_name("next") and not is_url_name("cursor")  # pagination cursors
    assert not is_url_name("curly") and not is_url_name("username")


def test_canary_records_hits_by_token():
    async def go() -> tuple[list[Any], list[Any], str]:
        async with Canary() as canary:
            token = canary.token()
            async with httpx.AsyncClient() as client:
                answer = await client.get(canary.url(token), headers={"User-Agent": "probe"})
            await canary.wait({token}, 1)
            return canary.hits(token), canary.hits("other"), answer.text

    hits, others, text = asyncio.run(go())
    assert [(h.method, h.user_agent) for h in hits] == [("GET", "probe")]
    assert others == [] and text.startswith(MARKER)
