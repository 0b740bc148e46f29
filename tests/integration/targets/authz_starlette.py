"""A Starlette (ASGI) documents API for the authorization and SSRF checks, served by uvicorn.

Not Flask at all: bearer tokens, integer sequential ids, camelCase, an OpenAPI 3.1 document
mounted under /api/v2, list answers wrapped in `items`. The vulnerable version reads any
document by id and lets anyone overwrite its title (BOLA), stores every property of a new
document (mass assignment), believes `X-Account-Id` on /whoami, shows every account to any
user (an admin-scoped operation), and fetches any import URL (SSRF). The fixed one does none
of it. Both have templates every user may read by design, and public profiles. Every request is
recorded, so tests can prove which objects a scan wrote to.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKENS = {"tok-alice": 1, "tok-bob": 2, "tok-root": 3}
ADMINS = {3}
SEEDED_DOCS = {1, 2, 3}
IMPORT_HOSTS = {"docs.example.com"}


def _schema(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


_STR, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DOCUMENT = _schema(docId=_INT, ownerAccountId=_INT, title=_STR, body=_STR, approved=_BOOL,
                   createdAt={"type": "string", "format": "date-time"})
DOC_IN = {"type": "object", "required": ["title"], "properties": {"title": _STR, "body": _STR}}


def _op(summary: str, *, response: Any = None, body: Any = None, status: str = "200",
        params: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    answer = {"description": "ok",
              "content": {"application/json": {"schema": response or {"type": "object"}}}}
    op: dict[str, Any] = {"summary": summary, "responses": {status: answer}, **extra}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    return op


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _INT}


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "documents", "version": "2"},
    "servers": [{"url": "/api/v2"}],
    "components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "oauth": {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": "/oauth/token",
            "scopes": {"documents": "own documents", "accounts:admin": "every account"}}}},
    }},
    "security": [{"bearer": []}],
    "paths": {
        "/whoami": {"get": _op("The caller's account")},
        "/documents": {
            "get": _op("The caller's documents"),
            "post": _op("Write a document", response=DOCUMENT, body=DOC_IN, status="201"),
        },
        "/documents/{docId}": {
            "parameters": [_id("docId")],
            "get": _op("One of the caller's documents", response=DOCUMENT),
            "put": _op("Rename one of the caller's documents", response=DOCUMENT, body=DOC_IN),
            "delete": {"summary": "Delete one", "responses": {"204": {"description": "gone"}}},
        },
        "/templates": {
            "get": _op("Templates every user can use"),
            "post": _op("Share a template", body=_schema(name=_STR), status="201"),
        },
        "/templates/{templateId}": {"parameters": [_id("templateId")], "get": _op("A template")},
        "/profiles/{accountId}": {"parameters": [_id("accountId")],
                                  "get": _op("A public profile", security=[])},
        "/accounts": {"get": _op("Every account", security=[{"oauth": ["accounts:admin"]}])},
        "/imports": {"post": _op("Import a document from a URL", status="201",
                                 body=_schema(sourceUrl={"type": "string", "format": "uri"}))},
    },
}


@dataclass
class Recorder:
    """Every request the app answered: (method, path, account id or None)."""

    entries: list[tuple[str, str, int | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def writes_to(self, prefix: str, ids: set[int]) -> list[tuple[str, str, int | None]]:
        """Unsafe requests that reached one of `ids` under `prefix`."""
        with self.lock:
            return [
                e for e in self.entries
                if e[0] in {"PUT", "PATCH", "DELETE", "POST"} and e[1].startswith(prefix)
                and e[1].rsplit("/", 1)[-1].isdigit() and int(e[1].rsplit("/", 1)[-1]) in ids
            ]  # fmt: skip


def create_app(*, vulnerable: bool) -> tuple[Starlette, Recorder]:
    recorder = Recorder()
    docs: dict[int, dict[str, Any]] = {
        n: {"docId": n, "ownerAccountId": owner, "title": title, "body": "…", "approved": False}
        for n, owner, title in ((1, 1, "q3 plan"), (2, 1, "salaries"), (3, 2, "bob's notes"))
    }
    templates: dict[int, dict[str, Any]] = {
        1: {"templateId": 1, "name": "invoice", "authorAccountId": 3},
        2: {"templateId": 2, "name": "memo", "authorAccountId": 2},
    }
    handles = {1: "alice", 2: "bob", 3: "root"}
    next_doc, next_template = itertools.count(100), itertools.count(100)

    def caller(request: Request) -> int | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return TOKENS.get(token) if scheme.lower() == "bearer" else None

    def denied() -> JSONResponse:
        return JSONResponse({"detail": "Not authenticated"}, status_code=401)

    def gone() -> JSONResponse:
        return JSONResponse({"detail": "Not found"}, status_code=404)

    async def spec(request: Request) -> Response:
        return JSONResponse(SPEC)

    async def root(request: Request) -> Response:
        return JSONResponse({"service": "documents", "docs": "/openapi.json"})

    async def whoami(request: Request) -> Response:
        me = caller(request)
        if me is None:
            return denied()
        claimed = request.headers.get("x-account-id", "")
        if vulnerable and claimed.isdigit() and int(claimed) in handles:
            me = int(claimed)  # "support tooling" shortcut: the header wins
        return JSONResponse({"account": {"accountId": me, "handle": handles[me], "tier": "basic"}})

    async def documents(request: Request) -> Response:
        me = caller(request)
        if me is None:
            return denied()
        if request.method == "GET":
            own = [d for d in docs.values() if d["ownerAccountId"] == me]
            return JSONResponse({"items": own, "page": {"next": None}})
        body = await request.json()
        doc = {"docId": next(next_doc), "ownerAccountId": me, "title": str(body.get("title", "")),
               "body": str(body.get("body", "")), "approved": False,
               "createdAt": "2024-06-01T00:00:00Z"}
        if vulnerable:
            doc.update(body)
        docs[doc["docId"]] = doc
        return JSONResponse(doc, status_code=201)

    async def document(request: Request) -> Response:
        me = caller(request)
        if me is None:
            return denied()
        doc = docs.get(int(request.path_params["doc_id"]))
        mine = doc is not None and doc["ownerAccountId"] == me
        if doc is None or (not mine and (request.method == "DELETE" or not vulnerable)):
            return gone()
        if request.method == "DELETE":
            del docs[doc["docId"]]
            return Response(status_code=204)
        if request.method == "PUT":
            body = await request.json()
            doc.update({k: str(body[k]) for k in ("title", "body") if k in body})
        return JSONResponse(doc)

    async def template_list(request: Request) -> Response:
        me = caller(request)
        if me is None:
            return denied()
        if request.method == "GET":
            return JSONResponse({"items": list(templates.values())[:2], "page": {"next": "p2"}})
        body = await request.json()
        made = {"templateId": next(next_template), "name": str(body.get("name", "")),
                "authorAccountId": me}
        templates[made["templateId"]] = made
        return JSONResponse(made, status_code=201)

    async def template(request: Request) -> Response:
        if caller(request) is None:
            return denied()
        found = templates.get(int(request.path_params["template_id"]))
        return JSONResponse(found) if found else gone()

    async def profile(request: Request) -> Response:
        account = int(request.path_params["account_id"])
        if account not in handles:
            return gone()
        return JSONResponse({"accountId": account, "handle": handles[account]})

    async def accounts(request: Request) -> Response:
        me = caller(request)
        if me is None:
            return denied()
        if not vulnerable and me not in ADMINS:
            return JSONResponse({"detail": "needs accounts:admin"}, status_code=403)
        listing = [{"accountId": a, "handle": h, "admin": a in ADMINS} for a, h in handles.items()]
        return JSONResponse({"items": listing})

    async def imports(request: Request) -> Response:
        if caller(request) is None:
            return denied()
        source = str((await request.json()).get("sourceUrl", ""))
        if not vulnerable and urlsplit(source).hostname not in IMPORT_HOSTS:
            return JSONResponse({"detail": "source host not allowed"}, status_code=422)
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                fetched = await client.get(source)
        except httpx.HTTPError:
            return JSONResponse({"detail": "could not fetch"}, status_code=502)
        return JSONResponse({"bytes": len(fetched.content), "preview": fetched.text[:40]},
                            status_code=201)

    async def record(request: Request, call_next: RequestResponseEndpoint) -> Response:
        with recorder.lock:
            recorder.entries.append((request.method, request.url.path, caller(request)))
        return await call_next(request)

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/openapi.json", spec),
            Route("/api/v2/whoami", whoami),
            Route("/api/v2/documents", documents, methods=["GET", "POST"]),
            Route("/api/v2/documents/{doc_id:int}", document, methods=["GET", "PUT", "DELETE"]),
            Route("/api/v2/templates", template_list, methods=["GET", "POST"]),
            Route("/api/v2/templates/{template_id:int}", template),
            Route("/api/v2/profiles/{account_id:int}", profile),
            Route("/api/v2/accounts", accounts),
            Route("/api/v2/imports", imports, methods=["POST"]),
        ]
    )
    app.add_middleware(BaseHTTPMiddleware, dispatch=record)
    return app, recorder


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (a free port) in a thread."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError("uvicorn did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
