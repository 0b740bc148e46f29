"""Correctly shaped but fake secrets, derived at run time so no key-like string is committed."""

from __future__ import annotations

import base64
import hashlib
import json

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
BASE64 = ALNUM + "+/"


def chars(seed: str, n: int, alphabet: str = ALNUM) -> str:
    """`n` characters of `alphabet`, the same for the same seed."""
    out = ""
    counter = 0
    while len(out) < n:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        out += "".join(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return out[:n]


def aws_key_id(seed: str = "k", prefix: str = "AKIA") -> str:
    return prefix + chars(seed, 16, UPPER)


def aws_secret(seed: str = "s") -> str:
    return "Ab1/" + chars(seed, 36, BASE64)


def session_token(seed: str = "t") -> str:
    return "IQoJb3JpZ2luX2Vj" + chars(seed, 300, BASE64)


def github_token(seed: str = "g") -> str:
    return "gh" + "p_" + chars(seed, 36)


def stripe_key(seed: str = "st") -> str:
    return "sk" + "_live_" + chars(seed, 24)


def slack_token(seed: str = "sl") -> str:
    return "xo" + "xb-" + "123456789012-" + "1234567890123-" + chars(seed, 24)


def google_key(seed: str = "go") -> str:
    return "AI" + "za" + chars(seed, 35, ALNUM + "-_")


def pem_private_key(seed: str = "p") -> str:
    body = "\n".join(chars(seed + str(i), 64, BASE64) for i in range(6))
    kind = "RSA PRIVATE" + " KEY"
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


def jwt(claims: dict[str, object] | None = None) -> str:
    def part(value: object) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    header = part({"alg": "HS256", "typ": "JWT"})
    return f"{header}.{part(claims or {'sub': 'user-1', 'iat': 1700000000})}.{chars('sig', 43)}"


def bcrypt_hash(seed: str = "b") -> str:
    return "$2b$12$" + chars(seed, 53, ALNUM + "./")


def card(prefix: str, length: int = 16, seed: str = "c") -> str:
    """A Luhn-valid number with an issuer prefix (Visa "4539", Mastercard "5425", ...)."""
    from middlebrick.detectors import luhn_valid

    body = prefix + chars(seed, length - len(prefix) - 1, "0123456789")
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def grouped(number: str, sep: str = " ") -> str:
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))
