"""Value shapes: provider key formats, password hash formats, and validated personal numbers.

Only formats that identify themselves are matched without a name next to them (an `AKIA` key
id, a PEM block, `$2b$12$...`); shapes shared with harmless values (40 base64 characters, a hex
digest, a bare 16-digit number) need a name saying what they are, so the scanning code asks.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from middlebrick.detectors.model import Kind

_B = r"(?<![A-Za-z0-9_+/-])"  # not glued to a longer token on the left
_E = r"(?![A-Za-z0-9_+/=-])"
# Provider formats: distinctive enough to match anywhere. Each has one capturing group.
PROVIDER_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.AWS_ACCESS_KEY_ID, re.compile(rf"{_B}((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{{16}}){_E}")),
    # STS session tokens begin with these base64 prefixes (the token is binary, then base64).
    (
        Kind.AWS_SESSION_TOKEN,
        re.compile(
            rf"{_B}((?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE|FQoGZXIvYXdzE|AQoDYXdzE)"
            r"[A-Za-z0-9/+]{80,}={0,2})(?![A-Za-z0-9+/=])"
        ),
    ),
    (
        Kind.AWS_ACCOUNT_ARN,
        re.compile(
            r"(?<![\w:])(arn:aws[a-z-]*:[a-z0-9-]{2,32}:[a-z0-9-]*:\d{12}:[^\s\"'<>,]{1,512})"
        ),
    ),
    (
        Kind.PRIVATE_KEY,
        # The body runs to the next "-----" (linear: no backtracking), 64 characters at least.
        re.compile(
            r"(-----BEGIN [A-Z ]{0,20}PRIVATE KEY(?: BLOCK)?-----(?:(?!-----)[\s\S]){64,16384}"
            r"(?:-----END [A-Z ]{0,20}PRIVATE KEY(?: BLOCK)?-----)?)"
        ),
    ),
    (Kind.GITHUB_TOKEN, re.compile(rf"{_B}(gh[pousr]_[A-Za-z0-9]{{36,251}}){_E}")),
    (Kind.GITHUB_TOKEN, re.compile(rf"{_B}(github_pat_[A-Za-z0-9]{{22}}_[A-Za-z0-9]{{59}}){_E}")),
    (Kind.STRIPE_SECRET_KEY, re.compile(rf"{_B}((?:sk|rk)_live_[A-Za-z0-9]{{24,247}}){_E}")),
    (Kind.SLACK_TOKEN, re.compile(rf"{_B}(xox[abpr]-\d{{6,}}-[A-Za-z0-9-]{{8,}}){_E}")),
    (Kind.GOOGLE_API_KEY, re.compile(rf"{_B}(AIza[0-9A-Za-z_-]{{35}}){_E}")),
    (
        Kind.JWT,
        re.compile(rf"{_B}(eyJ[A-Za-z0-9_-]{{8,}}\.eyJ[A-Za-z0-9_-]{{8,}}\.[A-Za-z0-9_-]*){_E}"),
    ),
)
# Every provider format starts with one of these: one search rules most strings out at once.
PROVIDER_HINT = re.compile(
    r"AKIA|ASIA|ABIA|ACCA|IQoJb3|FwoGZX|FQoGZX|AQoDYX|arn:aws|PRIVATE KEY|gh[pousr]_|github_pat_"
    r"|_live_|xox[abpr]-|AIza|eyJ"
)
# AWS documents these as placeholders; they are never anyone's real credentials or account.
_EXAMPLE_ACCOUNTS = frozenset({"000000000000", "123456789012", "111122223333", "444455556666"})

# Password hash formats that say what they are (Werkzeug, passlib, Django, crypt(3), argon2).
PASSWORD_HASH = re.compile(
    r"(?<![\w$])("
    r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}"
    r"|\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}"
    r"|(?:pbkdf2:sha(?:1|224|256|384|512)(?::\d+)?|scrypt:\d+:\d+:\d+)\$[^$\s\"']{1,128}"
    r"\$[0-9a-f]{32,256}"
    r"|\$pbkdf2(?:-sha(?:1|256|512))?\$\d+\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{16,}"
    r"|\$scrypt\$ln=\d+,r=\d+,p=\d+\$[./A-Za-z0-9+]+\$[./A-Za-z0-9+]{16,}"
    r"|(?:pbkdf2_sha(?:1|256)|bcrypt_sha256|scrypt)\$\d+\$[^$\s\"']{1,128}\$[A-Za-z0-9+/=]{20,}"
    r"|argon2\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{16,}"
    r"|\$(?:1|5|6|y|7)\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,64}\$[./A-Za-z0-9]{22,86}"
    r"|\{(?:SSHA|SHA|SSHA256|SSHA512|SMD5|MD5|CRYPT)\}[A-Za-z0-9+/=.$]{20,}"
    r")(?![\w$])"
)
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128}")
_BASE64_DIGEST = re.compile(r"[A-Za-z0-9+/]{27,86}={0,2}")
AWS_SECRET_SHAPE = re.compile(r"[A-Za-z0-9/+]{40}")
SESSION_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9/+]{100,}={0,2}")

EMAIL = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-])"
)
_NOT_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "ico", "map"})
# A phone number without a name beside it must look like one: "+44 20 7946 0958",
# "+14155550123", "(415) 555-0123", "415-555-0123".
_PHONE_FORMATTED = re.compile(
    r"\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){1,2}(?:[ .-]?\d{2,4}){1,4}"
    r"|\(\d{3}\) ?\d{3}-\d{4}|\d{3}[-.]\d{3}[-.]\d{4}"
)
PHONE_IN_TEXT = re.compile(
    r"(?<![\w+])(\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){1,2}(?:[ .-]\d{2,4}){1,4}|\+[1-9]\d{7,14})"
    r"(?![\w-])"
)
_PHONE_CHARS = re.compile(r"[\d ()+.-]{7,24}")
# Card numbers in text only in the printed groupings (4-4-4-4, 4-6-5, ...).
CARD_IN_TEXT = re.compile(
    r"(?<![\d.-])(\d{4}([ -])\d{4}\2\d{4}\2\d{4}(?:\2\d{1,3})?|\d{4}([ -])\d{6}\3\d{4,5})(?![\d-])"
)
SSN = re.compile(r"(?<![\w-])((?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4})(?![\w-])")
_SSN_PLAIN = re.compile(r"(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}")
# Numbers printed in documentation and on sample cards, never a person's.
_SAMPLE_SSNS = frozenset({"078-05-1120", "219-09-9999", "123-45-6789", "111-11-1111"})
_MASKED = re.compile(r"^[*•xX#.\-]+$|\*{3,}|\[masked|redacted|<hidden>|^\$\{.*\}$|^<.*>$", re.I)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) checksum every payment card number carries."""
    if not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _iin_ok(d: str) -> bool:
    n = len(d)
    two, four, six = int(d[:2]), int(d[:4]), int(d[:6])
    return (
        (d[0] == "4" and n in (13, 16, 19))  # Visa
        or ((51 <= two <= 55 or 222100 <= six <= 272099) and n == 16)  # Mastercard
        or (two in (34, 37) and n == 15)  # American Express
        or ((d.startswith("6011") or 644 <= int(d[:3]) <= 649 or two == 65) and 16 <= n <= 19)
        or (3528 <= four <= 3589 and 16 <= n <= 19)  # JCB
        or ((300 <= int(d[:3]) <= 305 or two in (36, 38, 39)) and 14 <= n <= 19)  # Diners
        or (two == 62 and 16 <= n <= 19)  # UnionPay
        or (four in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763) and 13 <= n <= 19)
    )


def card_number(value: str) -> str | None:
    """The digits of a payment card number (13-19 digits, known issuer, Luhn), else None."""
    digits = re.sub(r"[ -]", "", value.strip())
    # Two distinct digits at most (4111 1111 1111 1111, the universal test card) is test data.
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or len(set(digits)) < 3:
        return None
    return digits if _iin_ok(digits) and luhn_valid(digits) else None


def ssn(value: str, *, named: bool = False) -> bool:
    """A US social security number in a valid range ("078-05-1120" and such samples excluded);
    nine plain digits count only when the name says it is one."""
    value = value.strip()
    if value in _SAMPLE_SSNS:
        return False
    if SSN.fullmatch(value):
        return True
    return named and _SSN_PLAIN.fullmatch(value) is not None


def email(value: str) -> bool:
    match = EMAIL.fullmatch(value.strip())
    return match is not None and match.group(1).rsplit(".", 1)[-1].lower() not in _NOT_TLDS


def phone(value: str, *, named: bool = False) -> bool:
    """A phone number: formatted like one, or, under a phone name, 7-15 digits."""
    value = value.strip()
    if len(value) > 24:
        return False
    digits = sum(c.isdigit() for c in value)
    if not 7 <= digits <= 15:
        return False
    if _PHONE_FORMATTED.fullmatch(value):
        return digits >= 10 or value.startswith("+")
    return named and _PHONE_CHARS.fullmatch(value) is not None


def masked(value: str) -> bool:
    """Is this already a mask or a placeholder ("********", "${SECRET}", "<redacted>")?"""
    return bool(_MASKED.search(value.strip()))


def password_hash(value: str, *, named: bool = False) -> bool:
    """A password hash: a self-describing format anywhere; under a password name also a bare
    hex or base64 digest (MD5, SHA-1, SHA-256, SHA-512)."""
    value = value.strip()
    if PASSWORD_HASH.fullmatch(value):
        return True
    if not named:
        return False
    return bool(_HEX_DIGEST.fullmatch(value) or _b64_digest(value))


def _b64_digest(value: str) -> bool:
    if not _BASE64_DIGEST.fullmatch(value) or len(value) % 4:
        return False
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) in (16, 20, 32, 48, 64)


def secretish(value: str, *, min_length: int) -> bool:
    """Could this be a key or token: long enough, one word, not a mask, not plain prose?"""
    value = value.strip()
    if len(value) < min_length or len(value) > 4096 or masked(value):
        return False
    if " " in value or value.lower() in {"true", "false", "null", "none"}:
        return False
    classes = sum(
        (any(c.islower() for c in value), any(c.isupper() for c in value),
         any(c.isdigit() for c in value), any(not c.isalnum() for c in value))
    )  # fmt: skip
    return classes >= 2


def aws_secret(value: str) -> bool:
    """Shaped like an AWS secret access key: 40 base64 characters of mixed case."""
    if not AWS_SECRET_SHAPE.fullmatch(value) or "EXAMPLE" in value:
        return False
    upper = any(c.isupper() for c in value)
    lower = any(c.islower() for c in value)
    return upper and lower and any(c.isdigit() or c in "/+" for c in value)


def provider_value_ok(kind: Kind, value: str) -> bool:
    """Second look at a provider-format match: documentation samples and bad JWTs are dropped."""
    if "EXAMPLE" in value.upper():
        return False
    if kind is Kind.AWS_ACCOUNT_ARN:
        account = value.split(":")[4]
        return account not in _EXAMPLE_ACCOUNTS
    if kind is Kind.JWT:
        return _jwt_header_ok(value.split(".", 1)[0])
    return True


def _jwt_header_ok(segment: str) -> bool:
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header
