"""JSON Web Tokens, as much as a scanner needs: parse, sign with HMAC, guess a weak HMAC key.

Plain standard library (base64url, json, hmac, hashlib): guessing a key costs one HMAC per
candidate and nothing else, so several hundred candidates take about a millisecond.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_HASHES: Mapping[str, Callable[..., Any]] = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}
# Header and claims are JSON objects, so both parts start with "eyJ" ('{"' in base64).
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
WORDLIST = "data/jwt_secrets.txt"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, kw_only=True, slots=True)
class Jwt:
    """A decoded (not verified) JWS in compact form."""

    raw: str
    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    signature: bytes

    @property
    def alg(self) -> str:
        return str(self.header.get("alg", ""))

    @property
    def signing_input(self) -> bytes:
        return self.raw.rsplit(".", 1)[0].encode("ascii")

    @property
    def hmac_signed(self) -> bool:
        return self.alg.upper() in _HASHES

    def expired(self, now: float, leeway: float = 300.0) -> bool:
        """Is `exp` more than `leeway` seconds in the past (clock skew forgiven)?"""
        exp = self.claims.get("exp")
        return isinstance(exp, int | float) and not isinstance(exp, bool) and exp < now - leeway


def parse_jwt(text: str) -> Jwt | None:
    """The token decoded, or None when it is not a JWS with a JSON header naming an `alg`."""
    parts = text.strip().split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict) or "alg" not in header:
        return None
    return Jwt(raw=text.strip(), header=header, claims=claims, signature=signature)


def find_jwts(text: str) -> list[Jwt]:
    """Every JWT inside a header value or body."""
    return [j for raw in JWT_PATTERN.findall(text) if (j := parse_jwt(raw)) is not None]


def _part(value: Mapping[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def encode(header: Mapping[str, Any], claims: Mapping[str, Any], key: bytes | None) -> str:
    """A compact JWS: HMAC-signed with `key` for HS* algorithms, unsigned when `key` is None."""
    signing = f"{_part(header)}.{_part(claims)}"
    if key is None:
        return signing + "."
    digest = _HASHES[str(header["alg"]).upper()]
    return f"{signing}.{b64url(hmac.new(key, signing.encode(), digest).digest())}"


def with_claims(token: Jwt, claims: Mapping[str, Any]) -> str:
    """New claims under the token's original header and signature (a tampered token)."""
    header, _, signature = token.raw.split(".")
    return f"{header}.{_part(claims)}.{signature}"


def guess_secret(token: Jwt, candidates: Iterable[str]) -> str | None:
    """The HMAC key among `candidates` that produced the token's signature, if any."""
    digest = _HASHES.get(token.alg.upper())
    if digest is None or not token.signature:
        return None
    message, target = token.signing_input, token.signature
    for secret in candidates:
        if hmac.compare_digest(hmac.new(secret.encode(), message, digest).digest(), target):
            return secret
    return None


@cache
def common_secrets() -> tuple[str, ...]:
    """The bundled list of secrets people sign tokens with (tutorial values, defaults, words)."""
    text = resources.files("middlebrick").joinpath(WORDLIST).read_text(encoding="utf-8")
    words = [line.rstrip("\r") for line in text.split("\n")]
    return ("", *dict.fromkeys(w for w in words if w and not w.startswith("# ")))
