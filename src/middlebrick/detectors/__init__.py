"""Detectors of secrets and personal data in response bodies: pure functions, no HTTP.

`detect_body(body, content_type)` finds provider keys (AWS, GitHub, Stripe, Slack, Google),
private keys, JWTs, password hashes, passwords, secrets and tokens by name, card numbers that
pass Luhn, US social security numbers, and emails or phone numbers in bulk; `redact` masks them.
"""

from __future__ import annotations

from middlebrick.detectors.model import Detection, Kind
from middlebrick.detectors.names import NameClass, classify, is_personal
from middlebrick.detectors.patterns import card_number, luhn_valid, ssn
from middlebrick.detectors.scan import BULK, detect_body, detect_json, detect_text, redact

__all__ = [
    "BULK",
    "Detection",
    "Kind",
    "NameClass",
    "card_number",
    "classify",
    "detect_body",
    "detect_json",
    "detect_text",
    "is_personal",
    "luhn_valid",
    "redact",
    "ssn",
]
