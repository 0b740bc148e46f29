from __future__ import annotations

import httpx

from middlebrick.evidence import evidence_from, excerpt, mask_header, mask_text
from middlebrick.http.exchange import Exchange


def test_secrets_in_bodies_are_masked():
    body = (
        '{"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", '
        '"aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "name": "ok"}'
    )
    masked = mask_text(body)
    assert "AKIAIOSFODNN7EXAMPLE" not in masked
    assert "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" not in masked
    assert '"name": "ok"' in masked


def test_env_style_and_jwt_and_bcrypt_are_masked():
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
    bcrypt = "$2b$12$" + "a" * 53
    text = f"SECRET_KEY=supersecretvalue\ntoken {jwt}\nhash {bcrypt}"
    masked = mask_text(text)
    assert "supersecretvalue" not in masked and jwt not in masked and bcrypt not in masked


def test_headers_are_masked_but_recognisable():
    assert mask_header("Authorization", "Bearer abcdefghijklmnop").startswith("Bearer abcd****")
    cookie = mask_header("Set-Cookie", "session=abcdefghijkl.mnop; HttpOnly; Path=/")
    assert "abcdefghijkl.mnop" not in cookie and cookie.endswith("HttpOnly; Path=/")
    assert mask_header("Content-Type", "application/json") == "application/json"


def test_excerpt_is_capped_at_2_kib():
    assert len(excerpt(("é" * 5000).encode()).encode()) <= 2048


def test_evidence_from_an_exchange():
    x = Exchange(
        method="GET", url="http://a.test/x", request_headers=httpx.Headers({"X-Api-Key": "k" * 20}),
        request_body=b"", status=200, headers=httpx.Headers({"Server": "x"}), body=b"hi",
    )
    ev = evidence_from(x).to_dict()
    assert ev["request"]["headers"]["x-api-key"].startswith("kkkk****")
    assert ev["response"] == {"status": 200, "headers": {"server": "x"}, "body": "hi"}


def test_card_numbers_and_ssns_are_masked_but_look_alikes_stay():
    text = '{"card_number": "4539 1488 0343 6467", "ssn": "123-45-6789", "order": 4539148803436468}'
    masked = mask_text(text)
    assert "4539 1488 0343 6467" not in masked and "123-45-6789" not in masked
    assert "4539148803436468" in masked  # fails Luhn: an ordinary number
    assert mask_text("paid with 4539148803436467.") == "paid with ****6467."


def test_keys_and_signatures_in_query_strings_are_masked_but_payloads_stay():
    key = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
    url = (f"http://a.test/maps?key={key}&sig=0123456789abcdef0123&q=caf%C3%A9"
           "&key2=short&id=%27%20OR%201%3D1")
    masked = mask_text(url)
    assert key not in masked and "0123456789abcdef0123" not in masked
    assert masked.endswith("&q=caf%C3%A9&key2=short&id=%27%20OR%201%3D1")
    probe = "http://a.test/items?key=%27%7D%5D%3B%20DROP"  # an injection probe: readable
    assert mask_text(probe) == probe


def test_any_key_header_is_masked():
    for name in ("Ocp-Apim-Subscription-Key", "X-Key", "apikey"):
        assert mask_header(name, "0123456789abcdef").startswith("0123****"), name
