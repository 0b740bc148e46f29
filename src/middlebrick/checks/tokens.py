"""Forgeable JWTs: tokens the API accepts unsigned, tampered, expired, or signed with a known key.

Tokens come from the identities (-H, --user-b-header) and from what the API handed out (a
Set-Cookie, a JSON body). The oracle is a secured GET the token opens: anonymous and garbage
tokens get 401/403 there, the real token a 2xx, and a forged token counts only when its answer
has the real token's JSON shape.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from middlebrick.checks.authn_jwt import (
    Jwt,
    common_secrets,
    encode,
    find_jwts,
    guess_secret,
    with_claims,
)
from middlebrick.checks.authn_support import denied, explored_ok, ok, served_like
from middlebrick.checks.base import CheckContext, check
from middlebrick.evidence import mask_secret
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

MAX_TOKENS = 3
MAX_ORACLES = 4  # GETs tried per token to find one the token opens and anonymity does not
_NONE_SPELLINGS = ("none", "None", "NONE", "nOnE")
_GARBAGE = "mb.invalid.token"


@dataclass(frozen=True, slots=True)
class _Token:
    jwt: Jwt
    identity: str | None  # whose -H it came from; None when the API handed it out
    headers: Mapping[str, str]  # how to present it: the raw token is inside these values
    origin: str
    source: Exchange | None = None  # the answer that handed it out

    def presented(self, raw: str) -> dict[str, str]:
        """The token's headers with `raw` in its place."""
        return {k: v.replace(self.jwt.raw, raw) for k, v in self.headers.items()}


def _tokens(ctx: CheckContext) -> list[_Token]:
    found: dict[str, _Token] = {}
    for identity, headers in (("a", ctx.config.headers_a), ("b", ctx.config.headers_b)):
        for name, value in headers.items():
            for jwt in find_jwts(value):
                origin = f"the {name} header of user {identity.upper()}"
                found.setdefault(jwt.raw, _Token(jwt, identity, dict(headers), origin))
    for x in ctx.exchanges:
        for cookie in x.headers.get_list("set-cookie"):
            name, _, rest = cookie.partition("=")
            for jwt in find_jwts(rest.split(";")[0]):
                origin = f"the {name.strip()} cookie set by {x.method} {x.path}"
                presented = {"Cookie": f"{name.strip()}={jwt.raw}"}
                found.setdefault(jwt.raw, _Token(jwt, None, presented, origin, x))
        for text in _strings(x.json()):
            for jwt in find_jwts(text):
                presented = {"Authorization": f"Bearer {jwt.raw}"}
                origin = f"a token returned by {x.method} {x.path}"
                found.setdefault(jwt.raw, _Token(jwt, None, presented, origin, x))
    return list(found.values())[:MAX_TOKENS]


def _strings(body: Any, depth: int = 0) -> Iterator[str]:
    if depth > 4:
        return
    if isinstance(body, str) and body.startswith("eyJ"):
        yield body
    elif isinstance(body, Mapping):
        for value in body.values():
            yield from _strings(value, depth + 1)
    elif isinstance(body, list):
        for item in body[:20]:
            yield from _strings(item, depth + 1)


def _candidates(ctx: CheckContext, token: _Token) -> list[Exchange]:
    if token.identity is not None:
        found = explored_ok(ctx, token.identity)
    else:  # a handed-out token may open what the exploration was refused
        firsts: dict[str, Exchange] = {}
        for x in ctx.exchanges:
            if x.method == "GET" and x.operation is not None and x.identity == "a":
                firsts.setdefault(x.operation.key, x)
        found = list(firsts.values())
    found.sort(key=lambda x: not (x.operation and x.operation.secured))
    return found[:MAX_ORACLES]


async def _oracle(ctx: CheckContext, token: _Token) -> Exchange | None:
    """A secured GET answered 2xx with the token, 401/403 anonymously and with garbage."""
    for candidate in _candidates(ctx, token):
        url, op = candidate.url, candidate.operation
        anon = await ctx.request("GET", url, identity=None, operation=op)
        if not denied(anon):
            continue
        junk = await ctx.request(
            "GET", url, identity=None, headers=token.presented(_GARBAGE), operation=op
        )
        if not denied(junk):
            continue  # any token opens it: authn.missing-authentication's business
        ref = candidate
        if token.identity is None:
            headers = token.presented(token.jwt.raw)
            ref = await ctx.request("GET", url, identity=None, headers=headers, operation=op)
        if ok(ref) and ref.json() is not None:
            return ref
    return None


@dataclass(frozen=True, slots=True)
class _Forgery:
    kind: str
    raw: str


def _forgeries(token: _Token, secret: str | None, now: float) -> list[_Forgery]:
    jwt = token.jwt
    tampered = {**jwt.claims, "mb": 1}  # any change must break a verified signature
    out = [_Forgery("unverified-signature", with_claims(jwt, tampered))]
    out += [
        _Forgery("alg-none", encode({**jwt.header, "alg": a}, jwt.claims, None))
        for a in _NONE_SPELLINGS
    ]
    if secret is not None:
        fresh = {**tampered, "exp": int(now) + 3600} if "exp" in jwt.claims else tampered
        out.append(_Forgery("weak-secret", encode(jwt.header, fresh, secret.encode())))
        if not jwt.expired(now):
            stale = {**jwt.claims, "iat": int(now) - 7200, "exp": int(now) - 3600}
            out.append(_Forgery("expired", encode(jwt.header, stale, secret.encode())))
    return out


_TITLES = {
    "unverified-signature": "JWT signature not verified: a tampered token is accepted",
    "alg-none": "JWT with alg 'none' accepted: tokens need no signature",
    "weak-secret": "JWT signed with a guessable secret",
    "expired": "Expired JWT accepted",
}


async def _forge(ctx: CheckContext, token: _Token, done: set[str]) -> list[Finding]:
    now = time.time()
    secret = guess_secret(token.jwt, common_secrets()) if token.jwt.hmac_signed else None
    ref = await _oracle(ctx, token)
    findings: list[Finding] = []

    key = f" (key {mask_secret(secret)!r})" if secret is not None else ""

    def found(kind: str, x: Exchange | None, note: str, confidence: Confidence) -> None:
        done.add(kind)
        finding = ctx.finding(
            evidence=[e for e in (x, ref or token.source) if e is not None],
            discriminator=kind,
            title=_TITLES[kind],
            severity=Severity.HIGH if kind == "expired" else None,
            confidence=confidence,
            note=f"{token.origin} ({token.jwt.alg}): {note}",
        )
        findings.append(replace(finding, cwe="CWE-613") if kind == "expired" else finding)

    if token.jwt.expired(now) and ref is not None and "expired" not in done:
        found("expired", None, "already expired, still opens a secured operation", Confidence.FIRM)
    for forgery in _forgeries(token, secret, now) if ref is not None else []:
        # Once signatures are not checked at all, alg 'none' proves nothing more.
        skip = forgery.kind == "alg-none" and "unverified-signature" in done
        if ref is None or forgery.kind in done or skip:
            continue
        headers = token.presented(forgery.raw)
        x = await ctx.request(
            "GET", ref.url, identity=None, headers=headers, operation=ref.operation
        )
        if served_like(x, ref):
            note = _NOTES[forgery.kind] + (key if forgery.kind == "weak-secret" else "")
            found(forgery.kind, x, note, Confidence.CERTAIN)
    if secret is not None and "weak-secret" not in done:
        # The key reproduces the token's own signature: proof enough without an oracle.
        found("weak-secret", None, f"its signature is reproduced{key}", Confidence.CERTAIN)
    return findings


_NOTES = {
    "unverified-signature": "claims changed under the original signature, still accepted",
    "alg-none": "re-sent unsigned with alg 'none', still accepted",
    "weak-secret": "the key is in middlebrick's list of common secrets; a token it signed for "
    "changed claims was accepted",
    "expired": "re-signed with exp an hour ago, still accepted",
}


@check(
    "authn.forgeable-token",
    category=Category.AUTHENTICATION,
    severity=Severity.CRITICAL,
    confidence=Confidence.CERTAIN,
    cwe=347,
    remediation=(
        "Verify every token with a pinned algorithm and a strong key: PyJWT `jwt.decode(token, "
        "key, algorithms=['HS256'], options={'require': ['exp', 'sub']})` (never "
        "`verify_signature: False`, never the algorithm named by the token, never 'none'); "
        "Flask-JWT-Extended does this given `JWT_SECRET_KEY` and `JWT_ALGORITHM`. Generate the "
        "key with `secrets.token_urlsafe(64)`, keep it out of code (AWS Secrets Manager or SSM "
        "Parameter Store, loaded at start-up), rotate it now if it was guessable, and keep token "
        "lifetimes short."
    ),
)
async def forgeable_token(ctx: CheckContext) -> list[Finding]:
    """Forgeable authentication token (JWT)

    The API accepts JSON Web Tokens that anyone can make: unsigned (alg 'none'), with claims
    changed under the old signature, signed with a secret from a public word list, or past
    their expiry. Whoever forges a token can act as any user, admins included.
    """
    done: set[str] = set()
    findings: list[Finding] = []
    for token in _tokens(ctx):
        findings += await _forge(ctx, token, done)
    return findings
