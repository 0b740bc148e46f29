"""authn.forgeable-token: weak keys, alg none, unverified signatures, ignored expiry.

The fake services sign and verify with their own few lines of hmac (not the scanner's JWT
code), in the ways real services get it wrong, and the way they get it right.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx
import pytest

from middlebrick.checks.authn_jwt import (
    common_secrets,
    encode,
    find_jwts,
    guess_secret,
    parse_jwt,
)
from middlebrick.models import Confidence, Severity

from .test_authn_support import document, operation, scan_check

CHECK = "authn.forgeable-token"
STRONG = secrets.token_bytes(32)
PROFILE = {"id": "u-1", "name": "Alice", "email": "alice@example.com", "roles": ["user"]}
DOC = document(
    {
        "/profile": {"get": operation()},
        "/orders": {"get": operation()},
        "/status": {"get": operation(secured=False)},
    }
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: dict[str, Any], key: bytes, alg: str = "HS256") -> str:
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    return f"{head}.{body}.{b64(hmac.new(key, f'{head}.{body}'.encode(), digest).digest())}"


def claims(**extra: Any) -> dict[str, Any]:
    return {"sub": "u-1", "exp": int(time.time()) + 3600, **extra}


def service(key: bytes, *, accept_none: bool = False, verify: bool = True, check_exp: bool = True,
            cookie: str | None = None):  # fmt: skip
    """Bearer (or cookie) JWT auth done one way or another; /status is public."""

    def user(req: httpx.Request) -> str | None:
        if cookie:
            raw = req.headers.get("cookie", "").partition(f"{cookie}=")[2].split(";")[0]
        else:
            raw = req.headers.get("authorization", "").removeprefix("Bearer ")
        parts = raw.split(".")
        if len(parts) != 3:
            return None
        try:
            header, payload = json.loads(unb64(parts[0])), json.loads(unb64(parts[1]))
        except ValueError:
            return None
        if accept_none and str(header.get("alg", "")).lower() == "none":
            pass  # the classic: the token names its own algorithm
        elif verify:
            if header.get("alg") != "HS256":
                return None
            mac = hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(b64(mac), parts[2]):
                return None
        if check_exp and payload.get("exp", 0) < time.time():
            return None
        return str(payload.get("sub"))

    def handle(req: httpx.Request) -> httpx.Response:
        if req.url.path in ("/", "/status"):
            return httpx.Response(200, json={"status": "ok"})
        if user(req) != "u-1":
            return httpx.Response(401, json={"error": "invalid token"})
        if req.url.path == "/profile":
            return httpx.Response(200, json=PROFILE)
        return httpx.Response(200, json={"orders": [{"id": "o-1", "total": 5}], "next": None})

    return handle


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def kinds(findings) -> list[tuple[str, Severity, Confidence]]:
    return sorted((f.title, f.severity, f.confidence) for f in findings)


def test_jwt_round_trip_and_non_jwts():
    token = sign(claims(role="user"), b"k")
    parsed = parse_jwt(token)
    assert parsed is not None and parsed.alg == "HS256" and parsed.claims["role"] == "user"
    resigned = parse_jwt(encode(dict(parsed.header), dict(parsed.claims), b"k"))
    assert resigned is not None and resigned.claims == parsed.claims
    assert guess_secret(resigned, ["x", "k"]) == "k" and guess_secret(parsed, ["k"]) == "k"
    assert encode({"alg": "none"}, {"sub": "x"}, None).endswith(".")
    # An itsdangerous token (Flask's session/URLSafeTimedSerializer) has no JSON header.
    assert parse_jwt("eyJzdWIiOiJ1c3JfMSJ9.Zx9Kqw.c2lnbmF0dXJl") is None
    assert parse_jwt("not.a.jwt") is None
    assert [j.raw for j in find_jwts(f"Bearer {token}; other=1")] == [token]


def test_guessing_the_key_is_fast_and_exact():
    words = common_secrets()
    assert len(words) >= 300 and "" in words and "your-256-bit-secret" in words
    weak = parse_jwt(sign(claims(), b"your-256-bit-secret", "HS256"))
    strong = parse_jwt(sign(claims(), STRONG, "HS512"))
    assert weak is not None and strong is not None
    started = time.perf_counter()
    assert guess_secret(weak, words) == "your-256-bit-secret"
    assert guess_secret(strong, words) is None
    assert time.perf_counter() - started < 0.5


def test_a_weak_hmac_key_is_found_and_a_forged_token_proves_it():
    token = sign(claims(), b"secret")
    findings = scan_check(CHECK, service(b"secret"), DOC, headers_a=bearer(token))
    assert kinds(findings) == [
        ("JWT signed with a guessable secret", Severity.CRITICAL, Confidence.CERTAIN)
    ]
    forged, reference = findings[0].evidence
    assert forged.response["status"] == 200 and reference.response["status"] == 200
    assert "secret" not in (findings[0].evidence[0].note or "").replace("secrets", "")
    assert token not in json.dumps([e.request for e in findings[0].evidence])


def test_alg_none_is_found_when_the_token_picks_its_algorithm():
    findings = scan_check(CHECK, service(STRONG, accept_none=True), DOC,
                          headers_a=bearer(sign(claims(), STRONG)))  # fmt: skip
    assert kinds(findings) == [
        ("JWT with alg 'none' accepted: tokens need no signature", Severity.CRITICAL,
         Confidence.CERTAIN),
    ]  # fmt: skip
    assert findings[0].cwe == "CWE-347"


def test_an_unverified_signature_is_one_finding_not_also_alg_none():
    findings = scan_check(CHECK, service(STRONG, verify=False), DOC,
                          headers_a=bearer(sign(claims(), STRONG)))  # fmt: skip
    assert kinds(findings) == [
        ("JWT signature not verified: a tampered token is accepted", Severity.CRITICAL,
         Confidence.CERTAIN),
    ]  # fmt: skip


def test_an_expired_token_that_still_works_is_found():
    stale = sign(claims(exp=int(time.time()) - 86400), STRONG)
    findings = scan_check(CHECK, service(STRONG, check_exp=False), DOC, headers_a=bearer(stale))
    assert kinds(findings) == [("Expired JWT accepted", Severity.HIGH, Confidence.FIRM)]
    assert findings[0].cwe == "CWE-613"


def test_expiry_is_tested_by_re_signing_when_the_key_is_known():
    findings = scan_check(CHECK, service(b"changeme", check_exp=False), DOC,
                          headers_a=bearer(sign(claims(), b"changeme")))  # fmt: skip
    assert [f.title for f in findings] == [
        "JWT signed with a guessable secret",
        "Expired JWT accepted",
    ]


@pytest.mark.parametrize("alg", ["HS256", "HS512"])
def test_a_strong_key_and_strict_checks_pass(alg):
    def strict(req: httpx.Request) -> httpx.Response:
        raw = req.headers.get("authorization", "").removeprefix("Bearer ")
        if req.url.path in ("/", "/status"):
            return httpx.Response(200, json={"status": "ok"})
        return service(STRONG)(req) if raw != token else httpx.Response(200, json=PROFILE)

    token = sign(claims(), STRONG, alg)
    sent: list = []
    assert scan_check(CHECK, strict if alg == "HS512" else service(STRONG), DOC,
                      headers_a=bearer(token), sent=sent) == []  # fmt: skip
    forged = [x for x in sent if x.request_headers.get("authorization", "").count(".") == 2]
    assert len(forged) >= 5  # tampered, four spellings of none: all tried, all refused


def test_a_weak_key_in_a_session_cookie_is_found():
    token = sign(claims(), b"keyboard cat")
    findings = scan_check(CHECK, service(b"keyboard cat", cookie="sid"), DOC,
                          headers_a={"Cookie": f"theme=dark; sid={token}"})  # fmt: skip
    assert [f.title for f in findings] == ["JWT signed with a guessable secret"]
    assert "Cookie header of user A" in (findings[0].evidence[0].note or "")


def test_a_token_the_api_hands_out_is_checked_too():
    doc = document(
        {
            "/login": {"post": operation(secured=False, body={
                "type": "object", "properties": {"username": {"type": "string"}},
                "example": {"username": "guest"},
            })},
            "/profile": {"get": operation()},
        }
    )  # fmt: skip
    weak = service(b"password")

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/login":
            return httpx.Response(200, json={"access_token": sign(claims(), b"password")})
        return weak(req)

    findings = scan_check(CHECK, handler, doc)
    assert [(f.title, f.confidence) for f in findings] == [
        ("JWT signed with a guessable secret", Confidence.CERTAIN)
    ]
    assert "returned by POST /login" in (findings[0].evidence[0].note or "")
    assert [e.request["method"] for e in findings[0].evidence] == ["GET", "GET"]


def test_no_tokens_no_requests():
    sent: list = []
    assert (
        scan_check(CHECK, service(STRONG), DOC, headers_a={"X-Api-Key": "k-123"}, sent=sent) == []
    )
    assert all(x.request_headers.get("x-api-key") == "k-123" for x in sent)
