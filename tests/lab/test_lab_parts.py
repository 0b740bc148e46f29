"""The lab's parts that need no server: seed data, tokens, cursors, rate limits, ground truth."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from middlebrick.lab import GroundTruthItem, load_ground_truth
from middlebrick.lab.common import issue_token, token_subject
from middlebrick.lab.ground_truth import CATEGORIES
from middlebrick.lab.ratelimit import RateLimiter
from middlebrick.lab.seed import PASSWORDS, orders, user_id, users
from middlebrick.lab.store import decode_page_token, encode_page_token
from middlebrick.lab.vulnerable import fake_aws_credentials


def test_seeded_passwords_verify_with_werkzeug() -> None:
    by_name = {u["username"]: u for u in users()}
    for name, password in PASSWORDS.items():
        assert check_password_hash(by_name[name]["password_hash"], password)
        assert not check_password_hash(by_name[name]["password_hash"], password + "x")


def test_seed_ids_are_stable_and_orders_belong_to_alice_and_bob() -> None:
    assert user_id("alice") == user_id("alice") != user_id("bob")
    owners = {o["owner_id"] for o in orders()}
    assert owners == {user_id("alice"), user_id("bob")}
    assert sum(u["role"] == "admin" for u in users()) == 1


def test_tokens_verify_only_with_their_key() -> None:
    token = issue_token("key-one", "usr_1")
    assert token_subject("key-one", token, max_age=60) == "usr_1"
    assert token_subject("key-two", token, max_age=60) is None
    assert token_subject("key-one", token + "x", max_age=None) is None


def test_page_tokens_round_trip_and_refuse_anything_else() -> None:
    key = {"user_id": {"S": "usr_1"}}
    token = encode_page_token(key)
    assert token is not None and decode_page_token(token, {"user_id"}) == key
    assert encode_page_token(None) is None
    for bad in ("garbage", encode_page_token({"other": {"S": "x"}}) or "", "e30="):
        assert decode_page_token(bad, {"user_id"}) is None
    assert decode_page_token(encode_page_token({"user_id": {"N": "1"}}) or "", {"user_id"}) is None


def test_rate_limiter_allows_the_limit_then_says_how_long_to_wait() -> None:
    limiter = RateLimiter(limit=3, window=60.0)
    assert [limiter.hit("a") for _ in range(3)] == [None, None, None]
    wait = limiter.hit("a")
    assert wait is not None and 1 <= wait <= 60
    assert limiter.hit("b") is None


def test_fake_credentials_are_shaped_like_aws_ones() -> None:
    key_id, secret = fake_aws_credentials()
    assert key_id.startswith("AKIA") and len(key_id) == 20 and key_id.isalnum()
    assert key_id.upper() == key_id and len(secret) == 40


def test_ground_truth_is_well_formed() -> None:
    items = load_ground_truth()
    assert all(isinstance(i, GroundTruthItem) for i in items)
    assert len({i.id for i in items}) == len(items) >= 20
    assert {i.category for i in items} <= CATEGORIES
    assert {i.issue for i in items} == {2, 4, 5, 6}
    for item in items:
        assert (item.method is None) == (item.path is None), item.id
        assert item.path is None or item.path.startswith("/"), item.id
