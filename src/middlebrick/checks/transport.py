"""Transport security: plain HTTP, HSTS and cookie attributes (TLS itself: transport_tls.py).

Loopback targets (127.0.0.0/8, ::1, localhost) are labs and local development servers: plain
HTTP there is reported as info, and so is a missing HSTS header, which browsers ignore for IP
addresses and localhost anyway. Cookie attributes are the application's own code, so they are
judged the same everywhere.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from middlebrick.checks.base import CheckContext, check
from middlebrick.http.client import REDIRECT_STATUSES
from middlebrick.http.exchange import Exchange
from middlebrick.models import Category, Confidence, Finding, Severity

HSTS_MIN_AGE = 15_552_000  # 180 days, the usual minimum (and what preload lists ask for more of)
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.I)
_SESSIONISH = re.compile(
    r"sess|sid$|^sid|auth|token|jwt|remember|login|identity|connect\.sid|jsessionid|phpsessid",
    re.I,
)
_CSRF = re.compile(r"csrf|xsrf", re.I)


def is_loopback(url: str) -> bool:
    """Is the URL's host this machine (127.0.0.0/8, ::1, localhost)?"""
    host = (urlsplit(url).hostname or "").lower()
    if host in {"localhost", "localhost.localdomain"} or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ip_literal(url: str) -> bool:
    try:
        ipaddress.ip_address(urlsplit(url).hostname or "")
    except ValueError:
        return False
    return True


@check(
    "transport.plain-http",
    category=Category.ENCRYPTION,
    severity=Severity.MEDIUM,
    confidence=Confidence.CERTAIN,
    cwe=319,
    remediation=(
        "Serve the API over HTTPS only: terminate TLS at the load balancer or reverse proxy "
        "(ALB/CloudFront with an ACM certificate, nginx with Let's Encrypt), answer plain HTTP "
        "with a 301/308 redirect to https://, and tell Flask it is behind the proxy "
        "(`app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)`) so `url_for(..., _external=True)` "
        "builds https links. Set `SESSION_COOKIE_SECURE = True`."
    ),
)
async def plain_http(ctx: CheckContext) -> list[Finding]:
    """API served over plain HTTP

    Requests and responses, bearer tokens and session cookies included, cross the network in
    clear text: anyone on the path can read and change them.
    """
    if urlsplit(ctx.target).scheme != "http":
        return []
    x = await ctx.request("GET", "/", identity=None)
    location = x.headers.get("location", "")
    if x.status in REDIRECT_STATUSES and urljoin(x.url, location).startswith("https://"):
        return []
    if is_loopback(ctx.target):
        severity, why = Severity.INFO, "the target is on loopback (a lab or local server)"
    elif ctx.config.authenticated:
        severity, why = Severity.HIGH, "the scan's own credentials travelled in clear text"
    else:
        severity, why = Severity.MEDIUM, "no redirect to HTTPS"
    return [
        ctx.finding(
            evidence=[x],
            severity=severity,
            note=f"plain HTTP answered {x.status} without redirecting to https://; {why}",
        )
    ]


@check(
    "transport.missing-hsts",
    category=Category.ENCRYPTION,
    severity=Severity.LOW,
    confidence=Confidence.CERTAIN,
    cwe=319,
    remediation=(
        "Send `Strict-Transport-Security: max-age=63072000; includeSubDomains` on every HTTPS "
        "response: at the proxy (nginx `add_header Strict-Transport-Security ... always;`) or "
        "in Flask (`@app.after_request` setting the header, or flask-talisman). Keep max-age at "
        "six months or more."
    ),
)
async def missing_hsts(ctx: CheckContext) -> list[Finding]:
    """HTTPS responses without a lasting Strict-Transport-Security header

    Without HSTS a browser may still try plain HTTP first, and an attacker on the network can
    strip TLS from that first request (SSL stripping).
    """
    if urlsplit(ctx.target).scheme != "https":
        return []
    seen = [x for x in ctx.exchanges if x.url.startswith("https://") and x.status]
    if not seen:
        seen = [x for x in [await ctx.request("GET", "/")] if x.status]
    if not seen:
        return []
    ages = [_max_age(x) for x in seen]
    if all(age is not None and age >= HSTS_MIN_AGE for age in ages):
        return []
    first = next(x for x, age in zip(seen, ages, strict=True) if age is None or age < HSTS_MIN_AGE)
    missing = sum(1 for age in ages if age is None)
    short = [age for age in ages if age is not None and age < HSTS_MIN_AGE]
    if missing:
        title = "Strict-Transport-Security header missing"
        note = f"no HSTS header on {missing} of {len(seen)} HTTPS responses"
    else:
        title = "Strict-Transport-Security max-age shorter than six months"
        note = f"max-age={min(short)} s (less than {HSTS_MIN_AGE} s)"
    local = is_loopback(ctx.target) or _ip_literal(ctx.target)
    return [
        ctx.finding(
            evidence=[first],
            title=title,
            severity=Severity.INFO if local else Severity.LOW,
            note=note + ("; browsers ignore HSTS for IP addresses and localhost" if local else ""),
        )
    ]


def _max_age(x: Exchange) -> int | None:
    value = x.headers.get("strict-transport-security")
    if value is None:
        return None
    match = _MAX_AGE.search(value)
    return int(match.group(1)) if match else 0


@dataclass(frozen=True, slots=True)
class Cookie:
    """One Set-Cookie header: the name, whether it clears the cookie, and its attributes."""

    name: str
    cleared: bool
    attributes: dict[str, str]

    @classmethod
    def parse(cls, header: str) -> Cookie:
        pair, *attrs = header.split(";")
        name, _, value = pair.partition("=")
        attributes: dict[str, str] = {}
        for attr in attrs:
            key, _, val = attr.partition("=")
            attributes[key.strip().lower()] = val.strip()
        expired = "1970" in attributes.get("expires", "") or attributes.get("max-age") == "0"
        return cls(name.strip(), not value.strip() or expired, attributes)

    def problems(self, https: bool) -> list[str]:
        found = []
        if https and "secure" not in self.attributes:
            found.append("Secure")
        if "httponly" not in self.attributes and not _CSRF.search(self.name):
            found.append("HttpOnly")  # a double-submit CSRF cookie must stay readable by JS
        same_site = self.attributes.get("samesite")
        if same_site is None:
            found.append("SameSite")
        elif same_site.lower() == "none" and "secure" not in self.attributes:
            found.append("SameSite=None without Secure")
        return found


@check(
    "transport.insecure-cookie",
    category=Category.ENCRYPTION,
    severity=Severity.MEDIUM,
    confidence=Confidence.CERTAIN,
    cwe=614,
    remediation=(
        "Set the cookie attributes in Flask: `SESSION_COOKIE_SECURE=True`, "
        "`SESSION_COOKIE_HTTPONLY=True`, `SESSION_COOKIE_SAMESITE='Lax'` (or 'Strict'), and for "
        "your own cookies `response.set_cookie(name, value, secure=True, httponly=True, "
        "samesite='Lax')`."
    ),
)
async def insecure_cookie(ctx: CheckContext) -> list[Finding]:
    """Cookie set without Secure, HttpOnly or SameSite

    A session cookie without Secure can leak over plain HTTP, without HttpOnly it can be read
    by injected script, and without SameSite it rides along on cross-site requests (CSRF).
    """
    https = urlsplit(ctx.target).scheme == "https"
    findings: list[Finding] = []
    done: set[str] = set()
    for x in ctx.exchanges:
        for header in x.headers.get_list("set-cookie"):
            cookie = Cookie.parse(header)
            problems = cookie.problems(https)
            if cookie.cleared or not problems or cookie.name in done:
                continue
            done.add(cookie.name)
            session = bool(_SESSIONISH.search(cookie.name)) and not _CSRF.search(cookie.name)
            if not session:
                severity = Severity.INFO
            elif {"Secure", "HttpOnly"} & set(problems):
                severity = Severity.MEDIUM
            else:
                severity = Severity.LOW  # browsers default to SameSite=Lax nowadays
            missing = ", ".join(problems)
            findings.append(
                ctx.finding(
                    evidence=[x],
                    title=f"Cookie {cookie.name!r} set without {missing}",
                    severity=severity,
                    discriminator=cookie.name,
                    note=f"Set-Cookie {cookie.name}: missing {missing}"
                    + ("" if session else " (not a session-like cookie)"),
                )
            )
    return findings
