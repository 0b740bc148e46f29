"""dynamodb.unbounded-scan: listings that return whole tables, and listings that page properly."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from middlebrick.checks.dynamodb_scan import Listing, listing
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Severity

from .explored import run_explored

CHECK = "dynamodb.unbounded-scan"
TOKENS = {"a": {"Authorization": "Bearer a-token"}, "b": {"Authorization": "Bearer b-token"}}


def spec(path: str, *params: dict[str, Any]) -> dict[str, Any]:
    get = {"parameters": list(params), "responses": {"200": {"description": "a list"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {path: {"get": get}},
    }


def query(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


def rows(n: int, prefix: str = "r") -> list[dict[str, Any]]:
    return [{"pk": f"{prefix}-{i:03d}", "name": f"row {i}"} for i in range(n)]


def api(answer: Callable[[httpx.Request], Any]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(404, json={})
        return httpx.Response(200, json=answer(request))

    return handler


def test_ignored_page_size_on_a_big_table():
    table = rows(80)
    findings = run_explored(
        CHECK,
        api(lambda r: {"data": {"records": table}, "total": len(table)}),
        spec("/records", query("per_page", type="integer", minimum=1, maximum=100)),
    )
    assert len(findings) == 1
    finding = findings[0]
    assert finding.category is Category.RESOURCE_CONSUMPTION and finding.cwe == "CWE-770"
    assert (finding.severity, finding.confidence) == (Severity.MEDIUM, Confidence.FIRM)
    assert finding.endpoint is not None and finding.endpoint.path == "/records"
    assert "per_page=1 answered 80 items and no cursor" in (finding.evidence[0].note or "")
    assert "per_page=1" in finding.evidence[0].request["url"]


def test_ignored_limit_on_a_small_table_both_users_see_whole():
    table = rows(12)
    handler = api(lambda r: {"items": table, "next": None})
    document = spec("/members", query("limit", type="integer"), query("next", type="string"))
    findings = run_explored(CHECK, handler, document, headers_a=TOKENS["a"], headers_b=TOKENS["b"])
    assert [(f.confidence, f.endpoint.path if f.endpoint else None) for f in findings] == [
        (Confidence.FIRM, "/members")
    ]
    # Without user B the same answers are only a hint: a small set may be all there is.
    alone = run_explored(CHECK, handler, spec("/members", query("limit", type="integer")))
    assert [f.confidence for f in alone] == [Confidence.TENTATIVE]


def test_each_users_own_few_items_are_not_a_table_scan():
    def answer(request: httpx.Request) -> Any:
        who = "a" if request.headers.get("Authorization") == "Bearer a-token" else "b"
        return {"orders": rows(4, prefix=f"order-{who}")}

    findings = run_explored(
        CHECK, api(answer), spec("/orders", query("limit", type="integer")),
        headers_a=TOKENS["a"], headers_b=TOKENS["b"],
    )  # fmt: skip
    assert findings == []


def test_an_export_of_each_users_own_many_items_is_not_a_table_scan():
    def answer(request: httpx.Request) -> Any:
        who = "a" if request.headers.get("Authorization") == "Bearer a-token" else "b"
        return {"notes": rows(60, prefix=f"note-{who}")}

    both = run_explored(CHECK, api(answer), spec("/notes/export"),
                        headers_a=TOKENS["a"], headers_b=TOKENS["b"])  # fmt: skip
    assert both == []
    # The same answer to both users is one table, whole in every answer.
    shared = run_explored(CHECK, api(lambda r: {"notes": rows(120)}), spec("/notes/export"),
                          headers_a=TOKENS["a"], headers_b=TOKENS["b"])  # fmt: skip
    assert [f.confidence for f in shared] == [Confidence.FIRM]


@pytest.mark.parametrize("owned", [True, False])
def test_one_user_alone_with_many_items_naming_that_user_as_owner(owned):
    def answer(request: httpx.Request) -> Any:
        if request.url.path == "/account":
            return {"account_id": "acc-7", "email_verified": True}
        notes = rows(60)
        return {"notes": [{**n, "account_id": "acc-7"} for n in notes] if owned else notes}

    document = spec("/notes/export")
    document["paths"]["/account"] = spec("/account")["paths"]["/account"]
    findings = run_explored(CHECK, api(answer), document, headers_a=TOKENS["a"])
    # All of them A's: A's own partition. Without owners a big answer stays a (tentative) hint.
    assert [f.confidence for f in findings] == ([] if owned else [Confidence.TENTATIVE])


def test_huge_page_size_accepted_beyond_its_documented_maximum():
    table = rows(150)

    def answer(request: httpx.Request) -> Any:
        size = int(request.url.params.get("size", "20"))
        return {"results": table[:size]}

    findings = run_explored(
        CHECK, api(answer), spec("/events", query("size", type="integer", maximum=100))
    )
    assert len(findings) == 1
    note = findings[0].evidence[0].note or ""
    assert "size=1000000 was accepted and answered 150 items" in note
    assert "documented maximum is 100" in note


def test_raw_boto3_scan_response_without_page_size():
    items = [{"pk": {"S": f"k{i}"}, "n": {"N": str(i)}} for i in range(25)]
    handler = api(lambda r: {"Items": items, "Count": 25, "ScannedCount": 25})
    findings = run_explored(CHECK, handler, spec("/dump"))
    assert [f.confidence for f in findings] == [Confidence.FIRM]
    assert "ScannedCount" in (findings[0].evidence[0].note or "")


def test_many_items_and_no_pagination_at_all_is_tentative():
    findings = run_explored(CHECK, api(lambda r: rows(60)), spec("/all"))
    assert [f.confidence for f in findings] == [Confidence.TENTATIVE]


# -- look-alikes that page properly ----------------------------------------------------------


def cursor_api(table: list[dict[str, Any]], style: str) -> Callable[[httpx.Request], Any]:
    """Honours `limit` (1..50, else 400) and hands out a cursor in one of several styles."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(404, json={})
        raw = request.url.params.get("limit", "20")
        if not raw.isdigit() or not 1 <= int(raw) <= 50:
            return httpx.Response(400, json={"error": "limit must be 1..50"})
        start = int(base64.b64decode(request.url.params.get("cursor", "MA==")))
        page = table[start : start + int(raw)]
        more = start + len(page) < len(table)
        token = base64.b64encode(str(start + len(page)).encode()).decode() if more else None
        if style == "dynamodb":
            key = {"pk": {"S": page[-1]["pk"]}} if more else None
            body: Any = {"Items": page, "Count": len(page), "ScannedCount": len(page)}
            if key:
                body["LastEvaluatedKey"] = key
            return httpx.Response(200, json=body)
        if style == "link":
            headers = {"Link": f'</things?cursor={token}>; rel="next"'} if token else {}
            return httpx.Response(200, json=page, headers=headers)
        return httpx.Response(200, json={"things": page, "paging": {"next_cursor": token}})

    return handler


@pytest.mark.parametrize("style", ["dynamodb", "link", "nested"])
@pytest.mark.parametrize("size", [3, 120])
def test_listings_that_honour_limit_and_offer_a_cursor(style, size):
    handler = cursor_api(rows(size), style)
    document = spec("/things", query("limit", type="integer", minimum=1, maximum=50),
                    query("cursor", type="string"))  # fmt: skip
    assert run_explored(CHECK, handler, document, headers_a=TOKENS["a"]) == []


def test_small_list_without_pagination_is_not_reported():
    assert run_explored(CHECK, api(lambda r: {"regions": rows(6)}), spec("/regions")) == []


def test_server_that_clamps_huge_page_sizes_quietly():
    table = rows(300)

    def answer(request: httpx.Request) -> Any:
        size = min(int(request.url.params.get("limit", "25")), 100)
        return {"items": table[:size], "next": "opaque-cursor"}

    assert run_explored(CHECK, api(answer), spec("/logs", query("limit", type="integer"))) == []


def test_off_by_one_has_more_read_is_not_an_ignored_limit():
    def answer(request: httpx.Request) -> Any:
        size = int(request.url.params.get("limit", "10"))
        return {"items": rows(40)[: size + 1]}  # fetches one extra to see if there is more

    document = spec("/feed", query("limit", type="integer", maximum=50))
    assert run_explored(CHECK, api(answer), document) == []


def _exchange(body: Any, headers: dict[str, str] | None = None) -> Exchange:
    return Exchange(
        method="GET",
        url="http://t/x",
        request_headers=httpx.Headers(),
        request_body=b"",
        status=200,
        headers=httpx.Headers({"content-type": "application/json", **(headers or {})}),
        body=json.dumps(body).encode(),
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([{"a": 1}, {"a": 2}], (2, False, False)),
        ({"data": [{"a": 1}], "links": {"next": "/x?page=2"}}, (1, True, False)),
        ({"data": [{"a": 1}], "links": {"next": None, "self": "/x"}}, (1, False, False)),
        ({"Items": [{"a": {"N": "1"}}], "Count": 1, "ScannedCount": 9}, (1, False, True)),
        ({"users": [{"a": 1}], "has_more": True}, (1, True, False)),
        ({"users": [{"a": 1}], "next": None}, (1, False, False)),
    ],
)
def test_listing_reads_counts_and_cursors(body, expected):
    found = listing(_exchange(body))
    assert isinstance(found, Listing)
    assert (found.count, found.cursor, found.raw_scan) == expected


def test_listing_ignores_what_is_not_a_collection():
    assert listing(_exchange({"status": "ok"})) is None
    assert listing(_exchange(["a", "b"])) is None
