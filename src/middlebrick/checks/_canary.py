"""The SSRF canary: a tiny HTTP listener that records every request it gets.

Each probe puts a unique token in the canary URL's path, so a hit names the probe that caused
it. The listener runs in a thread of its own, so a target that fetches synchronously (even one
served inside the scanner's own process) reaches it while the scan's event loop waits.
By default it binds 127.0.0.1: a hit then proves SSRF only for targets on the same host.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

MARKER = "mb-canary"


@dataclass(frozen=True, kw_only=True, slots=True)
class Hit:
    """One request the canary received."""

    token: str
    method: str
    path: str
    user_agent: str
    peer: str


class Canary:
    """`async with Canary() as canary:` listens until the block ends."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, public_url: str | None = None):
        self._bind = (host, port)
        self._public_url = public_url.rstrip("/") if public_url else None
        self._hits: list[Hit] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.run = secrets.token_hex(4)  # tokens of one canary share this prefix

    @property
    def base_url(self) -> str:
        if self._public_url:
            return self._public_url
        assert self._server is not None, "the canary is not listening"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def token(self) -> str:
        """A fresh token for one probe."""
        return f"{self.run}{secrets.token_hex(4)}"

    def url(self, token: str) -> str:
        return f"{self.base_url}/{MARKER}/{token}"

    def body(self, token: str) -> str:
        """What the canary answers for a token: a response that repeats it read the fetch."""
        return f"{MARKER} {token}"

    def hits(self, token: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self._hits if token is None or h.token == token]

    async def wait(self, tokens: set[str], seconds: float) -> None:
        """Wait until every token was hit, or `seconds` passed (late, asynchronous fetches)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if tokens <= {h.token for h in self.hits()}:
                return
            await asyncio.sleep(0.05)

    def _record(self, handler: BaseHTTPRequestHandler) -> str:
        path = handler.path.split("?")[0]
        parts = [p for p in path.split("/") if p]
        token = parts[parts.index(MARKER) + 1] if MARKER in parts[:-1] else ""
        with self._lock:
            if len(self._hits) < 1000:
                self._hits.append(
                    Hit(
                        token=token,
                        method=handler.command,
                        path=path[:200],
                        user_agent=(handler.headers.get("User-Agent") or "")[:200],
                        peer=str(handler.client_address[0]),
                    )
                )
        return token

    async def __aenter__(self) -> Canary:
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                token = canary._record(self)
                data = canary.body(token).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass  # library code stays silent

        server = ThreadingHTTPServer(self._bind, Handler)
        server.daemon_threads = True
        server.timeout = 2
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="mb-canary", daemon=True
        )
        self._thread.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        server, thread = self._server, self._thread
        if server is not None:
            await asyncio.to_thread(server.shutdown)
            server.server_close()
        if thread is not None:
            thread.join(timeout=2)
