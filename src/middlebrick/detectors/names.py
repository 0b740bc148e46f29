"""What a key or variable name says its value is: a password, a hash of one, a secret, a token,
a card number, a national id, a phone number, or personal data.

Names are split into lower-case words (`hashedPassword`, `PWD_HASH`, `x-api-key` all work). A
name that describes a secret without holding one (`token_type`, `password_changed_at`,
`next_token`, `api_key_id`, `public_key`) is not a credential name.
"""

from __future__ import annotations

import enum
import re
from functools import lru_cache

_CAMEL = re.compile(r"([a-z0-9])([A-Z])|([A-Z]+)([A-Z][a-z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
# Compounds written as one word, split into the words the rules below look for.
_COMPOUNDS = {
    "apikey": "api_key", "apitoken": "api_token", "authtoken": "auth_token",
    "accesstoken": "access_token", "refreshtoken": "refresh_token", "idtoken": "id_token",
    "secretkey": "secret_key", "privatekey": "private_key", "clientsecret": "client_secret",
    "sessiontoken": "session_token", "securitytoken": "security_token",
    "passwordhash": "password_hash", "passhash": "pass_hash", "pwdhash": "pwd_hash",
    "hashedpassword": "hashed_password", "passworddigest": "password_digest",
    "cardnumber": "card_number", "ccnumber": "cc_number", "creditcard": "credit_card",
    "phonenumber": "phone_number", "firstname": "first_name", "lastname": "last_name",
    "fullname": "full_name", "birthdate": "birth_date", "dateofbirth": "date_of_birth",
    "zipcode": "zip_code", "postcode": "post_code", "nationalid": "national_id",
}  # fmt: skip
# The name is about a secret, not the secret: its type, age, policy, id or place.
_DESCRIPTIVE_LAST = frozenset({
    "id", "ids", "type", "types", "at", "on", "time", "date", "ts", "timestamp", "count",
    "length", "len", "url", "uri", "expires", "expiry", "expiration", "ttl", "hint", "policy",
    "required", "enabled", "changed", "updated", "created", "name", "label", "prefix", "suffix",
    "last4", "fingerprint", "status", "version", "format", "algorithm", "alg", "scheme",
    "strength", "rules", "min", "max", "set", "exists", "present", "field", "fields", "header",
    "param", "location", "path", "file", "question", "mask", "masked", "display", "size", "note",
    "description", "desc", "help", "template", "kind", "source", "provider", "issuer",
    "audience", "scope", "scopes", "usage", "used", "limit", "limits", "remaining", "quota",
    "method", "methods", "flow", "endpoint", "rotation", "rotated", "age", "days", "index",
    "arn", "region", "enforced", "reset", "error", "errors", "message", "valid", "invalid",
})  # fmt: skip
# Words that make a credential-looking name a pagination cursor, a public value or a flag.
_DISQUALIFYING = frozenset({
    "next", "prev", "previous", "page", "paging", "pagination", "continuation", "cursor",
    "csrf", "xsrf", "idempotency", "public", "pub", "sort", "partition", "primary", "foreign",
    "range", "last", "evaluated", "exclusive", "start", "marker", "has", "is", "requires",
    "allow", "allowed", "use", "show", "total", "estimated",
})  # fmt: skip
_PASSWORD = re.compile(r"pass(?:word|wd|wort|phrase|code)|^pwd$|^pass$")
_HASHED = frozenset({
    "hash", "hashed", "digest", "crypt", "crypted", "encrypted", "enc", "salted", "bcrypt",
    "hmac", "sha", "sha1", "sha256", "sha512", "md5", "argon2", "scrypt", "pbkdf2",
})  # fmt: skip
_PERSONAL = frozenset({
    "email", "mail", "phone", "mobile", "telephone", "tel", "msisdn", "address", "street",
    "zip", "postal", "postcode", "birth", "dob", "birthday", "ssn", "passport", "surname",
    "iban", "gender", "nationality",
})  # fmt: skip
_GENERIC_CHILD = frozenset({"hash", "digest", "value", "encrypted", "hashed"})


class NameClass(enum.Enum):
    """What a name says its value is."""

    NONE = "none"
    PASSWORD = "password"
    PASSWORD_HASH = "password-hash"
    SECRET = "secret"
    TOKEN = "token"
    SESSION_TOKEN = "session-token"
    NATIONAL_ID = "national-id"
    CARD = "card"
    PHONE = "phone"
    EMAIL = "email"


@lru_cache(maxsize=4096)
def words(name: str) -> tuple[str, ...]:
    """`hashedPassword` -> ("hashed", "password"); `AWS_SECRET_ACCESS_KEY` -> 4 words."""
    snake = _CAMEL.sub(lambda m: "_".join(g for g in m.groups() if g), name)
    out: list[str] = []
    for word in _SPLIT.split(snake.lower()):
        if word:
            out.extend(_COMPOUNDS.get(word, word).split("_"))
    return tuple(out)


@lru_cache(maxsize=4096)
def classify(name: str | None, parent: str | None = None) -> NameClass:
    """The class of a key or variable name (`parent` is the enclosing object's key, if any)."""
    if not name:
        return NameClass.NONE
    own = words(name)
    found = _classify(own)
    if found is NameClass.NONE and parent and own and own[-1] in _GENERIC_CHILD:
        # {"password": {"hash": "..."}}: the parent names what the child hashes.
        found = _classify(words(parent) + own)
    return found


def _classify(w: tuple[str, ...]) -> NameClass:
    if not w:
        return NameClass.NONE
    s = set(w)
    if _national_id(s):
        return NameClass.NATIONAL_ID
    if w[-1] in _DESCRIPTIVE_LAST or s & _DISQUALIFYING:
        return NameClass.NONE
    if {"session", "security"} & s and "token" in s:
        return NameClass.SESSION_TOKEN
    if "secret" in s or ("key" in s and {"private", "signing", "encryption", "master"} & s):
        return NameClass.SECRET
    if "token" in s or "bearer" in s or ("key" in s and {"api", "access", "auth"} & s):
        return NameClass.TOKEN
    if any(_PASSWORD.search(word) for word in w):
        return NameClass.PASSWORD_HASH if s & _HASHED else NameClass.PASSWORD
    if "pan" in s or ({"card", "cc", "credit"} & s and s & {"number", "num", "no", "pan"}):
        return NameClass.CARD
    if w[-1] in {"card", "cc"} and len(w) <= 2:
        return NameClass.CARD
    if {"phone", "mobile", "telephone", "tel", "msisdn", "fax", "cell"} & s:
        return NameClass.PHONE
    if {"email", "mail"} & s:
        return NameClass.EMAIL
    return NameClass.NONE


def _national_id(s: set[str]) -> bool:
    if "ssn" in s or "nino" in s or {"social", "security", "number"} <= s:
        return True
    if "national" in s and bool(s & {"id", "number", "insurance"}):
        return True
    return "tax" in s and bool(s & {"id", "number"}) and not s & {"rate", "amount", "code"}


def is_personal(name: str | None) -> bool:
    """Does this key name personal data (email, phone, address, birth date, ...)?"""
    if not name:
        return False
    w = words(name)
    s = set(w)
    if s & _PERSONAL:
        return w[-1] not in {"verified", "confirmed", "enabled", "type", "count", "id"}
    return bool({"first", "last", "full", "given", "family"} & s and "name" in s)


def credential_name(name: str | None) -> bool:
    """A name an AWS secret key may sit under: *secret*, *credential*, aws..key."""
    if not name:
        return False
    w = words(name)
    s = set(w)
    if w[-1] in _DESCRIPTIVE_LAST or s & _DISQUALIFYING:
        return False
    return bool(s & {"secret", "credential", "credentials"} or ("aws" in s and "key" in s))
