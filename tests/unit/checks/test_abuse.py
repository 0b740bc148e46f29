"""abuse.rate-limit: a bounded burst of failed logins and searches, and what counts as a limit."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from middlebrick.checks.abuse import BURST_SIZE
from middlebrick.models import Confidence, Severity

from .test_authn_support import document, operation, scan_check

CHECK = "abuse.rate-limit"
LOGIN = {"type": "object", "required": ["username", "password"], "properties": {
    "username": {"type": "string"}, "password": {"type": "string"}}}  # fmt: skip
SEARCH = [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"},
           "example": "pen"}]  # fmt: skip
DOC = document(
    {
        "/login": {"post": operation(secured=False, body=LOGIN)},
        "/products/search": {"get": operation(secured=False, params=SEARCH)},
        "/products": {"get": operation(secured=False)},
    }
)


def shop(limit: str | None = None, *, search_limit: bool = False):
    """Login answers 401 to wrong passwords; `limit` picks how (if at all) it pushes back."""
    tries: Counter[str] = Counter()
    searches = Counter[str]()

    def handler(req: httpx.Request) -> httpx.Response:
        path = req.url.path
        if path == "/products/search":
            searches["all"] += 1
            if search_limit and searches["all"] > 10:
                return httpx.Response(429, headers={"Retry-After": "30"})
            return httpx.Response(200, json={"results": [{"sku": "p1", "name": "pen"}]})
        if path == "/products":
            return httpx.Response(200, json={"products": [{"sku": "p1"}], "next": None})
        if path != "/login":
            return httpx.Response(404, json={"error": "not found"})
        body: dict[str, Any] = json.loads(req.content or b"{}")
        if not body.get("username") or not body.get("password"):
            return httpx.Response(400, json={"error": "username and password required"})
        if limit == "validation":
            return httpx.Response(400, json={"error": "captcha token missing"})
        user = body["username"]
        tries[user] += 1
        headers: dict[str, str] = {}
        if limit == "429" and tries[user] > 5:
            return httpx.Response(429, json={"error": "slow down"}, headers={"Retry-After": "60"})
        if limit == "lockout" and tries[user] > 3:
            return httpx.Response(403, json={"error": "Account temporarily locked"})
        if limit == "headers":  # a generous limit, announced on every answer
            headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": str(100 - tries[user])}
        return httpx.Response(401, json={"error": "invalid credentials"}, headers=headers)

    return handler


def guessed(sent) -> list:
    """The burst's attempts (exploration's own login uses the document's example name)."""
    return [
        x for x in sent
        if x.path == "/login" and json.loads(x.request_body)["username"].startswith("mb_")
    ]  # fmt: skip


def test_login_without_any_limit_is_found_on_the_login_operation():
    sent: list = []
    findings = scan_check(CHECK, shop(), DOC, sent=sent)
    login = [f for f in findings if f.endpoint and f.endpoint.path == "/login"]
    assert [(f.severity, f.confidence, f.cwe) for f in login] == [
        (Severity.MEDIUM, Confidence.FIRM, "CWE-307")
    ]
    assert login[0].endpoint.method == "POST"
    guesses = guessed(sent)
    assert len(guesses) == BURST_SIZE  # bounded: exactly one burst
    assert len({json.loads(x.request_body)["username"] for x in guesses}) == 1
    assert len({json.loads(x.request_body)["password"] for x in guesses}) == BURST_SIZE


def test_the_burst_size_is_the_users_to_choose():
    sent: list = []
    findings = scan_check(CHECK, shop(), DOC, sent=sent, rate_limit_burst=8)
    assert [f.endpoint.path for f in findings if f.endpoint and f.endpoint.path == "/login"]
    assert len(guessed(sent)) == 8


@pytest.mark.parametrize("limit", ["429", "lockout", "headers", "validation"])
def test_a_limit_a_lockout_announced_limits_or_no_verdict_are_fine(limit):
    sent: list = []
    findings = scan_check(CHECK, shop(limit), DOC, sent=sent)
    assert not [f for f in findings if f.endpoint and f.endpoint.path == "/login"]
    if limit in ("429", "lockout"):
        assert len(guessed(sent)) <= 10  # stops at the push-back


def test_an_unlimited_search_is_a_low_tentative_finding_with_cwe_770():
    findings = scan_check(CHECK, shop("429"), DOC)
    assert [(f.endpoint.path, f.severity, f.confidence, f.cwe) for f in findings] == [
        ("/products/search", Severity.LOW, Confidence.TENTATIVE, "CWE-770")
    ]


def test_a_plain_listing_without_a_limit_is_only_an_observation():
    # Most services list their collections unthrottled (a gateway may limit them unseen).
    listing_only = document({"/products": {"get": operation(secured=False)}})
    [finding] = scan_check(CHECK, shop(), listing_only)
    assert (finding.endpoint.path, finding.severity) == ("/products", Severity.INFO)


def test_a_search_limit_or_a_documented_one_is_fine():
    assert scan_check(CHECK, shop("429", search_limit=True), DOC) == []
    documented = json.loads(json.dumps(DOC))
    documented["paths"]["/products/search"]["get"]["responses"]["429"] = {"description": "slow"}
    sent: list = []
    assert scan_check(CHECK, shop("429"), documented, sent=sent) == []
    assert len([x for x in sent if x.path == "/products/search"]) <= 2  # no burst at all


def test_an_oauth_style_form_login_is_burst_too():
    doc = document({"/oauth/token": {"post": {
        "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "properties": {"grant_type": {"type": "string", "enum": ["password"]},
                                             "username": {"type": "string"},
                                             "password": {"type": "string"}}}}}},
        "responses": {"200": {"description": "token"}}, "security": []}}})  # fmt: skip

    def handler(req: httpx.Request) -> httpx.Response:
        form = parse_qs(req.content.decode())
        if req.url.path == "/oauth/token" and form.get("username"):
            return httpx.Response(400, json={"error": "invalid_grant"})
        return httpx.Response(404)

    # OAuth answers a wrong password with 400 invalid_grant (RFC 6749): the guess got through.
    findings = scan_check(CHECK, handler, doc)
    assert [(f.endpoint.method, f.endpoint.path) for f in findings] == [("POST", "/oauth/token")]


def test_read_only_sends_no_login_attempts():
    sent: list = []
    findings = scan_check(CHECK, shop(), DOC, read_only=True, sent=sent)
    assert all(x.method in ("GET", "HEAD", "OPTIONS") for x in sent)
    assert [f.endpoint.path for f in findings] == ["/products/search"]
