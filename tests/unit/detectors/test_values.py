"""Value detectors: provider key formats, password hashes, cards, SSNs, and their look-alikes."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash

from middlebrick.detectors import Kind, card_number, detect_json, detect_text, luhn_valid, ssn

from . import fakes


def kinds(found) -> set[Kind]:
    return {d.kind for d in found}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (fakes.aws_key_id(), Kind.AWS_ACCESS_KEY_ID),
        (fakes.aws_key_id(prefix="ASIA"), Kind.AWS_ACCESS_KEY_ID),
        (fakes.session_token(), Kind.AWS_SESSION_TOKEN),
        (fakes.github_token(), Kind.GITHUB_TOKEN),
        (fakes.stripe_key(), Kind.STRIPE_SECRET_KEY),
        (fakes.slack_token(), Kind.SLACK_TOKEN),
        (fakes.google_key(), Kind.GOOGLE_API_KEY),
        (fakes.pem_private_key(), Kind.PRIVATE_KEY),
        (fakes.jwt(), Kind.JWT),
        ("arn:aws:dynamodb:eu-west-1:493817264510:table/Orders", Kind.AWS_ACCOUNT_ARN),
    ],
)
def test_provider_formats_are_found_under_any_name_and_in_text(value, kind):
    found = detect_json({"data": {"blob": value}})
    assert kinds(found) == {kind}
    assert found[0].path == "$.data.blob" and found[0].self_describing
    assert value not in repr(found[0]) and found[0].masked.startswith(value[:4])
    in_text = detect_text(f"some log line: {value} end")
    assert kinds(in_text) == {kind} and in_text[0].offset == len("some log line: ")


@pytest.mark.parametrize(
    "value",
    [
        "AKIA" + "IOSFODNN7" + "EXAMPLE",  # AWS's documentation sample
        "arn:aws:dynamodb:us-east-1:123456789012:table/Books",  # documentation account
        "arn:aws:dynamodb:ddblocal:000000000000:table/users",  # DynamoDB Local's fake account
        "eyJub3RhIjoiand0In0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",  # no "alg": not a JWT
        "XAKIA" + fakes.chars("x", 16, fakes.UPPER),  # glued to a longer token
        "sk" + "_test_" + fakes.chars("t", 24),  # test-mode Stripe keys move no money
        "-----BEGIN PUBLIC KEY-----\n" + fakes.chars("pub", 200, fakes.BASE64),
        "https://bucket.s3.amazonaws.com/f.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={fakes.aws_key_id()}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
        f"&X-Amz-Signature={hashlib.sha256(b's').hexdigest()}",  # pre-signed URL, by design
    ],
)
def test_samples_and_look_alikes_are_not_provider_secrets(value):
    assert detect_json({"value": value, "url": value}) == []


def test_secret_key_shape_needs_a_credential_name_or_a_key_id_beside_it():
    secret = fakes.aws_secret()
    for name in ("AWS_SECRET_ACCESS_KEY", "SecretAccessKey", "aws_secret", "secretKey"):
        assert kinds(detect_json({name: secret})) == {Kind.AWS_SECRET_ACCESS_KEY}, name
    beside = detect_json({"id": fakes.aws_key_id(), "k": secret})
    assert kinds(beside) == {Kind.AWS_ACCESS_KEY_ID, Kind.AWS_SECRET_ACCESS_KEY}
    for name in ("request_id", "etag", "nonce_value", "checksum", "data"):
        assert detect_json({name: secret}) == [], name


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=fakes.BASE64, min_size=40, max_size=40))
def test_random_40_character_strings_under_ordinary_names_are_never_secrets(value):
    doc = {"request_id": value, "trace": value, "items": [{"cursor_hint": value, "v": value}]}
    assert detect_json(doc) == []


@pytest.mark.parametrize(
    "hashed",
    [
        fakes.bcrypt_hash(),
        generate_password_hash("pw-1", method="pbkdf2:sha256:1000"),
        generate_password_hash("pw-2", method="scrypt"),
        "$argon2id$v=19$m=65536,t=3,p=4$" + fakes.chars("salt", 22) + "$" + fakes.chars("h", 43),
        "pbkdf2_sha256$600000$" + fakes.chars("dj", 22) + "$" + fakes.chars("dh", 43) + "=",
        "$6$rounds=5000$" + fakes.chars("s6", 16) + "$" + fakes.chars("c6", 86, fakes.ALNUM),
    ],
)
def test_self_describing_password_hashes_are_found_anywhere(hashed):
    found = detect_json({"rows": [{"credential_blob": hashed}]})
    assert kinds(found) == {Kind.PASSWORD_HASH}
    assert found[0].in_collection and found[0].self_describing


@pytest.mark.parametrize(
    "name", ["password", "password_hash", "pwd_hash", "passwordHash", "hashed_password",
             "pass_hash", "PASSWD", "password_digest", "userPassword"],
)  # fmt: skip
@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512"])
def test_hex_digests_under_password_names_are_password_hashes(name, algorithm):
    digest = hashlib.new(algorithm, b"hunter2").hexdigest()
    found = detect_json({"user": {name: digest}})
    assert kinds(found) == {Kind.PASSWORD_HASH} and not found[0].self_describing


@pytest.mark.parametrize("name", ["etag", "sha256", "commit", "checksum", "file_hash", "digest",
                                  "content_md5", "hash", "fingerprint", "revision"])
@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512"])
def test_hex_digests_of_ordinary_fields_are_not_password_hashes(name, algorithm):
    assert detect_json({name: hashlib.new(algorithm, b"file").hexdigest()}) == []


def test_a_password_objects_hash_child_counts():
    digest = hashlib.sha256(b"x").hexdigest()
    assert kinds(detect_json({"password": {"hash": digest, "algorithm": "sha256"}})) == {
        Kind.PASSWORD_HASH
    }


VISA, MASTERCARD = fakes.card("4539"), fakes.card("5425")


@pytest.mark.parametrize(
    "number",
    [VISA, MASTERCARD, fakes.card("37", 15), fakes.card("6011"), fakes.card("3530"),
     fakes.card("2221"), fakes.card("62", 19), fakes.grouped(VISA), fakes.grouped(MASTERCARD, "-")],
)  # fmt: skip
def test_card_numbers_need_luhn_and_a_known_issuer(number):
    assert card_number(number) is not None
    assert kinds(detect_json({"card_number": number})) == {Kind.CARD_NUMBER}
    assert kinds(detect_json({"payment": {"pan": number}})) == {Kind.CARD_NUMBER}


def test_cards_in_text_only_when_printed_in_groups():
    assert kinds(detect_text(f"paid with {fakes.grouped(VISA)} yesterday")) == {Kind.CARD_NUMBER}
    assert kinds(detect_text(f"card_number={VISA}")) == {Kind.CARD_NUMBER}
    assert detect_text(f"order {VISA} shipped") == []


@pytest.mark.parametrize(
    "value",
    [VISA[:-1] + str((int(VISA[-1]) + 1) % 10),  # fails Luhn
     fakes.card("9"), fakes.card("1"), fakes.card("70"),  # pass Luhn, no issuer starts so
     fakes.card("4539", 17),  # Visa numbers have 13, 16 or 19 digits
     "4111111111111111",  # the universal test card: test data, not a person's card
     ],
)  # fmt: skip
def test_numbers_failing_luhn_or_issuer_are_not_cards(value):
    assert card_number(value) is None
    assert detect_json({"card_number": value, "id": value}) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=13, max_size=19))
def test_no_number_failing_luhn_is_ever_a_card(digits):
    if not luhn_valid(digits):
        assert card_number(digits) is None
        assert detect_json({"card_number": digits}) == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=12, max_size=18), st.integers(0, 17))
def test_luhn_catches_every_single_digit_change(body, position):
    check = next(d for d in "0123456789" if luhn_valid(body + d))
    number = body + check
    assert luhn_valid(number)
    i = position % len(number)
    changed = number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1 :]
    assert not luhn_valid(changed)


def test_bare_card_shaped_numbers_under_other_names_are_ignored():
    doc = {"id": int(VISA), "order_id": VISA, "ts": 1705312200000, "amount": int(MASTERCARD)}
    assert detect_json(doc) == []


@pytest.mark.parametrize("value", ["536-22-8473", "212-67-4432"])
def test_ssn_shaped_values_in_valid_ranges(value):
    assert ssn(value)
    assert kinds(detect_json({"customer": {"ssn": value}})) == {Kind.NATIONAL_ID}
    assert kinds(detect_json({"tax_info": value})) == {Kind.NATIONAL_ID}
    assert kinds(detect_text(f"SSN on file: {value}.")) == {Kind.NATIONAL_ID}


@pytest.mark.parametrize(
    "value",
    ["000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000",
     "078-05-1120", "219-09-9999", "2024-01-15", "12-345-6789"],
)  # fmt: skip
def test_invalid_or_sample_ssns_are_not_national_ids(value):
    assert not ssn(value, named=True)
    assert detect_json({"ssn": value, "v": value}) == []


def test_ssn_shaped_product_codes_are_not_national_ids():
    assert detect_json({"sku": "536-22-8473", "order_number": "212-67-4432"}) == []
    assert kinds(detect_json({"ssn": "536228473"})) == {Kind.NATIONAL_ID}
    assert detect_json({"zip": "536228473"}) == []


def test_uuids_and_timestamps_are_nothing():
    doc = {
        "id": str(uuid.UUID(int=0x1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0)),
        "session_id": str(uuid.UUID(int=7)),
        "created_at": "2024-01-15T10:30:00Z",
        "updated": "2024-01-15 10:30:00.123456+00:00",
        "ts": 1705312200,
        "ts_ms": 1705312200000,
        "version": "1.2.3",
    }
    assert detect_json(doc) == []
    assert detect_text("\n".join(f"{k}={v}" for k, v in doc.items())) == []
