"""abuse.redos: evil inputs derived from patterns, and real backtracking measured server-side.

The fake services run real Python regular expressions on what they get, so the slow answers
are genuine backtracking, not simulated sleeps.
"""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from middlebrick.checks.abuse_regex import evil_inputs
from middlebrick.models import Severity

from .test_authn_support import document, operation, scan_check

CHECK = "abuse.redos"
A = {"Authorization": "Bearer tok-alice"}
EVIL_CODE = r"^([A-Z0-9]+-?)+$"
SAFE_CODE = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"


@pytest.mark.parametrize(
    "pattern",
    [EVIL_CODE, r"^([a-zA-Z0-9_.+-]+)+@[a-z]+\.[a-z]+$", r"^\d{3}-(\d+)+$", r"^(\w+\s?)*$",
     r"^[^@]+@([a-z0-9]+\.?)+$", r"^(a|a)*$"],
)  # fmt: skip
def test_evil_inputs_are_found_for_nested_quantifiers(pattern):
    found = evil_inputs(pattern)
    assert found
    compiled, evil = re.compile(pattern), found[0]
    started = time.perf_counter()
    compiled.search(evil.make(evil.start))
    assert time.perf_counter() - started > 0.001  # it really is where backtracking bites


@pytest.mark.parametrize(
    "pattern", [SAFE_CODE, r"^[a-z0-9_]{3,32}$", r"^[\w.]+$", r"^\d{4}-\d{2}-\d{2}$", "([", "a{2,"]
)
def test_linear_or_broken_patterns_give_nothing(pattern):
    assert evil_inputs(pattern) == []


def coupons(validator: str, *, stall_once: bool = False):
    """GET /coupons?code=... validated with `validator` (the document says EVIL_CODE)."""
    compiled = re.compile(validator)
    stalled: list[bool] = []
    doc = document({"/coupons": {"get": operation(params=[
        {"name": "code", "in": "query", "required": True,
         "schema": {"type": "string", "pattern": EVIL_CODE}, "example": "SPRING-24"},
    ])}})  # fmt: skip

    def handler(req: httpx.Request) -> httpx.Response:
        code = req.url.params.get("code", "")
        if stall_once and len(code) > 12 and not stalled:
            stalled.append(True)
            time.sleep(0.6)  # one hiccup (a GC pause, a noisy neighbour): not a proof
        if not compiled.match(code):
            return httpx.Response(400, json={"error": "invalid coupon code"})
        return httpx.Response(200, json={"code": code, "discount": 10})

    return handler, doc


def test_a_backtracking_validator_is_found_and_confirmed():
    handler, doc = coupons(EVIL_CODE)
    started = time.monotonic()
    findings = scan_check(CHECK, handler, doc, headers_a=A)
    assert [(f.title, f.severity, f.cwe) for f in findings] == [
        ("Regular expression denial of service (ReDoS)", Severity.MEDIUM, "CWE-1333")
    ]
    slow, shorter, harmless = findings[0].evidence
    assert slow.response["elapsed_ms"] > 150 > harmless.response["elapsed_ms"]
    assert shorter.response["elapsed_ms"] * 3 <= slow.response["elapsed_ms"]
    assert time.monotonic() - started < 15  # bounded: a few seconds of server work at most


def test_a_linear_validator_behind_the_same_document_is_clean():
    handler, doc = coupons(SAFE_CODE)
    assert scan_check(CHECK, handler, doc, headers_a=A) == []


def test_one_slow_answer_is_not_proof():
    handler, doc = coupons(SAFE_CODE, stall_once=True)
    assert scan_check(CHECK, handler, doc, headers_a=A) == []


EMAIL_DOC = document({"/newsletter": {"post": operation(secured=False, body={
    "type": "object", "required": ["email"],
    "properties": {"email": {"type": "string", "format": "email"}}})}})  # fmt: skip


def newsletter(validator: re.Pattern[str] | None):
    stored: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path != "/newsletter" or req.method != "POST":
            return httpx.Response(404)
        email = json.loads(req.content)["email"]
        if validator is not None and not validator.match(email):
            return httpx.Response(422, json={"detail": "not an email address"})
        stored.append(email)
        return httpx.Response(201, json={"subscribed": email})

    return handler, stored


def test_a_home_made_email_regex_is_found_without_any_pattern_in_the_document():
    handler, _ = newsletter(re.compile(r"^([a-zA-Z0-9_.+-]+)+@[a-zA-Z0-9-]+\.[a-zA-Z]+$"))
    findings = scan_check(CHECK, handler, EMAIL_DOC)
    assert [f.endpoint.path for f in findings] == ["/newsletter"]
    assert "an email address" in (findings[0].evidence[0].note or "")


def test_a_sane_email_check_or_none_at_all_is_clean_and_stops_early():
    handler, _ = newsletter(re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$"))
    assert scan_check(CHECK, handler, EMAIL_DOC) == []
    handler, stored = newsletter(None)
    assert scan_check(CHECK, handler, EMAIL_DOC) == []
    # Nothing validates the field: the first probe was stored, then the check stopped creating.
    assert len([e for e in stored if e.endswith("!")]) == 1
