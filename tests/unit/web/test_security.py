"""The dashboard's own defences: CSRF, the access token, the Host check, strict headers."""

from __future__ import annotations

import pytest

from middlebrick.storage import History
from middlebrick.web import create_app
from middlebrick.web.security import TOKEN_HEADER, is_loopback, required_token

from .forms import csrf

TOKEN = "t0ken-for-tests"


def test_every_response_carries_the_strict_headers(client):
    for path in ("/", "/scan", "/schedules", "/static/dashboard.js", "/nowhere"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client, history: History):
    from storage.samples import result

    scan_id = history.record(result())
    for path in ("/", f"/scans/{scan_id}", f"/target?url={result().target}", "/scan",
                 "/schedules"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html
        assert "onclick" not in html and "javascript:" not in html


def test_a_post_without_the_csrf_token_is_refused(client, history: History):
    for path in ("/scan", "/schedules", "/schedules/1/delete", "/schedules/1/run"):
        assert client.post(path, data={"url": "http://127.0.0.1:9"}).status_code == 400
    token = csrf(client)
    wrong = client.post("/scan", data={"url": "http://127.0.0.1:9", "csrf_token": token + "x"})
    assert wrong.status_code == 400
    assert history.schedules.all() == []


def test_a_cross_origin_post_is_refused_even_with_the_token(client):
    token = csrf(client)
    response = client.post("/schedules", data={"csrf_token": token},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    null_origin = client.post("/schedules", data={"csrf_token": token},
                              headers={"Origin": "null"})
    assert null_origin.status_code == 403


def test_a_same_origin_post_is_accepted_and_pages_keep_their_origin(client, history: History):
    token = csrf(client, "/schedules")
    response = client.post("/schedules", headers={"Origin": "http://localhost"},
                           data={"csrf_token": token, "url": "http://127.0.0.1:9",
                                 "interval": "5"})
    assert response.status_code == 303 and len(history.schedules.all()) == 1
    # with `no-referrer` browsers would post our own forms as `Origin: null`
    assert client.get("/").headers["Referrer-Policy"] == "same-origin"


def test_without_a_token_only_loopback_host_names_are_answered(client):
    assert client.get("/", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8765"}).status_code == 200
    rebound = client.get("/", headers={"Host": "attacker.example:8765"})
    assert rebound.status_code == 400


@pytest.fixture
def guarded(history: History):
    return create_app(history, token=TOKEN).test_client()


def test_with_a_token_every_request_needs_it(guarded):
    for path in ("/", "/scans/1", "/static/dashboard.css", "/jobs/x.json"):
        assert guarded.get(path).status_code == 401
    assert guarded.get("/", headers={"X-Middlebrick-Token": "nope"}).status_code == 401
    assert guarded.get("/", headers={"X-Middlebrick-Token": TOKEN}).status_code == 200
    assert guarded.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    # with a token, any Host is fine: the dashboard was meant to be reached from elsewhere
    assert guarded.get("/", headers={"X-Middlebrick-Token": TOKEN,
                                     "Host": "scanner.lan:8765"}).status_code == 200


def test_the_printed_link_sets_a_cookie_and_drops_the_token_from_the_address(guarded):
    assert guarded.get("/?token=wrong").status_code == 401
    response = guarded.get(f"/target?url=http://a.test&token={TOKEN}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/target?url=http%3A%2F%2Fa.test"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert guarded.get("/").status_code == 200  # the cookie now opens every page
    token = csrf(guarded)
    added = guarded.post("/schedules", data={"csrf_token": token, "url": "http://127.0.0.1:9",
                                             "interval": "30"})
    assert added.status_code == 303


def test_a_token_is_required_beyond_loopback():
    assert required_token("127.0.0.1", None) is None
    assert required_token("::1", None) is None
    assert required_token("localhost", "given") == "given"
    generated = required_token("0.0.0.0", None)
    assert generated and len(generated) >= 24
    for everywhere in ("::", "", "0", "::ffff:0.0.0.0"):
        assert required_token(everywhere, None), everywhere
    assert required_token("192.168.1.20", "mine") == "mine"
    assert [is_loopback(h) for h in ("127.0.0.2", "[::1]", "10.0.0.1", "evil.localhost.com")] == [
        True, True, False, False]


class _BoundElsewhere:
    """Stands in for werkzeug's server: reports the address a host name really resolved to,
    without binding anything (tests only ever bind 127.0.0.1)."""

    def __init__(self, host: str, port: int, app, **_: object) -> None:
        self.server_address = ("203.0.113.7", 8765)
        self.port = 8765
        self.app = app

    def server_close(self) -> None:
        pass


def test_the_token_follows_the_address_actually_bound(history: History, monkeypatch):
    from middlebrick.web import serve

    # `*.localhost` looks like loopback, but outside systemd-resolved it is just a DNS name
    monkeypatch.setattr(serve, "make_server", _BoundElsewhere)
    listen = serve._listen
    monkeypatch.setattr(serve, "_listen", lambda host, port: listen("127.0.0.1", 0))
    server = serve.DashboardServer(history, host="dashboard.localhost", port=0, schedules=False)
    assert server.token and len(server.token) >= 24
    client = server.app.test_client()
    assert client.get("/", headers={"Host": "dashboard.localhost:8765"}).status_code == 401
    assert client.get("/", headers={"Host": "dashboard.localhost:8765",
                                    TOKEN_HEADER: server.token}).status_code == 200
    assert server.login_url.endswith(f"?token={server.token}")


def test_a_loopback_bind_needs_no_token_and_answers_loopback_names_only(history: History):
    from middlebrick.web import DashboardServer

    for host in ("127.0.0.1", "localhost"):
        server = DashboardServer(history, host=host, port=0, schedules=False)
        try:
            assert server.token is None
            assert server.server.server_address[0] in {"127.0.0.1", "::1"}
            client = server.app.test_client()
            assert client.get("/", headers={"Host": f"{host}:1"}).status_code == 200
            assert client.get("/", headers={"Host": "rebound.example"}).status_code == 400
        finally:
            server.server.server_close()


def test_the_printed_link_never_redirects_off_the_dashboard(guarded):
    # werkzeug's own server squeezes `//`, other WSGI servers pass the path on as it came
    for path in ("//evil.example/x", "/\\evil.example", "///evil.example"):
        response = guarded.get(f"/?token={TOKEN}", environ_overrides={"PATH_INFO": path})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("weak", ["", "secret", "x" * 15])
def test_the_dashboard_refuses_a_guessable_token(capsys, tmp_path, weak):
    from support.cli import invoke

    # refused before anything listens: an empty token would lock everyone out, a short one
    # could be guessed by anyone who can reach a dashboard bound beyond loopback
    outcome = invoke(capsys, "dashboard", "--host", "127.0.0.1", "--port", "0", "--token", weak,
                     "--db", str(tmp_path / "h.sqlite3"))
    assert outcome.code == 2 and "--token" in outcome.err
    assert "middlebrick dashboard:" not in outcome.out


def test_a_busy_port_is_a_usage_error_not_a_failed_gate(capsys, tmp_path):
    import socket

    from support.cli import invoke

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        outcome = invoke(capsys, "dashboard", "--port", str(port),
                         "--db", str(tmp_path / "h.sqlite3"))
    assert outcome.code == 2, outcome  # exit 1 means "the security gate failed"
    assert f"cannot listen on 127.0.0.1:{port}" in outcome.err


def test_the_access_log_never_shows_the_token(history: History, caplog):
    import logging

    import httpx

    from middlebrick.web import DashboardServer

    secret = "log-me-not-0123456789abcdef"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        with DashboardServer(history, port=0, token=secret, schedules=False) as server:
            assert httpx.get(server.login_url.replace(server.url, "http://127.0.0.1:"
                                                      f"{server.port}")).status_code == 302
            assert httpx.get(f"http://127.0.0.1:{server.port}/scan?url=x&token={secret}"
                             ).status_code == 302
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET /?token=" in logged and "/scan?url=x&token=" in logged  # requests still logged
    assert secret not in logged
