"""Learning ids from responses and offering them for path parameters."""

from __future__ import annotations

from typing import Any

from middlebrick.spec.ids import MAX_VALUES, IdStore
from middlebrick.spec.model import ApiSpec, Operation, Parameter, ResponseSpec
from middlebrick.spec.names import collection_of, singular, to_snake


def op(method: str, path: str, **kwargs: Any) -> Operation:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    params = tuple(Parameter(name=n, location="path", required=True) for n in names)
    return Operation(method=method, path=path, parameters=params, **kwargs)


def param(operation: Operation, name: str) -> Parameter:
    return next(p for p in operation.parameters if p.name == name)


LIST_ORDERS = op("GET", "/orders")
CREATE_ORDER = op("POST", "/orders")
GET_ORDER = op("GET", "/orders/{order_id}")
GET_ORDER_BY_ID = op("GET", "/orders/{id}")


def test_names() -> None:
    assert to_snake("orderId") == "order_id"
    assert to_snake("OrderID") == "order_id"
    assert to_snake("order-id") == "order_id"
    assert to_snake("Items") == "items"
    assert singular("orders") == "order"
    assert singular("categories") == "category"
    assert singular("addresses") == "address"
    assert singular("status") == "status"
    assert collection_of("/users/{user_id}/orders/{order_id}") == "/users/{}/orders"
    assert collection_of("/orders") == "/orders"


def test_list_response_feeds_the_item_operation() -> None:
    ids = IdStore()
    found = ids.learn(LIST_ORDERS, "/orders", [{"id": "o-7", "customer_id": "c-1"}, {"id": 8}])
    assert found == ["o-7", "8"]
    assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == ["o-7", "8"]
    assert ids.candidates(GET_ORDER_BY_ID, param(GET_ORDER_BY_ID, "id")) == ["o-7", "8"]


def test_wrapped_lists() -> None:
    for body in (
        {"items": [{"id": "o-1"}], "count": 1},
        {"Items": [{"id": "o-1"}], "Count": 1},
        {"data": {"id": "o-1"}},
        {"data": {"orders": [{"id": "o-1"}]}},
        {"orders": [{"order_id": "o-1"}]},
    ):
        ids = IdStore()
        assert ids.learn(LIST_ORDERS, "/orders", body) == ["o-1"], body
        assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == ["o-1"], body


def test_camel_case_keys_match_snake_case_params() -> None:
    ids = IdStore()
    ids.learn(op("GET", "/payments"), "/payments", [{"paymentId": "p-1", "orderId": "o-3"}])
    assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == ["o-3"]
    camel = op("GET", "/orders/{orderId}")
    assert ids.candidates(camel, param(camel, "orderId")) == ["o-3"]


def test_nested_objects_are_ids_of_their_own_kind() -> None:
    ids = IdStore()
    found = ids.learn(LIST_ORDERS, "/orders", [{"id": "o-1", "customer": {"id": "c-9"},
                                                "lines": [{"id": "l-1"}]}])
    assert found == ["o-1"]
    get_customer = op("GET", "/customers/{customer_id}")
    assert ids.candidates(get_customer, param(get_customer, "customer_id")) == ["c-9"]
    assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == ["o-1"]


def test_generic_ids_of_other_collections_are_not_offered() -> None:
    ids = IdStore()
    ids.learn(op("GET", "/users"), "/users", [{"id": "u-1"}])
    assert ids.candidates(GET_ORDER_BY_ID, param(GET_ORDER_BY_ID, "id")) == []
    assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == []


def test_nested_collections_and_learning_without_an_operation() -> None:
    ids = IdStore()
    ids.learn(None, "/users/u-1/orders", [{"id": "o-5"}])
    item = op("GET", "/users/{user_id}/orders/{order_id}")
    assert ids.candidates(item, param(item, "order_id")) == ["o-5"]
    assert ids.candidates(item, param(item, "user_id")) == []


def test_concrete_paths_are_matched_to_templates_with_a_spec() -> None:
    spec = ApiSpec(source="mem", version="3.0.3", document={}, base_path="/api",
                   operations=(LIST_ORDERS, GET_ORDER))
    ids = IdStore(spec)
    ids.learn(None, "/api/orders/o-1", {"id": "o-1"})
    assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == ["o-1"]


def test_response_schema_names_the_records() -> None:
    ref = "file:///api.yaml#/components/schemas/Order"
    mine = op("GET", "/me/purchases", responses={"200": ResponseSpec(
        status="200", schema={"type": "array", "items": {"$ref": ref}})})
    ids = IdStore()
    ids.learn(mine, "/me/purchases", [{"id": "o-2"}])
    assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == ["o-2"]


def test_created_ids() -> None:
    ids = IdStore()
    ids.learn(LIST_ORDERS, "/orders", [{"id": "o-1"}])
    found = ids.learn(CREATE_ORDER, "/orders", {"id": "o-9", "customer_id": "c-1"}, created=True)
    assert found == ["o-9"]
    assert ids.created_ids() == {"o-9"}  # not the customer it refers to
    assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == ["o-9", "o-1"]


def test_only_one_new_object_counts_as_created() -> None:
    # Safe mode lets the scanner change what it created: a POST answering with a list (a search,
    # or a create that returns the whole collection) or with an object listed before (an
    # upsert) made nothing new the scanner may change.
    ids = IdStore()
    ids.learn(LIST_ORDERS, "/orders", [{"id": "o-1"}, {"id": "o-2"}])
    answered = ids.learn(CREATE_ORDER, "/orders", [{"id": "o-1"}, {"id": "o-3"}], created=True)
    assert answered == ["o-1", "o-3"] and ids.created_ids() == set()
    ids.learn(CREATE_ORDER, "/orders", {"orders": [{"id": "o-4"}, {"id": "o-5"}]}, created=True)
    assert ids.created_ids() == set()
    ids.learn(CREATE_ORDER, "/orders", {"id": "o-2", "status": "open"}, created=True)
    assert ids.created_ids() == set()
    ids.learn(CREATE_ORDER, "/orders", {"data": {"id": "o-9"}}, created=True)
    ids.learn(CREATE_ORDER, "/orders", {"id": "o-9"}, created=True)  # its own, answered again
    assert ids.created_ids() == {"o-9"}


def test_identities_are_kept_apart() -> None:
    ids = IdStore()
    ids.learn(LIST_ORDERS, "/orders", [{"id": "a-1"}], identity="a")
    ids.learn(LIST_ORDERS, "/orders", [{"id": "b-1"}], identity="b")
    order_id = param(GET_ORDER, "order_id")
    assert ids.candidates(GET_ORDER, order_id) == ["a-1", "b-1"]
    assert ids.candidates(GET_ORDER, order_id, identity="a") == ["a-1"]
    assert ids.candidates(GET_ORDER, order_id, identity="b") == ["b-1"]


def test_values_that_cannot_be_ids_are_ignored() -> None:
    ids = IdStore()
    body = [{"id": True}, {"id": {"nested": 1}}, {"id": "x" * 201}, {"id": ""}, {"id": 1.5},
            {"id": "ok"}]
    assert ids.learn(LIST_ORDERS, "/orders", body) == ["ok"]


def test_lists_are_bounded_and_deduplicated() -> None:
    ids = IdStore()
    ids.learn(LIST_ORDERS, "/orders", [{"id": "same"}, {"id": "same"}])
    ids.learn(LIST_ORDERS, "/orders", [{"id": "same"}])
    assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == ["same"]
    ids.learn(CREATE_ORDER, "/orders", {"id": "mine"}, created=True)
    ids.learn(LIST_ORDERS, "/orders", [{"id": f"o-{n}"} for n in range(50)])
    found = ids.candidates(GET_ORDER, param(GET_ORDER, "order_id"))
    assert len(found) == MAX_VALUES
    assert found[0] == "mine"  # the scanner's own object is never forgotten


def test_a_wrapper_schema_is_looked_into() -> None:
    base = "file:///api.yaml#/components/schemas"
    documents = {"file:///api.yaml": {"components": {"schemas": {
        "OrderPage": {"type": "object", "properties": {
            "results": {"type": "array", "items": {"$ref": f"{base}/Order"}}}},
        "Order": {"type": "object"},
    }}}}
    mine = op("GET", "/me/purchases", responses={"200": ResponseSpec(
        status="200", schema={"$ref": f"{base}/OrderPage"})})
    spec = ApiSpec(source="mem", version="3.0.3", document={}, operations=(mine, GET_ORDER),
                   documents=documents)
    ids = IdStore(spec)
    ids.learn(mine, "/me/purchases", {"results": [{"id": "o-4"}]})
    assert ids.candidates(GET_ORDER, param(GET_ORDER, "order_id")) == ["o-4"]
