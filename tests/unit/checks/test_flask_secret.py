"""flask.weak-secret-key: Flask session cookies and itsdangerous tokens with default keys."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Any

import httpx
import pytest
from flask import Flask, g, request, session
from itsdangerous import URLSafeTimedSerializer

from middlebrick.checks.flask_signing import (
    FLASK_SESSION,
    candidate_secrets,
    crack,
    mask_key,
    parse_signed,
)
from middlebrick.models import Category, Confidence, Severity

from .explored import run_explored
from .explored import wsgi as wsgi_handler

CHECK = "flask.weak-secret-key"


def operation(status: int = 200, **extra: Any) -> dict[str, Any]:
    return {"responses": {str(status): {"description": "ok"}}, **extra}


PROFILE_SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "notes", "version": "1"},
    "paths": {
        "/api/profile": {"get": operation()},
        "/api/notes": {"get": operation()},
    },
}
API_TOKENS = {"tok-ada-0001": "u-ada", "tok-bob-0002": "u-bob"}


def flask_login_style(secret: str) -> Flask:
    """Browsers sign in with a session (`_user_id`, as Flask-Login has it), scripts with a token."""
    app = Flask("notes")
    app.secret_key = secret

    @app.before_request
    def identify() -> None:
        session.setdefault("csrf", "c5f0e1")  # every visitor gets a session: a CSRF token
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        g.uid = API_TOKENS.get(token) if scheme == "Bearer" else session.get("_user_id")

    @app.get("/api/profile")
    def profile() -> Any:
        if g.uid is None:
            return {"error": "login required"}, 401
        return {"user_id": g.uid, "name": g.uid[2:].title()}

    @app.get("/api/notes")
    def notes() -> Any:
        if g.uid is None:
            return {"error": "login required"}, 401
        return {"notes": [{"note_id": "n1", "owner": g.uid}]}

    return app


def test_anonymous_session_forged_into_a_login(check_runner):
    app = flask_login_style("you-will-never-guess")
    findings = run_explored(
        CHECK, wsgi_handler(app), PROFILE_SPEC, headers_a={"Authorization": "Bearer tok-ada-0001"}
    )
    assert len(findings) == 1
    finding = findings[0]
    assert finding.category is Category.AUTHENTICATION and finding.cwe == "CWE-798"
    assert (finding.severity, finding.confidence) == (Severity.CRITICAL, Confidence.CERTAIN)
    assert finding.title == "Flask SECRET_KEY is a public default: forged sessions are accepted"
    genuine, forged = finding.evidence[-2:]
    assert genuine.response["status"] == 401 and forged.response["status"] == 200
    assert "authorization" not in forged.request["headers"]  # the cookie alone did it
    assert "u-ada" in forged.response["body"]
    note = forged.note or ""
    assert "'you-wi*************s'" in note and "you-will-never-guess" not in note
    assert "answered 401 to the genuine value, 200 to the forged one" in note
    text = json.dumps([e.to_dict() for e in finding.evidence])
    assert "you-will-never-guess" not in text
    assert not re.search(r"eyJ[\w-]{8,}\.", text)  # cookies, genuine and forged, stay masked


def integer_ids_style(secret: str) -> Flask:
    """API keys for scripts; browsers keep `uid` (an int: a DynamoDB number) in the session
    beside a CSRF token. The account shows its id as `owner_id`, as a string (Flask's JSON of a
    Decimal), which is how boto3's resource API hands numbers back."""
    app = Flask("clinic")
    app.secret_key = secret
    keys = {"key-ines": 1, "key-omar": 2}

    @app.before_request
    def identify() -> None:
        session.setdefault("csrf", "9d1c")
        g.uid = keys.get(request.headers.get("X-Api-Key", "")) or session.get("uid")
        if g.uid is not None and not isinstance(g.uid, int):
            g.uid = None  # a string id finds nothing in a table keyed by numbers

    @app.get("/account")
    def account() -> Any:
        if g.uid is None:
            return {"error": {"code": "unauthenticated"}}, 401
        return {"owner_id": str(g.uid), "full_name": "Ines" if g.uid == 1 else "Omar"}

    return app


def test_the_forged_session_names_user_a_by_any_id_field_and_as_an_integer():
    spec = {"openapi": "3.0.3", "info": {"title": "c", "version": "1"},
            "paths": {"/account": {"get": operation()}}}  # fmt: skip
    app = integer_ids_style("my-super-secret-key")
    [finding] = run_explored(CHECK, wsgi_handler(app), spec, headers_a={"X-Api-Key": "key-ines"},
                             headers_b={"X-Api-Key": "key-omar"})  # fmt: skip
    assert finding.severity is Severity.CRITICAL
    assert "uid=1," in (finding.evidence[-1].note or "")  # the int, not the string "1"


def test_read_only_mode_still_proves_it_with_get_requests():
    app = flask_login_style("changeme")
    sent: list[str] = []
    inner = wsgi_handler(app)

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        return inner(request)

    findings = run_explored(
        CHECK,
        handler,
        PROFILE_SPEC,
        headers_a={"Authorization": "Bearer tok-ada-0001"},
        read_only=True,
    )
    assert [f.severity for f in findings] == [Severity.CRITICAL]
    assert set(sent) == {"GET"}


def test_cracked_but_nothing_trusts_it_is_high():
    # The session only counts visits; sign-in happens elsewhere: the key is known, no proof.
    app = Flask("counter")
    app.secret_key = "keyboard cat"

    @app.get("/")
    def index() -> Any:
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    @app.get("/api/private")
    def private() -> Any:
        return {"error": "use your API key"}, 401

    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/api/private": {"get": operation(401)}}}  # fmt: skip
    findings = run_explored(CHECK, wsgi_handler(app), spec)
    assert [(f.severity, f.confidence) for f in findings] == [(Severity.HIGH, Confidence.CERTAIN)]
    assert findings[0].title == "Flask SECRET_KEY is a public default: sessions can be forged"
    assert "'keyb*******t'" in (findings[0].evidence[0].note or "")


def _signed(secret: str | bytes, data: Any, **kwargs: Any) -> str:
    from flask.json.tag import TaggedJSONSerializer

    serializer = URLSafeTimedSerializer(
        secret,
        salt="cookie-session",
        serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
        **kwargs,
    )
    return serializer.dumps(data)


def test_hand_written_server_with_a_compressed_session_and_a_nul_key(check_runner):
    # Not Flask at all, but the same format: a big session compresses to a "." prefix.
    cookie = _signed(b"\x00", {"cart": [f"sku-{n}" for n in range(60)], "role": "guest"})
    assert cookie.startswith(".")

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Set-Cookie": f"shop_session={cookie}; HttpOnly; Path=/"}
        return httpx.Response(200, json={"shop": "open"}, headers=headers)

    findings = check_runner(CHECK, handler)
    assert [f.severity for f in findings] == [Severity.HIGH]
    assert "'shop_session'" in (findings[0].evidence[0].note or "")
    assert "SECRET_KEY '\\x*0' (1 chars" in (findings[0].evidence[0].note or "")


def test_itsdangerous_bearer_token_forged_for_user_b():
    signer = URLSafeTimedSerializer("secret-key", salt="auth-token")
    tokens = {signer.dumps({"sub": "u-ada"}): "u-ada", signer.dumps({"sub": "u-bob"}): "u-bob"}

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            subject = signer.loads(token)["sub"]
        except Exception:
            return httpx.Response(401, json={"error": "bad token"})
        if request.url.path == "/me":
            return httpx.Response(200, json={"user_id": subject, "plan": "free"})
        return httpx.Response(404, json={})

    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/me": {"get": operation()}}}  # fmt: skip
    ada, bob = list(tokens)
    findings = run_explored(
        CHECK,
        handler,
        spec,
        headers_a={"Authorization": f"Bearer {ada}"},
        headers_b={"Authorization": f"Bearer {bob}"},
    )
    assert [f.severity for f in findings] == [Severity.CRITICAL]
    forged = findings[0].evidence[-1]
    assert json.loads(forged.response["body"])["user_id"] == "u-bob"
    assert "salt 'auth-token'" in (forged.note or "") and "now shows the forged sub" in (
        forged.note or ""
    )
    assert ada not in json.dumps(forged.to_dict())


# -- look-alikes --------------------------------------------------------------------------------


def test_strong_random_key_is_not_reported():
    app = flask_login_style(secrets.token_hex(32))
    findings = run_explored(
        CHECK, wsgi_handler(app), PROFILE_SPEC, headers_a={"Authorization": "Bearer tok-ada-0001"}
    )
    assert findings == []


JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


@pytest.mark.parametrize(
    "cookie",
    [
        "connect.sid=s%3AJqL1v0uK2m.Xo9Zb5Gq3kH4e2r1s8tV0wY7nA6cB5dE4fG3hI2jK1l; Path=/",  # Express
        "sessionid=gAAAAABk3x:1q2w3e:4Lx9Qm0bYgSfVj8Zr5WcUe1Pk7Ta2Nd; Path=/",  # Django signing
        f"token={JWT}; Path=/",  # a JWT, signed with "secret" but not an itsdangerous value
        "session=ZGV2.ZGV2.ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2; Path=/",  # not JSON
    ],
)
def test_other_signed_cookies_are_not_flask_sessions(check_runner, cookie):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={}, headers={"Set-Cookie": cookie})

    assert check_runner(CHECK, handler) == []


def test_token_with_a_strong_key_is_not_reported():
    signer = URLSafeTimedSerializer(secrets.token_urlsafe(32), salt="auth-token")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"user_id": "u-ada"})

    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/me": {"get": operation()}}}  # fmt: skip
    token = signer.dumps({"sub": "u-ada"})
    assert run_explored(CHECK, handler, spec, headers_a={"Authorization": f"Bearer {token}"}) == []


def test_no_cookie_anywhere_asks_the_home_page_once(check_runner):
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json={"ok": True})

    assert check_runner(CHECK, handler) == []
    assert paths == ["/", "/"]  # exploration's GET /, then the check's own


# -- the signing helpers --------------------------------------------------------------------------


def test_wordlist_has_the_classics_and_their_variants():
    words = candidate_secrets()
    for secret in (b"dev", b"changeme", b"secret-key", b"SECRET_KEY", b"super_secret", b"\x00"):
        assert secret in words
    assert b'_5#y2L"F4Q8z\n\xec]/' in words  # Flask's quickstart example, bytes and all
    assert len(candidate_secrets(variants=False)) >= 400 and len(words) > 2000


def test_crack_finds_flask_docs_key_and_nothing_else():
    value = parse_signed(_signed(b'_5#y2L"F4Q8z\n\xec]/', {"user_id": 7}))
    assert value is not None and crack(value, [FLASK_SESSION], candidate_secrets())
    other = parse_signed(_signed(secrets.token_bytes(24), {"user_id": 7}))
    assert other is not None and crack(other, [FLASK_SESSION], candidate_secrets()) is None


def test_mask_key_keeps_only_a_hint():
    assert mask_key(b"dev") == "d**"
    assert mask_key(b"changeme") == "ch*****e"
    assert mask_key(b"\x00") == "\\x*0"
