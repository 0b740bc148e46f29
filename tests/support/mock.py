"""Serve a WSGI app (a real Flask app, a real Werkzeug debugger) to httpx.MockTransport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from werkzeug.test import Client

Handler = Callable[[httpx.Request], httpx.Response]


def wsgi_handler(app: Callable[..., Any]) -> Handler:
    """A MockTransport handler answering through `app`, Host header included, with no cookie
    jar of its own: the app sees exactly the Cookie header the scanner sent, as a server would."""
    client = Client(app, use_cookies=False)

    def handle(request: httpx.Request) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers.items() if k.lower() != "host"]
        answer = client.open(
            request.url.raw_path.decode("ascii"),
            method=request.method,
            headers=headers,
            data=request.content,
            base_url=f"{request.url.scheme}://{request.headers['host']}",
        )
        return httpx.Response(
            answer.status_code, headers=list(answer.headers.items()), content=answer.get_data()
        )

    return handle
