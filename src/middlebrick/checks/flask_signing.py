"""itsdangerous signed values (Flask session cookies, itsdangerous tokens): parse, crack, forge.

Flask signs its session cookie with `URLSafeTimedSerializer(SECRET_KEY, salt="cookie-session",
signer_kwargs={"key_derivation": "hmac", "digest_method": sha1})` and Flask's tagged JSON:
`base64(json)` (or `.` + `base64(zlib(json))`), `.`, `base64(timestamp)`, `.`, `base64(HMAC)`.
Cracking derives the signing key once per candidate secret and compares one HMAC, which is what
itsdangerous would compute, without its exception-driven `loads` (a few µs per candidate).
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import hmac
import json
import re
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

WORDLIST = ("data", "flask_secret_keys.txt")
_SHAPE = re.compile(r"\.?[A-Za-z0-9_-]{2,}(\.[A-Za-z0-9_-]{4,12})?\.[A-Za-z0-9_-]{27,86}")
_DIGESTS: dict[int, Callable[..., Any]] = {
    20: hashlib.sha1,
    32: hashlib.sha256,
    48: hashlib.sha384,
    64: hashlib.sha512,
}
_EPOCH_2010 = 1262304000


@dataclass(frozen=True, slots=True)
class Scheme:
    """How a signer turns the secret into its HMAC key: itsdangerous' salt and key derivation."""

    salt: bytes
    derivation: str  # "hmac" (Flask), "django-concat" (itsdangerous' default), "concat", "none"


FLASK_SESSION = Scheme(b"cookie-session", "hmac")
# Salts seen with itsdangerous tokens: its defaults, then the names apps commonly give them.
TOKEN_SALTS = (
    b"itsdangerous", b"itsdangerous.Signer", b"cookie-session", b"auth", b"auth-token",
    b"access-token", b"api-token", b"token", b"bearer", b"login", b"session", b"remember",
    b"user", b"api", b"confirm", b"email-confirm", b"reset", b"password-reset", b"activate",
)  # fmt: skip
# `URLSafeTimedSerializer(key, salt=...)` derives with django-concat; Flask's own signer too.
TOKEN_SCHEMES = (*(Scheme(salt, "django-concat") for salt in TOKEN_SALTS), FLASK_SESSION)


@dataclass(frozen=True, slots=True)
class SignedValue:
    """An itsdangerous URL-safe signed value, decoded but not verified."""

    raw: str
    signed: bytes  # what the signature covers: payload, plus ".timestamp" when timed
    signature: bytes
    timestamp: int | None  # None for an untimed URLSafeSerializer value
    data: Any  # the JSON payload as sent (Flask's tags not resolved)
    compressed: bool

    @property
    def digest(self) -> Callable[..., Any]:
        return _DIGESTS[len(self.signature)]


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_signed(value: str, *, now: float | None = None) -> SignedValue | None:
    """Decode `value` if it has itsdangerous' URL-safe shape and a JSON payload, else None."""
    value = value.strip().strip('"')
    if not _SHAPE.fullmatch(value):
        return None
    compressed = value.startswith(".")
    parts = value[1:].split(".") if compressed else value.split(".")
    try:
        signature = _b64(parts[-1])
        payload = _b64(parts[0])
        if compressed:
            payload = zlib.decompressobj().decompress(payload, 1 << 20)
        data = json.loads(payload)
        stamp = int.from_bytes(_b64(parts[1]), "big") if len(parts) == 3 else None
    except (ValueError, zlib.error):
        return None
    if len(signature) not in _DIGESTS:
        return None
    # A timestamp must be a plausible time of signing, which rules out most look-alikes.
    latest = (now or time.time()) + 366 * 86400
    if stamp is not None and not _EPOCH_2010 <= stamp <= latest:
        return None
    signed = value.rpartition(".")[0].encode()
    return SignedValue(value, signed, signature, stamp, data, compressed)


def derive_key(secret: bytes, scheme: Scheme, digest: Callable[..., Any]) -> bytes:
    """itsdangerous' `Signer.derive_key`."""
    if scheme.derivation == "hmac":
        return hmac.new(secret, scheme.salt, digest).digest()
    if scheme.derivation == "django-concat":
        return bytes(digest(scheme.salt + b"signer" + secret).digest())
    if scheme.derivation == "concat":
        return bytes(digest(scheme.salt + secret).digest())
    return secret


def verifies(value: SignedValue, secret: bytes, scheme: Scheme) -> bool:
    """Whether `secret` (under `scheme`) produced the value's signature."""
    key = derive_key(secret, scheme, value.digest)
    mac = hmac.new(key, value.signed, value.digest).digest()
    return hmac.compare_digest(mac, value.signature)


def crack(
    value: SignedValue, schemes: Sequence[Scheme], secrets: Iterable[bytes]
) -> tuple[bytes, Scheme] | None:
    """The first candidate secret and scheme that verify `value`, or None."""
    digest = value.digest
    for secret in secrets:
        for scheme in schemes:
            key = derive_key(secret, scheme, digest)
            mac = hmac.new(key, value.signed, digest).digest()
            if hmac.compare_digest(mac, value.signature):
                return secret, scheme
    return None


def _serializer(
    secret: bytes, scheme: Scheme, value: SignedValue, flask: bool
) -> URLSafeSerializer | URLSafeTimedSerializer:
    kwargs: dict[str, Any] = {
        "salt": scheme.salt,
        "signer_kwargs": {"key_derivation": scheme.derivation, "digest_method": value.digest},
    }
    if flask:
        from flask.json.tag import TaggedJSONSerializer  # Flask's own session serializer

        kwargs["serializer"] = TaggedJSONSerializer()
    if value.timestamp is None:
        return URLSafeSerializer(secret, **kwargs)
    return URLSafeTimedSerializer(secret, **kwargs)


def load(value: SignedValue, secret: bytes, scheme: Scheme, *, flask: bool) -> Any:
    """The verified payload, decoded as Flask (tagged JSON) or itsdangerous (JSON) does."""
    return _serializer(secret, scheme, value, flask).loads(value.raw)


def forge(value: SignedValue, secret: bytes, scheme: Scheme, data: Any, *, flask: bool) -> str:
    """A new value carrying `data`, signed exactly like `value` was."""
    signed = _serializer(secret, scheme, value, flask).dumps(data)
    return signed.decode() if isinstance(signed, bytes) else str(signed)


@cache
def candidate_secrets(*, variants: bool = True) -> tuple[bytes, ...]:
    """The built-in wordlist, with its case and separator variants unless told not to."""
    text = files("middlebrick").joinpath(*WORDLIST).read_text(encoding="utf-8")
    seen: dict[bytes, None] = {}
    for line in text.splitlines():
        if not line or line == "#" or line.startswith("# "):
            continue
        if "\\" in line:
            seen.setdefault(codecs.escape_decode(line.encode())[0], None)
            continue
        for variant in _variants(line) if variants else [line]:
            seen.setdefault(variant.encode(), None)
    return tuple(seen)


def _variants(word: str) -> list[str]:
    spellings = [word]
    if re.search(r"[-_ ]", word):
        spellings += [re.sub(r"[-_ ]", sep, word) for sep in ("-", "_", " ", "")]
    out: list[str] = []
    for spelling in spellings:
        out += [spelling, spelling.lower(), spelling.upper(), spelling.capitalize()]
    if word.isalnum() and len(word) <= 10:
        out += [word + suffix for suffix in ("123", "!", "1", "2024", "2025")]
    return out


def mask_key(secret: bytes) -> str:
    """The secret for a report: enough to recognise the default, never the whole value."""
    text = secret.decode("latin-1")
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    if len(text) <= 3:
        return text[:1] + "*" * (len(text) - 1)
    shown = max(2, len(text) // 3)
    return text[:shown] + "*" * (len(text) - shown - 1) + text[-1]
