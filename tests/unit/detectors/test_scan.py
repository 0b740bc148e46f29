"""Whole bodies: JSON documents, env/INI/YAML/HTML text, bulk personal data, and redaction."""

from __future__ import annotations

import json

from middlebrick.detectors import Kind, detect_body, detect_json, detect_text, redact

from . import fakes


def kinds(found) -> set[Kind]:
    return {d.kind for d in found}


def test_an_env_file_with_aws_keys_and_secrets():
    key_id, secret = fakes.aws_key_id(), fakes.aws_secret()
    text = (
        "FLASK_ENV=production\n"
        f"AWS_ACCESS_KEY_ID={key_id}\n"
        f"export AWS_SECRET_ACCESS_KEY='{secret}'\n"
        "DATABASE_PASSWORD=correct-horse-battery\n"
        "SECRET_KEY=5f1c0a9e8d7b6a5f4e3d\n"
        "LOG_LEVEL=info\nPORT=8080\nAWS_REGION=eu-west-1\n"
    )
    found = detect_text(text)
    assert kinds(found) == {
        Kind.AWS_ACCESS_KEY_ID, Kind.AWS_SECRET_ACCESS_KEY, Kind.PASSWORD, Kind.SECRET
    }
    assert {d.name for d in found if d.name} == {
        "AWS_SECRET_ACCESS_KEY", "DATABASE_PASSWORD", "SECRET_KEY"
    }
    masked = redact(text, found)
    for raw in (key_id, secret, "correct-horse-battery", "5f1c0a9e8d7b6a5f4e3d"):
        assert raw not in masked
    assert "LOG_LEVEL=info" in masked and "AWS_REGION=eu-west-1" in masked


def test_an_aws_credentials_file_with_a_session_token():
    text = (
        "[default]\n"
        f"aws_access_key_id = {fakes.aws_key_id(prefix='ASIA')}\n"
        f"aws_secret_access_key = {fakes.aws_secret()}\n"
        f"aws_session_token = {fakes.session_token()}\n"
        "region = us-east-2\n"
    )
    assert kinds(detect_text(text)) == {
        Kind.AWS_ACCESS_KEY_ID, Kind.AWS_SECRET_ACCESS_KEY, Kind.AWS_SESSION_TOKEN
    }


def test_session_token_by_name_without_a_known_prefix():
    token = fakes.chars("raw-session", 220, fakes.BASE64)
    found = detect_json({"Credentials": {"SessionToken": token, "Expiration": "2030-01-01"}})
    assert kinds(found) == {Kind.AWS_SESSION_TOKEN}


def test_yaml_and_html_bodies():
    yaml_text = "database:\n  host: db.internal\n  password: s3cr3t-Pa55\n"
    assert kinds(detect_body(yaml_text.encode(), "application/yaml")) == {Kind.PASSWORD}
    html = (
        '<form><input type="password" name="password" autocomplete="new-password">'
        '<input name="csrf_token" value="9f8e7d6c5b4a39281706f5e4d3c2b1a0"></form>'
    )
    assert detect_body(html.encode(), "text/html") == []


def test_a_config_dump_inside_one_json_string():
    dump = f"AWS_ACCESS_KEY_ID={fakes.aws_key_id()}\nAWS_SECRET_ACCESS_KEY={fakes.aws_secret()}\n"
    found = detect_json({"output": dump})
    assert kinds(found) == {Kind.AWS_ACCESS_KEY_ID, Kind.AWS_SECRET_ACCESS_KEY}
    assert {d.path for d in found} == {"$.output"}


def test_passwords_by_name_but_not_messages_flags_or_masks():
    assert kinds(detect_json({"password": "Tr0ub4dor&3"})) == {Kind.PASSWORD}
    for value in ("********", "[REDACTED]", "too short", "true", "required", "", "${DB_PASSWORD}"):
        assert detect_json({"password": value}) == [], value
    assert detect_json({"password": True, "password_expires_at": "2030-01-01"}) == []


def test_tokens_by_name_need_entropy():
    assert kinds(detect_json({"api_key": fakes.chars("api", 32)})) == {Kind.API_TOKEN}
    assert detect_json({"api_key": "none", "token": "abc", "access_token": "not-yet-issued"}) == []


def test_emails_and_phones_count_only_in_bulk():
    me = {"user": {"email": "me@example.org", "phone": "+44 20 7946 0958"}}
    assert detect_json(me) == []
    two = {"users": [{"email": f"u{i}@example.org"} for i in range(2)]}
    assert detect_json(two) == []
    many = {"users": [{"email": f"u{i}@example.org", "phone": f"+1415555{i:04d}"}
                      for i in range(5)]}  # fmt: skip
    found = detect_json(many)
    assert kinds(found) == {Kind.EMAIL, Kind.PHONE}
    email = next(d for d in found if d.kind is Kind.EMAIL)
    assert email.count == 5 and email.in_collection and email.path == "$.users[0].email"
    masked = redact(json.dumps(many), found)
    assert "@example.org" not in masked and "+1415555" not in masked


def test_the_same_address_repeated_is_one_address():
    doc = {"orders": [{"contact": "Me@Example.org"}, {"contact": "me@example.org"}] * 5}
    assert detect_json(doc) == []


def test_emails_in_text_bulk_and_look_alikes():
    text = "a@example.org, b@example.org and c@example.net wrote; see logo@2x.png"
    found = detect_text(text)
    assert kinds(found) == {Kind.EMAIL} and found[0].count == 3
    assert detect_text("icon@2x.png icon@3x.png banner@2x.jpg") == []


def test_phone_look_alikes():
    row = {"version": "1.2.3", "date": "2024-01-15", "ts": "1705312200", "price": "1234567.89",
           "ip": "192.168.100.200", "sku": "415-555-0199x"}  # fmt: skip
    doc = {"items": [dict(row, n=i) for i in range(5)]}
    assert detect_json(doc) == []


def test_redaction_covers_json_escaped_values():
    key = fakes.pem_private_key()
    body = json.dumps({"tls": {"key": key}})
    found = detect_body(body.encode(), "application/json")
    assert kinds(found) == {Kind.PRIVATE_KEY}
    masked = redact(body, found)
    assert "PRIVATE KEY" not in masked.split("****")[-1] and key.splitlines()[1] not in masked


def test_login_token_is_detected_but_marked_top_level():
    found = detect_json({"access_token": fakes.jwt(), "token_type": "Bearer", "expires_in": 3600})
    assert kinds(found) == {Kind.JWT}
    assert not found[0].in_collection


def test_non_json_body_with_json_content_type_is_scanned_as_text():
    assert kinds(detect_body(b"{broken " + fakes.github_token().encode(), "application/json")) == {
        Kind.GITHUB_TOKEN
    }


def test_large_documents_are_bounded():
    doc = {"rows": [{"n": i, "note": "x" * 20} for i in range(50_000)]}
    assert detect_json(doc) == []


def test_raw_dynamodb_items_keep_their_attribute_names():
    """Flask views that return `client.scan(...)["Items"]` as is: typed attribute values."""
    digest = fakes.chars("md5", 32, "0123456789abcdef")
    items = [
        {"user_id": {"S": f"u{i}"}, "pwd": {"S": digest}, "email": {"S": f"u{i}@shop.example"},
         "card": {"M": {"card_number": {"S": fakes.card("4539", seed=str(i))}}},
         "etag": {"S": digest}, "visits": {"N": "4111111111111111"}}
        for i in range(3)
    ]  # fmt: skip
    found = detect_json({"Items": items, "Count": 3, "ScannedCount": 3})
    assert {d.kind: d.path for d in found if d.path and d.path.startswith("$.Items[0]")} == {
        Kind.PASSWORD_HASH: "$.Items[0].pwd.S",
        Kind.CARD_NUMBER: "$.Items[0].card.M.card_number.S",
        Kind.EMAIL: "$.Items[0].email.S",
    }
    assert sum(d.kind is Kind.PASSWORD_HASH for d in found) == 3
