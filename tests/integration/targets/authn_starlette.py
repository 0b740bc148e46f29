"""A notes service on Starlette (ASGI, served by uvicorn) with bearer JWTs, vulnerable or fixed.

Nothing like the lab: another framework, another domain, another error format (`{"detail":
...}`), tokens made with hmac by hand. The vulnerable version has, and the fixed one lacks:
a guessable JWT key and alg 'none' accepted; an export route that forgot its auth check;
login messages that tell unknown users from wrong passwords; no login or search rate limit; a
backtracking coupon-code regex; page sizes and note titles of any size.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections import defaultdict, deque
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

USERS = {
    "ann": {"email": "ann@example.net", "password": "ann-Sunflower-7", "plan": "pro"},
    "ben": {"email": "ben@example.net", "password": "ben-Riverbank-3", "plan": "free"},
    "cy": {"email": "cy@example.net", "password": "cy-Moonlight-5", "plan": "free"},
}
EVIL_CODE = r"^([A-Z0-9]+-?)+$"
SAFE_CODE = r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$"
NOTES_PER_USER = 120
MAX_PAGE = 50


def _schema(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Any, description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


NOTE_LIST = {"type": "object", "properties": {"notes": {"type": "array", "items": _schema("Note")}}}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "notes", "version": "2.3.0"},
    "security": [{"jwt": []}],
    "paths": {
        "/health": {"get": {"security": [], "responses": {"200": _json({"type": "object"})}}},
        "/auth/token": {"post": {
            "operationId": "issueToken", "tags": ["auth"], "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
            }}}},
            "responses": {"200": _json(_schema("Token")), "401": {"description": "no"}},
        }},
        "/me": {"get": {"responses": {"200": _json(_schema("User"))}}},
        "/users": {"get": {"responses": {"200": _json({
            "type": "object", "properties": {"users": {"type": "array", "items": _schema("User")}},
        })}}},
        "/notes": {
            "get": {
                "parameters": [{"name": "limit", "in": "query", "schema": {
                    "type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 20}}],
                "responses": {"200": _json(NOTE_LIST)},
            },
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["title"],
                    "properties": {"title": {"type": "string"},
                                   "text": {"type": "string", "maxLength": 2000}},
                }}}},
                "responses": {"201": _json(_schema("Note"))},
            },
        },
        "/notes/search": {"get": {
            "parameters": [{"name": "q", "in": "query", "required": True,
                            "schema": {"type": "string", "maxLength": 100}, "example": "note"}],
            "responses": {"200": _json(NOTE_LIST)},
        }},
        "/notes/export": {"get": {"responses": {"200": _json(NOTE_LIST)}}},
        "/coupons/validate": {"get": {
            "security": [],
            "parameters": [{"name": "code", "in": "query", "required": True, "example": "SPRING-24",
                            "schema": {"type": "string", "pattern": EVIL_CODE}}],
            "responses": {"200": _json({"type": "object"}), "422": {"description": "bad code"}},
        }},
    },
    "components": {
        "securitySchemes": {"jwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        "schemas": {
            "Token": {"type": "object", "properties": {"access_token": {"type": "string"},
                                                       "token_type": {"type": "string"}}},
            "User": {"type": "object", "properties": {"username": {"type": "string"},
                                                      "email": {"type": "string"},
                                                      "plan": {"type": "string"}}},
            "Note": {"type": "object", "properties": {"id": {"type": "string"},
                                                      "owner": {"type": "string"},
                                                      "title": {"type": "string"},
                                                      "text": {"type": "string"}}},
        },
    },
}  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _detail(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers or None)


class Notes:
    """The service; `vulnerable` picks which version of every decision is made."""

    def __init__(self, *, vulnerable: bool) -> None:
        self.vulnerable = vulnerable
        self.key = b"secret" if vulnerable else secrets.token_bytes(32)
        self.code = re.compile(EVIL_CODE if vulnerable else SAFE_CODE)
        self.notes: list[dict[str, str]] = [
            {"id": f"{user}-{i}", "owner": user, "title": f"note {i}", "text": "..."}
            for user in USERS
            for i in range(NOTES_PER_USER)
        ]
        self.hits: dict[str, deque[float]] = defaultdict(deque)
        self.decoy = hashlib.sha256(secrets.token_bytes(16)).hexdigest()

    # -- tokens ---------------------------------------------------------------------------------
    def issue(self, user: str) -> str:
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps({"sub": user, "exp": int(time.time()) + 3600}).encode())
        mac = hmac.new(self.key, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(mac)}"

    def user(self, request: Request) -> str | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        try:
            head, body, mac = token.split(".")
            header, claims = json.loads(_unb64(head)), json.loads(_unb64(body))
        except ValueError:
            return None
        unsigned = self.vulnerable and str(header.get("alg", "")).lower() == "none"
        if not unsigned:
            if header.get("alg") != "HS256":
                return None
            good = hmac.new(self.key, f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(_b64(good), mac):
                return None
        if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
            return None
        return claims.get("sub") if claims.get("sub") in USERS else None

    def limited(self, key: str, limit: int) -> int | None:
        """Sliding one-minute window; the seconds to wait when over `limit`."""
        now, hits = time.monotonic(), self.hits[key]
        while hits and hits[0] < now - 60:
            hits.popleft()
        if len(hits) >= limit:
            return int(hits[0] + 61 - now)
        hits.append(now)
        return None

    # -- views ----------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        body = await request.json()
        name, password = str(body.get("username", "")), str(body.get("password", ""))
        if not self.vulnerable and (wait := self.limited(f"login:{name}", 5)) is not None:
            return _detail(429, "too many attempts", **{"Retry-After": str(wait)})
        account = USERS.get(name)
        if account is None and self.vulnerable:
            return _detail(404, "user not found")
        stored = hashlib.sha256(account["password"].encode()).hexdigest() if account else self.decoy
        given = hashlib.sha256(password.encode()).hexdigest()
        if account is None or not hmac.compare_digest(stored, given):
            return _detail(401, "incorrect password" if self.vulnerable else
                           "incorrect username or password")  # fmt: skip
        return JSONResponse({"access_token": self.issue(name), "token_type": "bearer"})

    def signed_in(self, request: Request) -> str | Response:
        user = self.user(request)
        return user if user else _detail(401, "not authenticated", **{"WWW-Authenticate": "Bearer"})

    async def me(self, request: Request) -> Response:
        user = self.signed_in(request)
        if isinstance(user, Response):
            return user
        account = USERS[user]
        return JSONResponse({"username": user, "email": account["email"], "plan": account["plan"]})

    async def users(self, request: Request) -> Response:
        if isinstance(user := self.signed_in(request), Response):
            return user
        return JSONResponse({"users": [{"username": u, "email": a["email"], "plan": a["plan"]}
                                       for u, a in USERS.items()]})  # fmt: skip

    async def notebook(self, request: Request) -> Response:
        if isinstance(user := self.signed_in(request), Response):
            return user
        if request.method == "POST":
            return await self.create(request, user)
        raw = request.query_params.get("limit", "20")
        limit = int(raw) if raw.isdigit() else 0
        if limit < 1 or (limit > MAX_PAGE and not self.vulnerable):
            return _detail(422, f"limit must be 1 to {MAX_PAGE}")
        mine = [n for n in self.notes if n["owner"] == user]
        return JSONResponse({"notes": mine[:limit]})

    async def create(self, request: Request, user: str) -> Response:
        size = int(request.headers.get("content-length") or 0)
        if not self.vulnerable and size > 64 * 1024:
            return _detail(413, "request body too large")
        body = await request.json()
        title = str(body.get("title", ""))
        if not title or (not self.vulnerable and len(title) > 200):
            return _detail(422, "title must be 1 to 200 characters")
        note = {"id": secrets.token_hex(6), "owner": user, "title": title[:40], "text": ""}
        return JSONResponse(note, status_code=201)

    async def search(self, request: Request) -> Response:
        if isinstance(user := self.signed_in(request), Response):
            return user
        headers: dict[str, str] = {}
        if not self.vulnerable:
            wait = self.limited(f"search:{user}", 60)
            if wait is not None:
                return _detail(429, "slow down", **{"Retry-After": str(wait)})
            left = 60 - len(self.hits[f"search:{user}"])
            headers = {"RateLimit-Limit": "60", "RateLimit-Remaining": str(left)}
        text = request.query_params.get("q", "")[:100]
        found = [n for n in self.notes if n["owner"] == user and text in n["title"]][:20]
        return JSONResponse({"notes": found}, headers=headers)

    async def export(self, request: Request) -> Response:
        user = self.user(request)
        if user is None and not self.vulnerable:  # the vulnerable route forgot this line
            return _detail(401, "not authenticated")
        return JSONResponse({"notes": [n for n in self.notes if user in (None, n["owner"])][:50]})

    def coupon(self, request: Request) -> Response:  # sync: Starlette runs it in a thread pool
        code = request.query_params.get("code", "")
        if not self.code.match(code):
            return _detail(422, "not a coupon code")
        return JSONResponse({"code": code, "valid": code == "SPRING-24"})


def create_app(*, vulnerable: bool) -> Starlette:
    """The notes service; `app.state.notes` is the Notes instance (for issuing test tokens)."""
    notes = Notes(vulnerable=vulnerable)

    async def spec(request: Request) -> Response:
        return JSONResponse(SPEC)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/openapi.json", spec),
            Route("/health", health),
            Route("/auth/token", notes.token, methods=["POST"]),
            Route("/me", notes.me),
            Route("/users", notes.users),
            Route("/notes", notes.notebook, methods=["GET", "POST"]),
            Route("/notes/search", notes.search),
            Route("/notes/export", notes.export),
            Route("/coupons/validate", notes.coupon),
        ]
    )
    app.state.notes = notes
    return app
