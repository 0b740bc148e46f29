"""A fast loopback target for the benchmark: a raw asyncio HTTP/1.1 server with a 50-operation API.

It answers every request with a fixed tiny JSON body chosen by method and path shape, so its
cost per request is a few microseconds and the scanner, not the target, is what gets measured.
Run it as its own process (`python benchmarks/target.py --cpu 1`): it binds 127.0.0.1 only,
prints `PORT <n>` once listening, and exits when its stdin closes (so it never outlives the
benchmark). `GET /__count` (not in the spec) returns the requests served and the CPU used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from typing import Any

RESOURCES = 10  # x 5 operations each = 50 operations
MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024
COUNT_PATH = "/__count"
REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed", 413: "Content Too Large", 431: "Request Header Fields Too "
           "Large"}


def openapi_document(resources: int = RESOURCES) -> dict[str, Any]:
    """An OpenAPI 3.0 document: collections `GET/POST /resN`, items `GET/PUT/DELETE /resN/{id}`."""
    item = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
    new = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string", "maxLength": 40}},
    }

    def ok(status: str, ref: str | None, description: str = "ok") -> dict[str, Any]:
        if ref is None:
            return {status: {"description": description}}
        schema = {"$ref": ref}
        return {status: {"description": description,
                         "content": {"application/json": {"schema": schema}}}}

    paths: dict[str, Any] = {}
    for n in range(1, resources + 1):
        tag = f"res{n}"
        id_param = {"name": "id", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 1}}
        body = {"required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}}}
        paths[f"/{tag}"] = {
            "get": {"operationId": f"list_{tag}", "tags": [tag],
                    "responses": ok("200", "#/components/schemas/List")},
            "post": {"operationId": f"create_{tag}", "tags": [tag], "requestBody": body,
                     "responses": ok("201", "#/components/schemas/Item")},
        }
        paths[f"/{tag}/{{id}}"] = {
            "parameters": [id_param],
            "get": {"operationId": f"get_{tag}", "tags": [tag],
                    "responses": {**ok("200", "#/components/schemas/Item"),
                                  **ok("404", None, "not found")}},
            "put": {"operationId": f"update_{tag}", "tags": [tag], "requestBody": body,
                    "responses": {**ok("200", "#/components/schemas/Item"),
                                  **ok("404", None, "not found")}},
            "delete": {"operationId": f"delete_{tag}", "tags": [tag],
                       "responses": {**ok("204", None, "deleted"),
                                     **ok("404", None, "not found")}},
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "middlebrick benchmark target", "version": "1.0"},
        "paths": paths,
        "components": {"schemas": {
            "Item": item,
            "New": new,
            "List": {"type": "object", "required": ["items"],
                     "properties": {"items": {"type": "array", "items": item}}},
        }},
    }


def _response(status: int, body: bytes | None, *, close: bool = False, head: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}", "Server: bench-target"]
    if body is not None:
        lines.append("Content-Type: application/json")
    if status != 204:  # RFC 9110: a 204 carries no Content-Length
        lines.append(f"Content-Length: {len(body or b'')}")
    if close:
        lines.append("Connection: close")
    head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode()
    return head_bytes if head or body is None else head_bytes + body


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


# Every answer is built once; serving one is a dict lookup and a write.
_ITEM = {"id": 1, "name": "one"}
_BODIES: dict[tuple[str, str], tuple[int, bytes | None]] = {
    ("GET", "root"): (200, _json({"service": "bench-target", "docs": "/openapi.json"})),
    ("GET", "spec"): (200, _json(openapi_document())),
    ("GET", "collection"): (200, _json({"items": [_ITEM, {"id": 2, "name": "two"}]})),
    ("POST", "collection"): (201, _json({"id": 3, "name": "new"})),
    ("GET", "item"): (200, _json(_ITEM)),
    ("PUT", "item"): (200, _json(_ITEM)),
    ("DELETE", "item"): (204, None),
}
_NOT_FOUND = (404, _json({"error": "not found"}))
_NOT_ALLOWED = (405, _json({"error": "method not allowed"}))
_COLLECTIONS = {f"/res{n}" for n in range(1, RESOURCES + 1)}


def route(method: str, path: str) -> tuple[int, bytes | None]:
    """The fixed answer for one request."""
    path = path.split("?", 1)[0].rstrip("/") or "/"
    if path == "/":
        shape = "root"
    elif path == "/openapi.json":
        shape = "spec"
    elif path in _COLLECTIONS:
        shape = "collection"
    else:
        head, _, tail = path.rpartition("/")
        if head not in _COLLECTIONS or not tail:
            return _NOT_FOUND
        shape = "item"
    lookup = "GET" if method == "HEAD" else method
    return _BODIES.get((lookup, shape), _NOT_ALLOWED)


class Stats:
    served = 0


class HttpProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; bodies by Content-Length or chunked; no pipelining surprises."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            if not self._serve_one():
                break

    def _fail(self, status: int) -> None:
        assert self.transport is not None
        Stats.served += 1  # a malformed request is still a request the scanner sent
        self.transport.write(_response(status, _json({"error": REASONS[status]}), close=True))
        self.transport.close()

    def _serve_one(self) -> bool:
        """Answer the first complete request in the buffer; False when more bytes are needed."""
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                self._fail(431)
            return False
        head = bytes(self.buffer[:end]).decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._fail(400)
            return False
        method, target, version = parts
        length, chunked, close = 0, False, version == "HTTP/1.0"
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip()) if value.strip().isdigit() else -1
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                close = value.strip().lower() == "close"
        start = end + 4
        if chunked:
            consumed = _chunked_length(self.buffer, start)
            if consumed is None:
                return False
            if consumed < 0:
                self._fail(400)
                return False
            start += consumed
        elif length < 0 or length > MAX_BODY:
            self._fail(413 if length > 0 else 400)
            return False
        elif len(self.buffer) < start + length:
            return False
        else:
            start += length
        del self.buffer[:start]
        assert self.transport is not None
        if target == COUNT_PATH:
            counters = _json({"requests": Stats.served, "cpu_s": time.process_time()})
            self.transport.write(_response(200, counters, close=close))
        else:
            Stats.served += 1
            status, body = route(method, target)
            self.transport.write(_response(status, body, close=close, head=method == "HEAD"))
        if close:
            self.transport.close()
            return False
        return True


def _chunked_length(buffer: bytearray, start: int) -> int | None:
    """Bytes the chunked body at `start` takes (None: incomplete, -1: malformed)."""
    pos = start
    while True:
        line_end = buffer.find(b"\r\n", pos)
        if line_end < 0:
            return None
        try:
            size = int(bytes(buffer[pos:line_end]).split(b";")[0], 16)
        except ValueError:
            return -1
        pos = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n\r\n", pos - 2)
            return None if trailer_end < 0 else trailer_end + 4 - start
        pos += size + 2
        if pos > len(buffer):
            return None
        if pos - start > MAX_BODY:
            return -1


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HttpProtocol, "127.0.0.1", port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    # The parent holds our stdin: when it goes away (even killed), stdin reaches EOF and we exit.
    def stdin_ready() -> None:
        if not os.read(sys.stdin.fileno(), 4096):
            stop.set()

    loop.add_reader(sys.stdin.fileno(), stdin_ready)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    parser.add_argument("--print-spec", action="store_true", help="print the OpenAPI document")
    args = parser.parse_args()
    if args.print_spec:
        print(json.dumps(openapi_document(), indent=2))
        return
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
