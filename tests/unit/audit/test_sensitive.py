"""Field names that look sensitive, and look-alikes that only describe a secret."""

from __future__ import annotations

import pytest

from middlebrick.audit.sensitive import Sensitivity, classify


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("password", Sensitivity.PASSWORD),
        ("password_hash", Sensitivity.PASSWORD),
        ("passwordHash", Sensitivity.PASSWORD),
        ("PasswordHash", Sensitivity.PASSWORD),
        ("hashed_password", Sensitivity.PASSWORD),
        ("pwd", Sensitivity.PASSWORD),
        ("salt", Sensitivity.PASSWORD),
        ("pin_hash", Sensitivity.PASSWORD),
        ("client_secret", Sensitivity.SECRET),
        ("AWS_SECRET_ACCESS_KEY", Sensitivity.SECRET),
        ("privateKey", Sensitivity.SECRET),
        ("credentials", Sensitivity.SECRET),
        ("access_token", Sensitivity.TOKEN),
        ("refreshToken", Sensitivity.TOKEN),
        ("api_key", Sensitivity.TOKEN),
        ("apiKey", Sensitivity.TOKEN),
        ("x-api-key", Sensitivity.TOKEN),
        ("reset_token", Sensitivity.TOKEN),
        ("session_id", Sensitivity.TOKEN),
        ("ssn", Sensitivity.PERSONAL),
        ("social_security_number", Sensitivity.PERSONAL),
        ("card_number", Sensitivity.PERSONAL),
        ("cardNumber", Sensitivity.PERSONAL),
        ("cvv", Sensitivity.PERSONAL),
        ("internal_notes", Sensitivity.INTERNAL),
        ("PK", Sensitivity.INTERNAL),
        ("GSI1SK", Sensitivity.INTERNAL),
        ("hash", Sensitivity.INTERNAL),
    ],
)
def test_sensitive_names(name, kind):
    assert classify(name) is kind


@pytest.mark.parametrize(
    "name",
    [
        "token_type", "expires_in", "token_expires_at", "NextToken", "next_token",
        "page_token", "csrf_token", "has_password", "password_changed_at", "password_policy",
        "api_key_id", "key", "sort_key", "content_hash", "pk", "display_name", "email",
        "keyboard", "tokenizer_name", "secret_name", "passing_score", "owner_id",
    ],
)
def test_look_alikes_are_not_sensitive(name):
    assert classify(name) is None
