"""What a key or variable name says its value is: a password, a hash of one, a secret, a token,
a card number, a national id, a phone number, or personal data.

Names are split into lower-case words (`hashedPassword`, `PWD_HASH`, `x-api-key` all work). A
name that describes a secret without holding one (`token_type`, `password_changed_at`,
`next_token`, `api_key_id`, `public_key`) is not a credential name. The words and word lists
live in `middlebrick.detectors.words`, shared with `middlebrick.audit.sensitive`.
"""

from __future__ import annotations

import enum
from functools import lru_cache

from middlebrick.detectors.words import (
    DESCRIBING_DETECT,
    EMAIL,
    HARMLESS_DETECT,
    HASHED,
    NAME_PARTS,
    NATIONAL_ID,
    PASSWORD_IN_WORD,
    PERSONAL,
    PHONE,
    SECRET_KEY_QUALIFIERS,
    TOKEN_KEY_QUALIFIERS,
    split,
)

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


def words(name: str) -> tuple[str, ...]:
    """`hashedPassword` -> ("hashed", "password"); `AWS_SECRET_ACCESS_KEY` -> 4 words."""
    return split(name)


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
    if w[-1] in DESCRIBING_DETECT or s & HARMLESS_DETECT:
        return NameClass.NONE
    if {"session", "security"} & s and "token" in s:
        return NameClass.SESSION_TOKEN
    if "secret" in s or ("key" in s and SECRET_KEY_QUALIFIERS & s):
        return NameClass.SECRET
    if "token" in s or "bearer" in s or ("key" in s and TOKEN_KEY_QUALIFIERS & s):
        return NameClass.TOKEN
    if any(PASSWORD_IN_WORD.search(word) for word in w):
        return NameClass.PASSWORD_HASH if s & HASHED else NameClass.PASSWORD
    if "pan" in s or ({"card", "cc", "credit"} & s and s & {"number", "num", "no", "pan"}):
        return NameClass.CARD
    if w[-1] in {"card", "cc"} and len(w) <= 2:
        return NameClass.CARD
    if PHONE & s:
        return NameClass.PHONE
    if EMAIL & s:
        return NameClass.EMAIL
    return NameClass.NONE


def _national_id(s: set[str]) -> bool:
    if NATIONAL_ID & s or {"social", "security", "number"} <= s:
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
    if s & PERSONAL:
        return w[-1] not in {"verified", "confirmed", "enabled", "type", "count", "id"}
    return bool(NAME_PARTS & s and "name" in s)


def credential_name(name: str | None) -> bool:
    """A name an AWS secret key may sit under: *secret*, *credential*, aws..key."""
    w = words(name) if name else ()
    if not w:  # "-", "__": a key a hostile target may send, naming nothing
        return False
    s = set(w)
    if w[-1] in DESCRIBING_DETECT or s & HARMLESS_DETECT:
        return False
    return bool(s & {"secret", "credential", "credentials"} or ("aws" in s and "key" in s))
