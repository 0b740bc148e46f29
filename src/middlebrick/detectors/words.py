"""The words of a field or variable name, and which of them mark a secret or personal data.

The one vocabulary behind both name classifiers: `middlebrick.detectors.names` (detectors and
exposure checks) and `middlebrick.audit.sensitive` (spec conformance). Names are split into
lower-case words, so `hashedPassword`, `PWD_HASH` and `x-api-key` read alike. A name ending in a
describing word (`token_type`, `password_changed_at`) or holding a harmless one (`NextToken`,
`csrf_token`) is about a secret without being one. Where the two readers disagree on a word the
extra words are named here (`*_DETECT`, `*_AUDIT`), so neither reader's verdicts change.
"""

from __future__ import annotations

import re
from functools import lru_cache

from middlebrick.spec.names import to_snake

_CAMEL = re.compile(r"([a-z0-9])([A-Z])|([A-Z]+)([A-Z][a-z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
# Compounds written as one word, split into the words the classifiers look for.
COMPOUNDS = {
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

# A name whose last word is one of these is about a secret: its type, age, policy, id or place.
DESCRIBING = frozenset({
    "type", "types", "expires", "expiry", "expiration", "at", "ttl", "length", "len", "count",
    "hint", "policy", "set", "enabled", "required", "changed", "updated", "rotated", "status",
    "id", "ids", "prefix", "last4", "masked", "url", "uri", "scope", "scopes", "name", "version",
    "strength", "algorithm", "alg", "format", "rules",
})  # fmt: skip
DESCRIBING_DETECT = DESCRIBING | {
    "on", "time", "date", "ts", "timestamp", "created", "label", "suffix", "fingerprint",
    "scheme", "min", "max", "exists", "present", "field", "fields", "header", "param",
    "location", "path", "file", "question", "mask", "display", "size", "note", "description",
    "desc", "help", "template", "kind", "source", "provider", "issuer", "audience", "usage",
    "used", "limit", "limits", "remaining", "quota", "method", "methods", "flow", "endpoint",
    "rotation", "age", "days", "index", "arn", "region", "enforced", "reset", "error", "errors",
    "message", "valid", "invalid",
}  # fmt: skip
DESCRIBING_AUDIT = DESCRIBING | {"exp", "in"}  # `token_exp`, `expires_in`
# Tokens meant to travel: paging cursors, CSRF and idempotency tokens, public keys.
HARMLESS = frozenset({
    "next", "page", "pagination", "continuation", "cursor", "csrf", "xsrf", "idempotency",
    "public",
})  # fmt: skip
# Detectors also skip flags (`has_`, `is_`), DynamoDB key names and totals anywhere in a name.
HARMLESS_DETECT = HARMLESS | {
    "prev", "previous", "paging", "pub", "sort", "partition", "primary", "foreign", "range",
    "last", "evaluated", "exclusive", "start", "marker", "has", "is", "requires", "allow",
    "allowed", "use", "show", "total", "estimated",
}  # fmt: skip
HARMLESS_AUDIT = HARMLESS | {"sync", "nonce", "state"}
# A name starting with one of these asks about a secret (`has_password`, `num_tokens`).
QUESTIONS = frozenset({"has", "is", "needs", "requires", "must", "can", "num"})

PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passcode", "passphrase"})
# The detectors also find a password inside a longer word (`userpassword`, `Passwort`).
PASSWORD_IN_WORD = re.compile(r"pass(?:word|wd|wort|phrase|code)|^pwd$|^pass$")
HASHED = frozenset({
    "hash", "hashed", "digest", "crypt", "crypted", "encrypted", "enc", "salted", "bcrypt",
    "hmac", "sha", "sha1", "sha256", "sha512", "md5", "argon2", "scrypt", "pbkdf2",
})  # fmt: skip
SECRET_WORDS = frozenset({"secret", "secrets", "credential", "credentials"})
SECRET_KEY_QUALIFIERS = frozenset({"private", "signing", "encryption", "master"})
TOKEN_WORDS = frozenset({"token", "tokens", "jwt", "apikey", "bearer", "otp"})
TOKEN_KEY_QUALIFIERS = frozenset({"api", "access", "auth"})
CARD_SECRETS = frozenset({"cvv", "cvc", "cvv2", "cvc2", "pan", "ccn"})
NATIONAL_ID = frozenset({"ssn", "nino"})
PHONE = frozenset({"phone", "mobile", "telephone", "tel", "msisdn", "fax", "cell"})
EMAIL = frozenset({"email", "mail"})
PERSONAL = EMAIL | {
    "phone", "mobile", "telephone", "tel", "msisdn", "address", "street", "zip", "postal",
    "postcode", "birth", "dob", "birthday", "ssn", "passport", "surname", "iban", "gender",
    "nationality",
}  # fmt: skip
NAME_PARTS = frozenset({"first", "last", "full", "given", "family"})


@lru_cache(maxsize=4096)
def split(name: str) -> tuple[str, ...]:
    """`hashedPassword` -> ("hashed", "password"); `apikey` -> ("api", "key")."""
    snake = _CAMEL.sub(lambda m: "_".join(g for g in m.groups() if g), name)
    out: list[str] = []
    for word in _SPLIT.split(snake.lower()):
        if word:
            out.extend(COMPOUNDS.get(word, word).split("_"))
    return tuple(out)


def snake_words(name: str) -> tuple[str, ...]:
    """The words of `to_snake(name)`, compounds kept: the audit's reading of spec field names.

    Besides compounds it differs from `split` only on a lone capital before a capitalised word:
    `userXId` gives ("user", "x", "id") here and ("user", "xid") there.
    """
    return tuple(w for w in to_snake(name).split("_") if w)
