"""Start the whole lab: a DynamoDB server and the two twins, each on its own loopback port."""

from __future__ import annotations

import atexit
import io
import logging
import secrets
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from middlebrick.errors import LabError
from middlebrick.lab import seed
from middlebrick.lab.common import issue_token
from middlebrick.lab.dynamodb import DynamoClient, DynamoServer, start_dynamodb
from middlebrick.lab.hardened import create_hardened_app
from middlebrick.lab.store import Tables, create_tables, drop_tables
from middlebrick.lab.vulnerable import create_vulnerable_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

HOST = "127.0.0.1"
LAB_USERS = ("alice", "bob", "admin")
_http_log = logging.getLogger("middlebrick.lab.http")


@dataclass(frozen=True, kw_only=True)
class Twin:
    """One running twin: where it listens and ready-made identities for its seeded users."""

    name: str
    url: str
    tokens: dict[str, str]
    user_ids: dict[str, str]
    tables: Tables
    app: Flask = field(repr=False, compare=False)

    @property
    def openapi_url(self) -> str:
        return f"{self.url}/openapi.json"

    def auth_header(self, user: str) -> str:
        """The `Authorization: Bearer ...` header line of a seeded user (alice, bob, admin)."""
        return f"Authorization: Bearer {self.tokens[user]}"


class Lab:
    """The running lab; stop() (or leaving the `with` block) tears everything down."""

    def __init__(
        self, *, server: DynamoServer, vulnerable: Twin, hardened: Twin, stack: ExitStack
    ) -> None:
        self.backend = server.backend
        self.backend_note = server.note
        self.dynamodb_endpoint = server.endpoint
        self.dynamodb_pid = server.pid
        self.vulnerable = vulnerable
        self.hardened = hardened
        self._stack = stack
        self._stopped = False
        atexit.register(self.stop)

    @property
    def twins(self) -> tuple[Twin, Twin]:
        return (self.vulnerable, self.hardened)

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self) -> None:
        """Stop both twins, drop tables on a server we do not own, stop our DynamoDB server."""
        atexit.unregister(self.stop)
        self._stopped = True
        self._stack.close()

    def __enter__(self) -> Lab:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_lab(
    port_base: int | None = None,
    dynamodb_endpoint: str | None = None,
    backend: str = "auto",
) -> Lab:
    """Start the lab now and return it; use it as a context manager so it always stops.

    With `port_base` N, DynamoDB listens on N and the twins on N+1 and N+2; otherwise on free
    ports. `dynamodb_endpoint` uses the user's server instead of starting one.
    """
    stack = ExitStack()
    try:
        server = stack.enter_context(
            start_dynamodb(backend=backend, endpoint=dynamodb_endpoint, port=port_base)
        )
        client = server.client()
        # A server we do not own may hold other labs' tables: ours get a unique prefix and go.
        run = f"mb{secrets.token_hex(3)}_" if server.backend == "external" else ""
        vulnerable_tables = Tables(prefix=f"{run}vuln_")
        hardened_tables = Tables(prefix=f"{run}safe_")
        both = (vulnerable_tables, hardened_tables)
        if server.backend == "external":
            for tables in both:
                stack.callback(drop_tables, client, tables)
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda tables: _prepare(client, tables), both))
        vulnerable = _serve(
            stack, "vulnerable", create_vulnerable_app(client, vulnerable_tables),
            vulnerable_tables, _port(port_base, 1), _QuietHandler,
        )  # fmt: skip
        hardened = _serve(
            stack, "hardened", create_hardened_app(client, hardened_tables),
            hardened_tables, _port(port_base, 2), _NoServerHeaderHandler,
        )  # fmt: skip
    except BaseException:
        stack.close()  # also on Ctrl-C half-way through start-up
        raise
    return Lab(server=server, vulnerable=vulnerable, hardened=hardened, stack=stack)


def _prepare(client: DynamoClient, tables: Tables) -> None:
    create_tables(client, tables)
    seed.seed(client, tables)


def _port(port_base: int | None, offset: int) -> int:
    return 0 if port_base is None else port_base + offset


def _serve(
    stack: ExitStack,
    name: str,
    app: Flask,
    tables: Tables,
    port: int,
    handler: type[WSGIRequestHandler],
) -> Twin:
    # Bound here: werkzeug's own bind calls sys.exit(1) when the port is taken.
    try:
        listening = socket.create_server((HOST, port))
    except OSError as exc:
        raise LabError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
    try:
        server = make_server(HOST, port, app, threaded=True, request_handler=handler,
                             fd=listening.fileno())
    finally:
        listening.close()  # the server holds its own duplicate
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"lab-{name}", daemon=True
    )
    thread.start()
    stack.callback(_shutdown, server, thread)
    user_ids = {user: seed.user_id(user) for user in LAB_USERS}
    secret = str(app.config["SECRET_KEY"])
    return Twin(
        name=name,
        url=f"http://{HOST}:{server.port}",
        tokens={user: issue_token(secret, uid) for user, uid in user_ids.items()},
        user_ids=user_ids,
        tables=tables,
        app=app,
    )


def _shutdown(server: BaseWSGIServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class _DebugLogStream(io.TextIOBase):
    """A text stream into debug logging: where tracebacks the debugger prints should go."""

    def write(self, text: str) -> int:
        if text.strip():
            _http_log.debug("%s", text.rstrip())
        return len(text)


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler, its request lines and `wsgi.errors` sent to debug logging, not stderr."""

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ["wsgi.errors"] = _DebugLogStream()
        return environ

    def log(self, type: str, message: str, *args: Any) -> None:
        _http_log.debug("%s %s", type, message % args if args else message)


class _NoServerHeaderHandler(_QuietHandler):
    """Also sends no `Server` header, so the hardened twin does not name its software."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())
