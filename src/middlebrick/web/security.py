"""The dashboard's own defences: access token, Host check, CSRF, and strict response headers.

- Bound to loopback without a token, it answers only to a loopback Host name, so a web page
  that rebinds its DNS name to 127.0.0.1 cannot read it.
- With a token (required when bound elsewhere), every request must carry it: the
  `X-Middlebrick-Token` header, `Authorization: Bearer`, or the cookie set when the printed
  `?token=` link is opened (the token is then dropped from the address bar).
- Every state-changing request needs the session's CSRF token and, when a browser says where
  it comes from, a same-origin `Origin`.
- Every response forbids inline script, framing and MIME sniffing: whatever a scanned target
  put into a finding is shown as text and can never run.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, abort, current_app, redirect, request, session
from werkzeug.wrappers.response import Response as BaseResponse

TOKEN_HEADER = "X-Middlebrick-Token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY = 64 * 1024  # the largest form is a few URLs and two header blocks
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser posts our own forms with
    # `Origin: null`, which the CSRF check must refuse.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def required_token(host: str, token: str | None) -> str | None:
    """The token the dashboard must require: the given one, or a new one when it listens
    beyond loopback; None when bound to loopback without one."""
    if token is None and not is_loopback(host):
        return new_token()
    return token


def install(app: Flask, *, token: str | None, cookie_suffix: str = "") -> None:
    """Guard every request of `app`; `token` None means loopback-only access without one."""
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),  # sessions last as long as the process
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        MAX_CONTENT_LENGTH=MAX_BODY,
    )
    use_token(app, token)
    name_cookies(app, cookie_suffix)
    app.before_request(_check_access)
    app.before_request(_check_csrf)
    app.after_request(_harden)
    app.jinja_env.globals["csrf_token"] = csrf_token


def use_token(app: Flask, token: str | None) -> None:
    """Require `token` from now on (None: loopback-only access without one)."""
    app.config["MIDDLEBRICK_TOKEN"] = token


def name_cookies(app: Flask, suffix: str) -> None:
    """Give this dashboard's cookies names of their own (cookies ignore the port)."""
    app.config.update(SESSION_COOKIE_NAME=f"middlebrick_session{suffix}",
                      MIDDLEBRICK_TOKEN_COOKIE=f"middlebrick_token{suffix}")


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _same(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def _check_access() -> BaseResponse | None:
    token: str | None = current_app.config["MIDDLEBRICK_TOKEN"]
    if token is None:
        if not is_loopback(urlsplit("//" + request.host).hostname or ""):
            abort(400, "This dashboard only answers to 127.0.0.1 or localhost.")
        return None
    cookie = current_app.config["MIDDLEBRICK_TOKEN_COOKIE"]
    offered = request.args.get("token")
    if offered is not None:
        if not _same(offered, token):
            abort(401)
        rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
        response = redirect(request.path + (f"?{urlencode(rest)}" if rest else ""))
        response.set_cookie(cookie, token, httponly=True, samesite="Strict", path="/")
        return response
    bearer = request.headers.get("Authorization", "")
    presented = (request.headers.get(TOKEN_HEADER)
                 or (bearer[7:] if bearer.lower().startswith("bearer ") else None)
                 or request.cookies.get(cookie))
    if not _same(presented, token):
        abort(401)
    return None


def _check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    expected = session.get("csrf")
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not isinstance(expected, str) or not _same(given, expected):
        abort(400, "The form's CSRF token is missing or wrong: reload the page and try again.")
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") != request.host_url.rstrip("/"):
        abort(403, "Cross-origin requests are refused.")  # also `Origin: null`


def _harden(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


__all__ = [
    "CSP",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SECURITY_HEADERS",
    "TOKEN_HEADER",
    "csrf_token",
    "install",
    "is_loopback",
    "name_cookies",
    "new_token",
    "required_token",
    "use_token",
]
