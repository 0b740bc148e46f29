"""dynamodb.table-name-injection against fake services in each server's and app's wording, and
look-alikes: id look-ups that say "not found", documented alternatives, allow-lists."""

from __future__ import annotations

import itertools
import json

import httpx
import pytest

from middlebrick.checks._dynamodb_names import (
    candidates,
    referenced_names,
    response_names,
    spec_names,
)
from middlebrick.checks._dynamodb_probe import Point
from middlebrick.models import Confidence, Severity

from .dynamodb_fakes import (
    SERVERS,
    TABLE_SPEC_PATHS,
    failure,
    get,
    missing_table,
    path,
    query,
    spec,
    table_service,
)

TABLE = "dynamodb.table-name-injection"
SPEC = spec(TABLE_SPEC_PATHS)
EXPLORE = (("GET", "/"), ("GET", "/config"))


def by_path(findings) -> dict[str, object]:
    return {f.endpoint.path: f for f in findings}


def evidence_text(finding) -> str:
    return json.dumps([e.to_dict() for e in finding.evidence])


@pytest.mark.parametrize(
    ("server", "style"), list(itertools.product(SERVERS, ("botocore", "envelope", "text")))
)
def test_table_in_the_path_reads_another_table(check_runner, server, style):
    findings = check_runner(TABLE, table_service(server, style), spec=SPEC, explore=EXPLORE)
    found = by_path(findings)
    assert set(found) == {"/reports/{table}", "/reports"}  # never the id look-up
    finding = found["/reports/{table}"]
    assert finding.title == "DynamoDB table chosen by the path parameter 'table': table 'users' " \
                            "readable"  # fmt: skip
    assert finding.severity is Severity.HIGH and finding.confidence is Confidence.CERTAIN
    assert finding.cwe == "CWE-943" and finding.category.value == "injection"
    text = evidence_text(finding)
    assert "/reports/users" in text and "password_hash" in text  # the read of the other table
    assert "x" * 12 not in text  # ... with the hashes masked


def test_table_in_the_query_string_with_a_made_up_usual_value(check_runner):
    # The spec gives no value for ?collection=: "example" fails, "orders" is empty, and
    # "products" (learned from /config, prefix removed) works.
    handler = table_service("aws", "botocore")
    only = spec({"/reports": TABLE_SPEC_PATHS["/reports"], "/config": get()})
    [finding] = check_runner(TABLE, handler, spec=only, explore=EXPLORE)
    assert finding.title == "DynamoDB table chosen by the query parameter 'collection': table " \
                            "'users' readable"  # fmt: skip
    assert 'collection="products" works' in (finding.evidence[0].note or "")


def test_table_error_alone_without_a_readable_table_is_firm(check_runner):
    # Without /config the service's "shop_" prefix is unknown: no other table can be named.
    handler = table_service("local", "botocore")
    found = by_path(check_runner(TABLE, handler, spec=SPEC, explore=()))
    finding = found["/reports/{table}"]
    assert finding.confidence is Confidence.FIRM and "readable" not in finding.title


def test_invalid_name_error_confirms_a_table_behind_a_bare_500(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if name == "mbzq7nosuchtable":  # only the invalid name reaches the client's eyes
            return failure("plain", "ResourceNotFoundException", "Scan", "")
        return table_service("local", "botocore")(request)

    found = by_path(check_runner(TABLE, handler, spec=SPEC, explore=EXPLORE))
    assert found["/reports/{table}"].confidence is Confidence.CERTAIN
    assert "mb%20zq7!" in evidence_text(found["/reports/{table}"])


def test_bare_500s_and_another_tables_items_are_tentative(check_runner):
    handler = table_service("aws", "plain")
    found = by_path(check_runner(TABLE, handler, spec=SPEC, explore=EXPLORE))
    assert found["/reports/{table}"].confidence is Confidence.TENTATIVE


def test_error_code_without_message(check_runner):
    def handler(request: httpx.Request) -> httpx.Response:
        reply = table_service("aws", "botocore")(request)
        if reply.status_code == 500:
            return httpx.Response(500, json={"error": reply.json()["error"]})
        return reply

    found = by_path(check_runner(TABLE, handler, spec=SPEC, explore=EXPLORE))
    assert found["/reports/{table}"].confidence is Confidence.FIRM
    alone = by_path(check_runner(TABLE, handler, spec=SPEC, explore=()))
    assert alone["/reports/{table}"].confidence is Confidence.TENTATIVE


@pytest.mark.parametrize("style", ["botocore", "plain", "silent"])
def test_allow_listed_reports_are_not_reported(check_runner, style):
    handler = table_service("aws", style, safe=True)
    assert check_runner(TABLE, handler, spec=SPEC, explore=EXPLORE) == []


def test_id_lookups_that_say_not_found_are_not_table_names(check_runner):
    ids = spec({"/items/{item_id}": get(path("item_id"))})
    assert check_runner(TABLE, table_service("aws", "botocore"), spec=ids) == []


def test_documented_alternatives_are_not_other_tables(check_runner):
    # /catalog/{kind}: two documented kinds of different shapes, a crash for any other.
    kinds = {"books": [{"isbn": "1", "title": "t"}], "films": [{"imdb": "tt1", "runtime": 90}]}

    def handler(request: httpx.Request) -> httpx.Response:
        kind = request.url.path.rsplit("/", 1)[-1]
        if kind not in kinds:
            return httpx.Response(500, text="KeyError", headers={"Content-Type": "text/plain"})
        return httpx.Response(200, json={"items": kinds[kind]})

    catalog = spec({"/catalog/{kind}": get(path("kind", enum=["books", "films"]))})
    assert check_runner(TABLE, handler, spec=catalog) == []


def test_without_a_spec_explored_urls_are_varied(check_runner):
    handler = table_service("aws", "botocore")
    explore = (("GET", "/config"), ("GET", "/reports/products"))
    [finding] = check_runner(TABLE, handler, explore=explore)
    assert finding.endpoint is not None and finding.endpoint.path == "/reports/products"
    assert finding.confidence is Confidence.CERTAIN


def test_names_are_learned_from_replies_and_lose_the_services_prefix():
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/acme-prod-invoices"
    exchanges = [_exchange({"tables": ["acme-prod-products", "acme-prod-users"]}),
                 _exchange({"error": f"AccessDeniedException on {arn}"})]  # fmt: skip
    learned = response_names(exchanges)
    assert learned == ["acme-prod-products", "acme-prod-users", "acme-prod-invoices"]
    point = Point("kind", "query", "products", schema={"enum": ["products", "invoices"]})
    # "invoices" is documented for this input, so reading it proves nothing
    assert candidates(point, learned, ["orders"]) == ["users", "orders", "acme-prod-products"]
    assert spec_names(SPEC) == ["reports", "items"]


def _exchange(body: object):
    from middlebrick.http.exchange import Exchange

    return Exchange(
        method="GET", url="http://api.test/x", request_headers=httpx.Headers(),
        request_body=b"", status=200, headers=httpx.Headers(), body=json.dumps(body).encode(),
    )  # fmt: skip


def test_tables_the_items_refer_to_and_kebab_case_collections_are_tried():
    assert referenced_names(["order_id", "customerId", "total"], "orders") == ["customers"]
    assert referenced_names(["OrderId", "CustomerId"], "Order") == ["Customer"]
    assert referenced_names(["order_id", "status"], "orders") == []  # its own key names itself
    kebab = spec({"/loyalty-points": get(), "/gift-cards/{card_id}": get(path("card_id"))})
    assert spec_names(kebab) == ["loyalty-points", "loyalty_points", "points", "gift-cards",
                                 "gift_cards", "cards"]  # fmt: skip


def export_service(request: httpx.Request) -> httpx.Response:
    """GET /exports?dataset=orders: a Scan of `crm_<dataset>`, its documented enum unenforced;
    the orders name their customers, whose table no route or reply names."""
    tables = {
        "crm_orders": [{"order_id": f"o{i}", "customer_id": f"c{i}", "total": i} for i in range(3)],
        "crm_customers": [{"customer_id": "c1", "email": "a@b.test", "pin_hash": "x" * 12}],
    }
    table = "crm_" + request.url.params.get("dataset", "")
    if table not in tables:
        said = missing_table("local", table)
        return failure("botocore", "ResourceNotFoundException", "Scan", said)
    return httpx.Response(200, json={"rows": tables[table]})


def test_a_table_only_the_items_refer_to_is_read(check_runner):
    exports = spec({"/exports": get({**query("dataset", enum=["orders"]), "required": True})})
    [finding] = check_runner(TABLE, export_service, spec=exports)
    assert finding.title.endswith("table 'customers' readable")
    assert finding.confidence is Confidence.CERTAIN
