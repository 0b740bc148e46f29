"""dynamodb.expression-injection and dynamodb.partiql-injection against fake services answering in
DynamoDB's, DynamoDB Local's and moto's words, raw, wrapped, hidden or swallowed, and against
look-alikes (allow-lists, searches whose results legitimately vary)."""

from __future__ import annotations

import itertools
import random

import httpx
import pytest

from middlebrick.models import Confidence, Severity

from .dynamodb_fakes import (
    PRODUCTS,
    SERVERS,
    filter_service,
    get,
    items,
    key_service,
    query,
    search_service,
    spec,
    structured_filter_service,
)

EXPRESSION = "dynamodb.expression-injection"
PARTIQL = "dynamodb.partiql-injection"
FILTER_SPEC = spec({"/products": get(query("field", enum=["category", "name"]), query("value"))})
ORDERS_SPEC = spec({
    "/orders": get(
        {**query("since", format="date"), "example": "2024-01-15"},
        query("date_field", enum=["created_at"]),
    )
})  # fmt: skip
SEARCH_SPEC = spec({"/search": get({**query("q", maxLength=64), "required": True})})


def notes(finding) -> str:
    return " ".join(e.note or "" for e in finding.evidence)


@pytest.mark.parametrize(
    ("server", "style"), list(itertools.product(SERVERS, ("botocore", "envelope", "text")))
)
def test_filter_injection_seen_in_every_wording(check_runner, server, style):
    [finding] = check_runner(EXPRESSION, filter_service(server, style), spec=FILTER_SPEC)
    assert finding.endpoint is not None and finding.endpoint.path == "/products"
    assert finding.severity is Severity.HIGH and finding.confidence is Confidence.CERTAIN
    assert finding.title.startswith("DynamoDB FilterExpression injection")
    assert finding.title.endswith("(widens results)")
    assert "returns 6 items" in notes(finding)  # the two hidden products included
    assert finding.cwe == "CWE-943" and finding.owasp == "API8:2023"


@pytest.mark.parametrize("style", ["plain", "silent"])
def test_filter_injection_behind_generic_or_swallowed_errors_is_proven_by_widening(
    check_runner, style
):
    [finding] = check_runner(EXPRESSION, filter_service("aws", style), spec=FILTER_SPEC)
    assert finding.confidence is Confidence.CERTAIN and "widens" in finding.title


VISITS_SPEC = spec({"/visits": get({**query("filter", pattern="^[a-z_]+:.+$"),
                                     "example": "urgency:routine"})})  # fmt: skip


@pytest.mark.parametrize("style", ["botocore", "envelope", "silent"])
def test_an_attribute_name_heading_a_structured_value_is_injected_where_it_sits(
    check_runner, style
):
    # filter=urgency:routine: a parenthesis after "routine" proves nothing, after "urgency" it
    # breaks the expression, and the always-true clause goes there too.
    [finding] = check_runner(EXPRESSION, structured_filter_service("local", style),
                             spec=VISITS_SPEC)  # fmt: skip
    assert finding.confidence is Confidence.CERTAIN and finding.title.endswith("(widens results)")
    wide = "attribute_exists(urgency) OR attribute_exists(urgency) OR urgency:routine"
    assert f'filter="{wide}" returns 6 items' in notes(finding)
    assert f'"{wide.replace(" OR ", " AND ")}" returns 2' in notes(finding)
    if style != "silent":
        assert 'filter="urgency):routine" breaks the expression' in notes(finding)


def test_a_structured_value_with_an_allow_listed_name_is_not_reported(check_runner):
    for style in ("botocore", "silent"):
        handler = structured_filter_service("local", style, guard=True)
        assert check_runner(EXPRESSION, handler, spec=VISITS_SPEC) == []


@pytest.mark.parametrize("server", SERVERS)
def test_key_condition_injection_in_each_servers_words(check_runner, server):
    [finding] = check_runner(EXPRESSION, key_service(server, "botocore"), spec=ORDERS_SPEC)
    assert "KeyConditionExpression" in finding.title and "'date_field'" in finding.title
    assert finding.confidence is Confidence.CERTAIN


@pytest.mark.parametrize("server", ["aws", "local"])
def test_key_condition_injection_behind_a_bare_500_needs_two_agreeing_pairs(check_runner, server):
    [finding] = check_runner(EXPRESSION, key_service(server, "plain"), spec=ORDERS_SPEC)
    assert finding.confidence is Confidence.FIRM
    assert 'fail (500) while " created_at"' in notes(finding)


def test_no_claim_where_the_grammar_proof_is_impossible(check_runner):
    # moto refuses "(created_at)": without DynamoDB's words nothing tells the pairs apart.
    assert check_runner(EXPRESSION, key_service("moto", "plain"), spec=ORDERS_SPEC) == []
    # Errors swallowed into an empty 200 and no OR in key conditions: nothing to observe.
    assert check_runner(EXPRESSION, key_service("aws", "silent"), spec=ORDERS_SPEC) == []


@pytest.mark.parametrize("guard", ["allow-list", "strip-allow-list", "strip-lookup"])
@pytest.mark.parametrize("style", ["botocore", "plain"])
def test_validated_attribute_names_are_not_reported(check_runner, guard, style):
    handler = filter_service("local", style, guard=guard)
    assert check_runner(EXPRESSION, handler, spec=FILTER_SPEC) == []
    assert check_runner(PARTIQL, handler, spec=FILTER_SPEC) == []


def token_search(request: httpx.Request) -> httpx.Response:
    """A search that ORs the words of q: "a OR b" legitimately finds more than "a"."""
    words = [w.lower() for w in request.url.params.get("q", "").replace("'", " ").split()]
    words = [w.strip("()<>=") for w in words if w.strip("()<>=")]
    hits = [p for p in PRODUCTS if any(w in p["name"] or w in p["category"] for w in words)]
    return items("products", hits)


def random_search(seed: int):
    rng = random.Random(seed)

    def handle(request: httpx.Request) -> httpx.Response:
        return items("products", rng.sample(PRODUCTS, rng.randint(0, len(PRODUCTS))))

    return handle


@pytest.mark.parametrize("check_id", [EXPRESSION, PARTIQL])
def test_searches_whose_results_vary_are_not_injections(check_runner, check_id):
    assert check_runner(check_id, token_search, spec=SEARCH_SPEC) == []
    for seed in range(6):
        assert check_runner(check_id, random_search(seed), spec=SEARCH_SPEC) == []


@pytest.mark.parametrize(
    ("server", "style", "context"),
    list(itertools.product(("aws", "local"), ("botocore", "envelope", "text", "plain", "silent"),
                           ("fn", "eq"))),
)  # fmt: skip
def test_partiql_injection_widens_results(check_runner, server, style, context):
    handler = search_service(server, style, context=context)
    [finding] = check_runner(PARTIQL, handler, spec=SEARCH_SPEC)
    assert finding.endpoint is not None and finding.endpoint.path == "/search"
    assert finding.title == "PartiQL injection through the query parameter 'q' (widens results)"
    assert finding.confidence is Confidence.CERTAIN and finding.severity is Severity.HIGH
    assert "returns 6 items" in notes(finding)


def test_partiql_statement_errors_without_widening(check_runner):
    # Only DynamoDB's statement error: a quote breaks it, a doubled (escaped) quote does not.
    def errors_only(request: httpx.Request) -> httpx.Response:
        reply = search_service("aws", "botocore")(request)
        return reply if reply.status_code >= 400 else items("products", [])

    [finding] = check_runner(PARTIQL, errors_only, spec=SEARCH_SPEC)
    assert finding.confidence is Confidence.CERTAIN
    assert "breaks the PartiQL statement" in notes(finding)


def test_partiql_injection_on_moto_is_seen_through_the_failed_call(check_runner):
    [finding] = check_runner(PARTIQL, search_service("moto", "botocore"), spec=SEARCH_SPEC)
    assert finding.confidence is Confidence.FIRM
    assert "make the ExecuteStatement call fail" in notes(finding)


def test_partiql_errors_hidden_behind_statuses_need_both_quote_pairs(check_runner):
    [finding] = check_runner(PARTIQL, _no_widening(search_service("aws", "envelope")),
                             spec=SEARCH_SPEC)  # fmt: skip
    assert finding.confidence is Confidence.FIRM
    assert "doubled" in notes(finding)


def _no_widening(handler):
    def handle(request: httpx.Request) -> httpx.Response:
        reply = handler(request)
        if reply.status_code >= 400:
            return httpx.Response(reply.status_code, json={"ok": False})  # no words at all
        return items("products", [])

    return handle


@pytest.mark.parametrize("style", ["botocore", "plain", "silent"])
@pytest.mark.parametrize("context", ["fn", "eq"])
def test_statement_parameters_are_not_reported(check_runner, style, context):
    handler = search_service("aws", style, context=context, safe=True)
    assert check_runner(PARTIQL, handler, spec=SEARCH_SPEC) == []
    assert check_runner(EXPRESSION, handler, spec=SEARCH_SPEC) == []


def test_each_check_keeps_to_its_own_injection(check_runner):
    assert check_runner(PARTIQL, filter_service("aws", "botocore"), spec=FILTER_SPEC) == []
    assert check_runner(EXPRESSION, search_service("aws", "botocore"), spec=SEARCH_SPEC) == []


def test_documentation_mentioning_expression_errors_is_no_evidence(check_runner):
    doc = (
        "<h1>Errors</h1><p>A ValidationException such as 'Invalid FilterExpression: Syntax "
        "error; token' means the filter was malformed.</p>"
    )

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=doc, headers={"Content-Type": "text/html"})

    assert check_runner(EXPRESSION, handle, spec=FILTER_SPEC) == []
    assert check_runner(PARTIQL, handle, spec=SEARCH_SPEC) == []


def test_probes_stay_within_their_budget(check_runner):
    sent: list[str] = []
    many = spec({f"/p{i}": get(query("field"), query("q"), query("name")) for i in range(12)})

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(500, text="boom")

    for check_id in (EXPRESSION, PARTIQL):
        sent.clear()
        assert check_runner(check_id, handle, spec=many, explore=()) == []
        assert len(sent) <= 70


def test_without_a_spec_the_explored_query_strings_are_varied(check_runner):
    explore = [("GET", "/"), ("GET", "/products?field=category&value=audio")]
    [finding] = check_runner(EXPRESSION, filter_service("local", "botocore"), explore=explore)
    assert finding.endpoint is not None and finding.endpoint.path == "/products"
    assert finding.location is None and "'field'" in finding.title
    searched = [("GET", "/search?q=hub")]
    [finding] = check_runner(PARTIQL, search_service("aws", "text"), explore=searched)
    assert finding.endpoint is not None and finding.endpoint.url.endswith("/search?q=hub")
