"""Which field names look sensitive: credentials, secrets, personal data, internal attributes.

Names are split into snake-case words, so `passwordHash`, `password_hash` and `PasswordHash`
read alike, and a word must match whole: `token_type`, `NextToken` (DynamoDB and AWS paginate
with it), `has_password` or `password_changed_at` describe a secret without being one.
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Any

from middlebrick.evidence import mask_secret
from middlebrick.spec.names import to_snake


class Sensitivity(enum.Enum):
    """What kind of value a field name suggests."""

    PASSWORD = "a password or password hash"
    SECRET = "a secret or private key"
    TOKEN = "a token or API key"
    PERSONAL = "regulated personal data"
    INTERNAL = "an internal attribute"


_PASSWORD = frozenset({"password", "passwd", "pwd", "passcode", "passphrase", "salt"})
_TOKEN = frozenset({"token", "tokens", "jwt", "apikey", "bearer", "otp"})
_SECRET = frozenset({"secret", "secrets", "credential", "credentials"})
_SECRET_KEYS = ("privatekey", "secretkey", "signingkey", "encryptionkey")
_PERSONAL = frozenset({"ssn", "cvv", "cvc", "cvv2", "cvc2", "pan", "ccn"})
# A name ending in one of these describes a secret (its type, age, expiry...) but is none.
_DESCRIBES = frozenset({
    "type", "types", "expires", "expiry", "expiration", "exp", "at", "ttl", "in", "length",
    "len", "count", "hint", "policy", "set", "enabled", "required", "changed", "updated",
    "rotated", "status", "id", "ids", "prefix", "last4", "masked", "url", "uri", "scope",
    "scopes", "name", "version", "strength", "algorithm", "alg", "format", "rules",
})  # fmt: skip
_QUESTIONS = frozenset({"has", "is", "needs", "requires", "must", "can", "num"})
# Tokens that are meant to travel: paging cursors, CSRF and idempotency tokens.
_HARMLESS_TOKENS = frozenset({
    "next", "page", "pagination", "continuation", "cursor", "sync", "csrf", "xsrf",
    "idempotency", "nonce", "state", "public",
})  # fmt: skip
_DYNAMO_KEY = re.compile(r"^(?:(?:gsi|lsi)\d*_?)?(?:pk|sk)$")


@functools.lru_cache(maxsize=4096)
def classify(name: str) -> Sensitivity | None:
    """The kind of sensitive value a field called `name` probably holds, or None."""
    snake = to_snake(name)
    words = [w for w in snake.split("_") if w]
    joined = "".join(words)
    if joined in ("sessionid", "sessionkey"):
        return Sensitivity.TOKEN  # the session itself, though it ends like an identifier
    if not words or words[-1] in _DESCRIBES or words[0] in _QUESTIONS:
        return None
    found = set(words)
    if found & _PASSWORD or "password" in joined or _pin(words):
        return Sensitivity.PASSWORD
    if found & _SECRET or any(key in joined for key in _SECRET_KEYS):
        return Sensitivity.SECRET
    if found & _PERSONAL or "socialsecurity" in joined or _card_number(words):
        return Sensitivity.PERSONAL
    if found & _HARMLESS_TOKENS:
        return None
    if found & _TOKEN or joined in ("apikey", "accesskey", "authorization"):
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
