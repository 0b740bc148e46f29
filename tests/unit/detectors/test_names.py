"""What key names say: credentials, password hashes, personal data, or nothing at all."""

from __future__ import annotations

import pytest

from middlebrick.detectors import NameClass, classify, is_personal
from middlebrick.detectors.names import credential_name, words


def test_words_split_every_case_style():
    assert words("hashedPassword") == ("hashed", "password")
    assert words("AWS_SECRET_ACCESS_KEY") == ("aws", "secret", "access", "key")
    assert words("x-api-key") == ("x", "api", "key")
    assert words("apikey") == ("api", "key")
    assert words("SecretAccessKey") == ("secret", "access", "key")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("password", NameClass.PASSWORD),
        ("passwd", NameClass.PASSWORD),
        ("db_password", NameClass.PASSWORD),
        ("password_hash", NameClass.PASSWORD_HASH),
        ("pwd_hash", NameClass.PASSWORD_HASH),
        ("passwordHash", NameClass.PASSWORD_HASH),
        ("hashed_password", NameClass.PASSWORD_HASH),
        ("pass_hash", NameClass.PASSWORD_HASH),
        ("password_digest", NameClass.PASSWORD_HASH),
        ("client_secret", NameClass.SECRET),
        ("SECRET_KEY", NameClass.SECRET),
        ("private_key", NameClass.SECRET),
        ("signing_key", NameClass.SECRET),
        ("api_key", NameClass.TOKEN),
        ("apiKey", NameClass.TOKEN),
        ("access_token", NameClass.TOKEN),
        ("refresh_token", NameClass.TOKEN),
        ("password_reset_token", NameClass.TOKEN),
        ("aws_session_token", NameClass.SESSION_TOKEN),
        ("SessionToken", NameClass.SESSION_TOKEN),
        ("ssn", NameClass.NATIONAL_ID),
        ("social_security_number", NameClass.NATIONAL_ID),
        ("national_id", NameClass.NATIONAL_ID),
        ("card_number", NameClass.CARD),
        ("ccNumber", NameClass.CARD),
        ("pan", NameClass.CARD),
        ("phone", NameClass.PHONE),
        ("mobile_number", NameClass.PHONE),
        ("email", NameClass.EMAIL),
    ],
)
def test_credential_and_personal_names(name, expected):
    assert classify(name) is expected


@pytest.mark.parametrize(
    "name",
    ["token_type", "next_token", "NextToken", "nextPageToken", "continuation_token",
     "csrf_token", "password_changed_at", "password_policy", "password_min_length",
     "has_password", "is_password_set", "api_key_id", "access_key_id", "public_key",
     "secret_question", "tokens_used", "max_tokens", "key", "sort_key", "partition_key",
     "LastEvaluatedKey", "private_key_path", "card_id", "card_type", "card_last4",
     "idempotency_key", "token_expires_at", "etag", "commit", "sha256", "name", "id"],
)  # fmt: skip
def test_names_about_secrets_are_not_secrets(name):
    assert classify(name) is NameClass.NONE


def test_a_generic_child_takes_its_parents_meaning():
    assert classify("hash", parent="password") is NameClass.PASSWORD_HASH
    assert classify("hash", parent="file") is NameClass.NONE


@pytest.mark.parametrize("name", ["AWS_SECRET_ACCESS_KEY", "aws_key", "secret", "credentials"])
def test_credential_names_for_aws_secret_keys(name):
    assert credential_name(name)


@pytest.mark.parametrize("name", ["aws_region", "access_key_id", "request_id", "key"])
def test_not_credential_names(name):
    assert not credential_name(name)


@pytest.mark.parametrize(
    "name", ["email", "phone_number", "home_address", "date_of_birth", "dob", "first_name",
             "lastName", "ssn", "iban"],
)  # fmt: skip
def test_personal_field_names(name):
    assert is_personal(name)


@pytest.mark.parametrize(
    "name", ["name", "product_name", "email_verified", "created_at", "price", "address_type"]
)
def test_not_personal_field_names(name):
    assert not is_personal(name)


def test_a_name_with_no_words_is_no_credential_name():
    from middlebrick.detectors.names import credential_name

    assert credential_name("-") is False and credential_name("__") is False
