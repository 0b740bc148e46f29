"""Which field names look sensitive: credentials, secrets, personal data, internal attributes.

Names are split into snake-case words, so `passwordHash`, `password_hash` and `PasswordHash`
read alike, and a word must match whole: `token_type`, `NextToken` (DynamoDB and AWS paginate
with it), `has_password` or `password_changed_at` describe a secret without being one. The
words and word lists are `middlebrick.detectors.words`, shared with `middlebrick.detectors.names`.
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Any

from middlebrick.detectors.words import (
    CARD_SECRETS,
    DESCRIBING_AUDIT,
    HARMLESS_AUDIT,
    PASSWORD_WORDS,
    QUESTIONS,
    SECRET_WORDS,
    TOKEN_WORDS,
    snake_words,
)
from middlebrick.evidence import mask_secret


class Sensitivity(enum.Enum):
    """What kind of value a field name suggests."""

    PASSWORD = "a password or password hash"
    SECRET = "a secret or private key"
    TOKEN = "a token or API key"
    PERSONAL = "regulated personal data"
    INTERNAL = "an internal attribute"


# A password's salt is as sensitive as its hash.
_PASSWORD = PASSWORD_WORDS | {"salt"}
_PERSONAL = CARD_SECRETS | {"ssn"}
_SECRET_KEYS = ("privatekey", "secretkey", "signingkey", "encryptionkey")
_DYNAMO_KEY = re.compile(r"^(?:(?:gsi|lsi)\d*_?)?(?:pk|sk)$")


@functools.lru_cache(maxsize=4096)
def classify(name: str) -> Sensitivity | None:
    """The kind of sensitive value a field called `name` probably holds, or None."""
    words = list(snake_words(name))
    joined = "".join(words)
    if joined in ("sessionid", "sessionkey"):
        return Sensitivity.TOKEN  # the session itself, though it ends like an identifier
    if not words or words[-1] in DESCRIBING_AUDIT or words[0] in QUESTIONS:
        return None
    found = set(words)
    if found & _PASSWORD or "password" in joined or _pin(words):
        return Sensitivity.PASSWORD
    if found & SECRET_WORDS or any(key in joined for key in _SECRET_KEYS):
        return Sensitivity.SECRET
    if found & _PERSONAL or "socialsecurity" in joined or _card_number(words):
        return Sensitivity.PERSONAL
    if found & HARMLESS_AUDIT:
        return None
    if found & TOKEN_WORDS or joined in ("apikey", "accesskey", "authorization"):
        return Sensitivity.TOKEN
    if "api" in found and "key" in found:
        return Sensitivity.TOKEN
    # Single-table designs name their key attributes PK, SK, GSI1PK...: upper case, by convention.
    dynamo_key = name.isupper() and _DYNAMO_KEY.match(joined) is not None
    if "internal" in found or dynamo_key or joined in {"hash", "hashed"}:
        return Sensitivity.INTERNAL
    return None


def _pin(words: list[str]) -> bool:
    return words == ["pin"] or ("pin" in words and "hash" in words)


def _card_number(words: list[str]) -> bool:
    joined = "".join(words)
    return ("card" in words and "number" in words) or joined in {"cardnumber", "creditcard"}


def mask_sensitive_fields(value: Any) -> Any:
    """A JSON value with the scalar values of sensitive-looking fields masked, for evidence."""
    if isinstance(value, dict):
        return {
            key: mask_secret(str(item))
            if classify(str(key)) not in (None, Sensitivity.INTERNAL)
            and item is not None and not isinstance(item, dict | list)
            else mask_sensitive_fields(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_sensitive_fields(item) for item in value]
    return value
