"""Both twins work as a shop for honest users; the hardened one fails closed and politely."""

from __future__ import annotations

import secrets

import httpx
import pytest

from middlebrick.lab import Lab, Twin
from middlebrick.lab.seed import CUSTOMER_COUNT, PASSWORDS

pytestmark = pytest.mark.integration
JSON = {"Content-Type": "application/json"}


def http(twin: Twin, user: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {twin.tokens[user]}"} if user else {}
    return httpx.Client(base_url=twin.url, headers=headers, timeout=10.0)


def test_honest_users_can_shop_on_both_twins(lab: Lab) -> None:
    for twin in lab.twins:
        with http(twin, "alice") as alice:
            mine = alice.get("/orders").raise_for_status().json()["orders"]
            assert len(mine) == 3 and {o["owner_id"] for o in mine} == {twin.user_ids["alice"]}
            first = mine[0]["order_id"]
            assert alice.get(f"/orders/{first}").json()["order_id"] == first
            assert alice.get(f"/orders/{first}/invoice").json()["order_id"] == first
            product = alice.get("/products").json()["products"][0]
            placed = alice.post("/orders", json={"product_id": product["product_id"]})
            assert placed.status_code == 201, (twin.name, placed.text)
            assert placed.json()["owner_id"] == twin.user_ids["alice"]
            assert placed.json()["total"] == product["price"]
            assert alice.get("/users/me").json()["username"] == "alice"
            assert alice.get("/search", params={"q": "hub"}).json()["products"][0]["name"]
        with http(twin, "admin") as admin:
            assert admin.get("/admin/users").status_code == 200


def test_twin_tokens_and_header_lines(lab: Lab) -> None:
    for twin in lab.twins:
        assert set(twin.tokens) == {"alice", "bob", "admin"}
        assert twin.auth_header("bob") == f"Authorization: Bearer {twin.tokens['bob']}"
        assert twin.url.startswith("http://127.0.0.1:") and twin.openapi_url.endswith(".json")
    assert lab.vulnerable.tokens["alice"] != lab.hardened.tokens["alice"]


def test_the_hardened_twin_pages_through_every_user(lab: Lab) -> None:
    seen: list[str] = []
    cursor: str | None = None
    with http(lab.hardened, "alice") as alice:
        while True:
            params = {"limit": "7", **({"next": cursor} if cursor else {})}
            page = alice.get("/users", params=params).raise_for_status().json()
            assert len(page["users"]) <= 7
            seen += [u["user_id"] for u in page["users"]]
            if (cursor := page["next"]) is None:
                break
    assert len(seen) == len(set(seen)) >= 3 + CUSTOMER_COUNT


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/no/such/route", {}, 404),
        ("DELETE", "/health", {}, 405),
        ("GET", "/orders", {"params": {"since": "'"}}, 400),
        ("GET", "/products", {"params": {"limit": "abc"}}, 400),
        ("GET", "/users", {"params": {"next": "bm90IGEgY3Vyc29y"}}, 400),
        ("POST", "/orders", {"content": b"{", "headers": JSON}, 400),
        ("PATCH", "/users/me", {"json": {"user_id": "usr_x"}}, 400),
        ("GET", "/orders/" + "x" * 3000, {}, 404),
        ("GET", "/users/me", {"headers": {"Authorization": "Bearer forged"}}, 401),
    ],
)
def test_the_hardened_twin_fails_with_generic_json(
    lab: Lab, method: str, path: str, kwargs: dict[str, object], status: int
) -> None:
    with http(lab.hardened, "alice") as alice:
        answer = alice.request(method, path, **kwargs)  # type: ignore[arg-type]
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/json"
    assert set(answer.json()) == {"error"}
    for leak in ("Traceback", "Exception", "botocore", "dynamodb", "Werkzeug"):
        assert leak not in answer.text
    assert "Server" not in answer.headers
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_hardened_login_limit_answers_429_with_retry_after(lab: Lab) -> None:
    body = {"username": f"probe_{secrets.token_hex(4)}", "password": "wrong-guess"}
    with http(lab.hardened) as anonymous:
        answers = [anonymous.post("/auth/login", json=body) for _ in range(6)]
        other = anonymous.post("/auth/login", json={**body, "username": "alice", "password": ""})
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert other.status_code == 400  # another account is limited separately; empty password


def test_the_vulnerable_login_sets_a_session_cookie(lab: Lab) -> None:
    body = {"username": "bob", "password": PASSWORDS["bob"]}
    with http(lab.vulnerable) as anonymous:
        login = anonymous.post("/auth/login", json=body)
    assert login.status_code == 200 and "session" in login.cookies
