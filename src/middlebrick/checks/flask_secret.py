"""flask.weak-secret-key: a Flask SECRET_KEY from the wordlist of defaults signs the session.

The session cookie (or an itsdangerous bearer token) is cracked offline against the built-in
wordlist; with the key in hand a session is forged (role raised, identity set or switched) and
sent with safe methods only, to show the service trusting it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from itsdangerous import BadData

from middlebrick.checks.base import CheckContext, check
from middlebrick.checks.flask_forgery import (
    ID_KEY,
    ROLE_KEY,
    Proof,
    elevated,
    forged_session,
    prove,
    same_type,
    typings,
    user_id,
)
from middlebrick.checks.flask_signing import (
    FLASK_SESSION,
    TOKEN_SCHEMES,
    Scheme,
    SignedValue,
    candidate_secrets,
    crack,
    forge,
    load,
    mask_key,
    parse_signed,
)
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

_MAX_VALUES = 4
_LOGIN_PATH = re.compile(r"log-?in|sign-?in|session|auth|csrf|register|sign-?up", re.I)


@dataclass(frozen=True, slots=True)
class _Found:
    kind: str  # "cookie" or "token"
    name: str  # cookie name, or the header carrying the token
    prefix: str  # what precedes a token in its header ("Bearer "); "" for a cookie
    value: SignedValue
    secret: bytes
    scheme: Scheme
    source: Exchange | None  # the response that set the cookie, when one did


def _set_cookies(x: Exchange) -> Iterator[tuple[str, str]]:
    for header in x.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        yield name.strip(), rest.partition(";")[0].strip()


def _header_cookies(headers: dict[str, str]) -> Iterator[tuple[str, str]]:
    for key, value in headers.items():
        if key.lower() == "cookie":
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            yield from ((name, morsel.value) for name, morsel in jar.items())


_Session = tuple[str, SignedValue, Exchange | None]


def _sessions(ctx: CheckContext, extra: list[Exchange]) -> list[_Session]:
    """Flask-shaped session cookies the service set, or the user supplied with -H."""
    found: dict[str, _Session] = {}
    for x in [*ctx.exchanges, *extra]:
        for name, raw in _set_cookies(x):
            if (v := parse_signed(raw)) and isinstance(v.data, dict):
                found.setdefault(raw, (name, v, x))
    for headers in (dict(ctx.config.headers_a), dict(ctx.config.headers_b)):
        for name, raw in _header_cookies(headers):
            if (v := parse_signed(raw)) and isinstance(v.data, dict):
                found.setdefault(raw, (name, v, None))
    return list(found.values())[:_MAX_VALUES]


def _tokens(headers: Mapping[str, str]) -> list[tuple[str, str, SignedValue]]:
    """Signed values in headers the user gave (bearer tokens and the like)."""
    out: list[tuple[str, str, SignedValue]] = []
    for key, value in headers.items():
        prefix, _, token = value.strip().rpartition(" ")
        if key.lower() != "cookie" and (v := parse_signed(token)) and isinstance(v.data, dict):
            out.append((key, f"{prefix} " if prefix else "", v))
    return out[:_MAX_VALUES]


async def _fetch_cookies(ctx: CheckContext) -> list[Exchange]:
    # No cookie yet: the home page and login-like pages (CSRF tokens live in the session).
    paths = ["/"] + [
        op.path
        for op in ctx.operations
        if op.method == "GET" and "{" not in op.path and _LOGIN_PATH.search(op.path)
    ][:3]
    return [await ctx.request("GET", p, identity=None, headers={"Cookie": ""}) for p in paths]


async def _prove_cookie(ctx: CheckContext, found: _Found) -> tuple[Proof | None, str]:
    try:
        data = load(found.value, found.secret, found.scheme, flask=True)
    except (BadData, ValueError, KeyError, TypeError):
        return None, ""  # verified, but not Flask's tagged JSON: nothing safe to forge from
    if not isinstance(data, dict):
        return None, ""
    proof, changes = None, {}
    for me, other in typings(user_id(ctx, "a"), user_id(ctx, "b")):
        forged = forged_session(data, me, other)
        changes = {k: v for k, v in forged.items() if data.get(k, object()) != v}
        signed = forge(found.value, found.secret, found.scheme, forged, flask=True)
        genuine = f"{found.name}={found.value.raw}"
        proof = await prove(ctx, "Cookie", genuine, f"{found.name}={signed}", changes)
        if proof is not None:
            break
    return proof, ", ".join(f"{k}={v!r}" for k, v in sorted(changes.items()))


async def _prove_token(ctx: CheckContext, found: _Found) -> tuple[Proof | None, str]:
    data = found.value.data
    mine = {k: v for k, v in data.items() if ID_KEY.match(k)}
    # Whom to impersonate: user B, as B's own token or B's own answers name them.
    theirs = [v for _, _, v in _tokens(ctx.config.headers_b) if v.raw != found.value.raw]
    named = [str(t.data[k]) for t in theirs for k in mine if k in t.data]
    other = named[0] if named else user_id(ctx, "b")
    changes = {k: same_type(v, other) for k, v in mine.items() if other and str(v) != str(other)}
    changes.update({k: elevated(data[k]) for k in data if ROLE_KEY.match(k)})
    if not changes:
        return None, ""
    signed = forge(found.value, found.secret, found.scheme, {**data, **changes}, flask=False)
    genuine = found.prefix + found.value.raw
    proof = await prove(ctx, found.name, genuine, found.prefix + signed, dict(changes))
    return proof, ", ".join(f"{k}={v!r}" for k, v in sorted(changes.items()))


def _crack_all(sessions: list[Any], tokens: list[Any]) -> list[_Found]:
    found: list[_Found] = []
    for name, value, source in sessions:
        if hit := crack(value, [FLASK_SESSION], candidate_secrets()):
            found.append(_Found("cookie", name, "", value, hit[0], hit[1], source))
    known = list(dict.fromkeys(f.secret for f in found))
    for name, prefix, value in tokens:
        secrets = [*known, *candidate_secrets(variants=False)]
        if hit := crack(value, TOKEN_SCHEMES, secrets):
            found.append(_Found("token", name, prefix, value, hit[0], hit[1], None))
    return found


def _finding(ctx: CheckContext, found: _Found, proof: Proof | None, forged: str) -> Finding:
    where = (
        f"the session cookie {found.name!r}"
        if found.kind == "cookie"
        else f"the itsdangerous token in the {found.name} header you supplied"
    )
    key = f"'{mask_key(found.secret)}' ({len(found.secret)} chars, a public default)"
    salt = found.scheme.salt.decode(errors="replace")
    signer = f"salt {salt!r}, {found.scheme.derivation} key derivation"
    if proof is not None:
        title = "Flask SECRET_KEY is a public default: forged sessions are accepted"
        note = f"{where} verifies with SECRET_KEY {key} ({signer}); a value forged with it "
        note += f"({forged}) was accepted: {proof.how}"
        evidence = [proof.baseline, proof.forged]
    else:
        title = "Flask SECRET_KEY is a public default: sessions can be forged"
        note = f"{where} verifies with SECRET_KEY {key} ({signer}); anyone can sign any "
        note += "session" + (f"; the forged one ({forged}) changed no answer" if forged else "")
        evidence = []
    return ctx.finding(
        evidence=[*([found.source] if found.source else []), *evidence],
        title=title,
        severity=Severity.CRITICAL if proof else Severity.HIGH,
        confidence=Confidence.CERTAIN,
        description=f"{ctx.check.description} Here, {note}.",
        discriminator=f"{found.kind}:{found.name}",
        note=note,
    )


@check(
    "flask.weak-secret-key",
    category=Category.AUTHENTICATION,
    severity=Severity.CRITICAL,
    confidence=Confidence.CERTAIN,
    cwe=798,
    remediation=(
        "Generate a random key (`python -c 'import secrets; print(secrets.token_hex(32))'`), load "
        "it from the environment or a secret store (`app.config['SECRET_KEY'] = "
        "os.environ['SECRET_KEY']`, AWS Secrets Manager / SSM Parameter Store for a DynamoDB "
        "service) and fail at start-up when it is missing instead of falling back to a default. "
        "Rotating it invalidates every forged session and token (keep the old one briefly in "
        "`SECRET_KEY_FALLBACKS` only if you must). Never keep a role or privilege in the "
        "client-side session: store the user id and load the role from the users table."
    ),
)
async def weak_secret_key(ctx: CheckContext) -> list[Finding]:
    """Flask SECRET_KEY is a guessable default

    Flask signs its client-side session cookie (and itsdangerous tokens) with SECRET_KEY. A key
    from documentation, tutorials or templates (`dev`, `changeme`, `you-will-never-guess`) is
    found offline from one cookie, after which anyone can sign a session saying who they are and
    what role they have (CWE-798, CWE-1392 default credentials, CWE-321 hard-coded key).
    """
    sessions = _sessions(ctx, [])
    if not sessions:
        sessions = _sessions(ctx, await _fetch_cookies(ctx))
    # One secret may sign several cookies and tokens: the strongest proof speaks for them all.
    best: dict[bytes, Finding] = {}
    # User B's tokens come from the same signer as A's: cracking A's says it for both.
    tokens = _tokens(ctx.config.headers_a) or _tokens(ctx.config.headers_b)
    # A few ms for a cookie, ~100 ms for tokens (unknown salt): off the event loop either way.
    for found in await asyncio.to_thread(_crack_all, sessions, tokens):
        prove = _prove_cookie if found.kind == "cookie" else _prove_token
        if (seen := best.get(found.secret)) and seen.severity is Severity.CRITICAL:
            continue
        proof, forged = await prove(ctx, found)
        finding = _finding(ctx, found, proof, forged)
        if seen is None or finding.severity.rank > seen.severity.rank:
            best[found.secret] = finding
    return list(best.values())
