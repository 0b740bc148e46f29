"""authz.header-identity: a header the client writes decides who the caller is."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from flask import Flask, abort, g, jsonify, request

from middlebrick.checks.authz_identity import culprit
from middlebrick.models import Severity

from .authz_fakes import Router, found, ok, openapi, path_id, reply, scan_mock, where, wsgi

A = {"Authorization": "Bearer tok-a"}
B = {"Authorization": "Bearer tok-b"}
CHECK = "authz.header-identity"

BILLING_SPEC = openapi(
    {
        "/session": {"get": {"responses": ok()}},
        "/invoices": {"get": {"responses": ok()}},
        "/invoices/{invoice_id}": {
            "parameters": [
                path_id("invoice_id"),
                {"name": "X-Acting-As", "in": "header", "required": False,
                 "description": "Support staff act for a customer",
                 "schema": {"type": "string"}},
            ],
            "get": {"responses": ok()},
        },
    }
)


def billing_app(*, trusts_header: bool) -> Flask:
    """Invoices per account; the vulnerable one lets a declared header pick the account."""
    app = Flask("billing")
    accounts = {"Bearer tok-a": "acct-7f3a", "Bearer tok-b": "acct-91c2"}
    invoices = {
        "inv-a1": {"invoice_id": "inv-a1", "account_id": "acct-7f3a", "amount": 1200},
        "inv-b1": {"invoice_id": "inv-b1", "account_id": "acct-91c2", "amount": 990},
    }

    @app.before_request
    def identify() -> None:
        g.account = accounts.get(request.headers.get("Authorization", ""))
        if g.account is None and request.path not in {"/", "/openapi.json"}:
            abort(401)

    @app.get("/")
    def index() -> Any:
        return {}

    @app.get("/openapi.json")
    def spec() -> Any:
        return BILLING_SPEC

    @app.get("/session")
    def session() -> Any:
        return {"session": {"account_id": g.account, "email": f"{g.account}@example.test"}}

    @app.get("/invoices")
    def listing() -> Any:
        return jsonify(invoices=[i for i in invoices.values() if i["account_id"] == g.account])

    @app.get("/invoices/<invoice_id>")
    def invoice(invoice_id: str) -> Any:
        acting = request.headers.get("X-Acting-As") if trusts_header else None
        found = invoices.get(invoice_id)
        if found is None or found["account_id"] != (acting or g.account):
            abort(403)
        return found

    return app


def test_declared_acting_as_header_reads_another_accounts_invoice():
    result = scan_mock(wsgi(billing_app(trusts_header=True)), checks=CHECK, a=A, b=B)
    [finding] = found(result, CHECK)
    assert where([finding]) == {("GET", "/invoices/{invoice_id}")}
    assert finding.title == "Identity taken from the client-supplied X-Acting-As header"
    assert finding.category.value == "authentication"
    assert finding.evidence[0].request["headers"]["x-acting-as"] == "acct-91c2"
    assert finding.evidence[1].response["status"] == 403  # the baseline: refused without it


def test_header_ignored_passes():
    assert found(scan_mock(wsgi(billing_app(trusts_header=False)), checks=CHECK, a=A, b=B),
                 CHECK) == []


WHOAMI_SPEC = openapi({"/v1/whoami": {"get": {"responses": ok()}}})


def whoami_api(*, trusts_header: bool, echoes: bool = False) -> Router:
    """`X-Forwarded-User` names the caller in the vulnerable one, even with no token at all;
    the `echoes` one repeats the header in its answer without believing it."""
    api = Router(users={"tok-a": "u-1001", "tok-b": "u-1002"})
    handles = {"u-1001": "alice", "u-1002": "bob"}

    @api.route("GET", "/")
    def index(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {})

    @api.route("GET", "/openapi.json")
    def spec(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, WHOAMI_SPEC)

    @api.route("GET", "/v1/whoami")
    def whoami(request: httpx.Request, user: str | None) -> httpx.Response:
        claimed = request.headers.get("X-Forwarded-User")
        caller = claimed if trusts_header and claimed in handles else user
        if caller is None:
            return reply(401, {"detail": "who are you?"})
        body = {"id": caller, "handle": handles[caller]}
        if echoes:
            body["forwarded_user"] = claimed
        return reply(200, body)

    return api


def test_whoami_follows_forwarded_user_even_anonymously():
    findings = found(scan_mock(whoami_api(trusts_header=True), checks=CHECK, a=A, b=B), CHECK)
    assert {f.title for f in findings} == {
        "Identity taken from the client-supplied X-Forwarded-User header"
    }
    assert {f.severity for f in findings} == {Severity.CRITICAL}  # no credentials needed at all


def test_whoami_with_one_identity_uses_no_other_user():
    # No user B and no directory: there is no other user id to claim, so nothing is sent.
    api = whoami_api(trusts_header=True)
    assert found(scan_mock(api, checks=CHECK, a=A), CHECK) == []
    assert not [r for r in api.requests if "x-forwarded-user" in r.headers]


def test_header_echoed_but_not_believed_passes():
    api = whoami_api(trusts_header=False, echoes=True)
    assert found(scan_mock(api, checks=CHECK, a=A, b=B), CHECK) == []


ORDERS_SPEC = openapi(
    {
        "/me": {"get": {"responses": ok()}},
        "/orders": {"get": {"responses": ok()}},
        "/orders/{id}": {"parameters": [path_id("id")], "get": {"responses": ok()}},
    }
)


def orders_api() -> Router:
    """Single orders are checked properly; only the listing filters by `X-Customer-Id`."""
    api = Router(users={"tok-a": "c-1", "tok-b": "c-2"})
    orders = [{"id": "o-1", "customerId": "c-1"}, {"id": "o-2", "customerId": "c-2"}]

    @api.route("GET", "/")
    def index(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {})

    @api.route("GET", "/openapi.json")
    def spec(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, ORDERS_SPEC)

    @api.route("GET", "/me")
    def me(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {"customerId": user, "name": user}) if user else reply(401, {})

    @api.route("GET", "/orders")
    def listing(request: httpx.Request, user: str | None) -> httpx.Response:
        whose = request.headers.get("X-Customer-Id") or user
        return reply(200, [o for o in orders if o["customerId"] == whose])

    @api.route("GET", r"/orders/([\w-]+)")
    def one(request: httpx.Request, user: str | None, oid: str) -> httpx.Response:
        order = next((o for o in orders if o["id"] == oid and o["customerId"] == user), None)
        return reply(200, order) if order else reply(404, {})

    return api


def test_listing_filtered_by_customer_header():
    [finding] = found(scan_mock(orders_api(), checks=CHECK, a=A, b=B), CHECK)
    assert finding.title == "Identity taken from the client-supplied X-Customer-Id header"
    assert where([finding]) == {("GET", "/orders")}


def test_culprit_halves_to_the_one_header_and_refuses_combinations():
    names = [f"X-H{i}" for i in range(13)]
    assert asyncio.run(_culprit(names, "X-H9")) == ("X-H9", "hit")
    assert asyncio.run(_culprit(names, "X-H2", "X-H11")) is None


async def _culprit(names: list[str], *wanted: str) -> Any:
    async def probe(headers: dict[str, str]) -> Any:
        return "hit" if all(w in headers for w in wanted) else None

    return await culprit(names, "v", probe)
