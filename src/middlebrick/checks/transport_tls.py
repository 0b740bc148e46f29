"""TLS of an https target: old protocol versions, weak ciphers, and a certificate clients cannot
verify. These probes are TLS handshakes made directly with Python's `ssl` module to the
target's host and port (no HTTP request, a few seconds at most), so they bypass the scan's
HTTP client on purpose: httpx cannot offer TLS 1.0 or pick ciphers.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from middlebrick.checks.base import CheckContext, check
from middlebrick.models import Category, Confidence, Finding, Severity

HANDSHAKE_TIMEOUT = 3.0
OLD_VERSIONS = (("TLS 1.0", ssl.TLSVersion.TLSv1), ("TLS 1.1", ssl.TLSVersion.TLSv1_1))
# Anonymous (no server authentication), NULL (no encryption), export-grade, RC4, DES, 3DES.
WEAK_CIPHERS = "aNULL:eNULL:EXPORT:RC4:DES:3DES:@SECLEVEL=0"


@dataclass(frozen=True, slots=True)
class Handshake:
    """What one handshake achieved: the version and cipher, or why it failed."""

    version: str | None = None
    cipher: str | None = None
    error: str | None = None
    verify_message: str | None = None


def _endpoint(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or 443


def handshake(
    host: str, port: int, context: ssl.SSLContext, *, timeout: float = HANDSHAKE_TIMEOUT
) -> Handshake:
    """One TLS handshake (blocking, bounded by `timeout`)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            server_name = host if context.check_hostname else None
            with context.wrap_socket(raw, server_hostname=server_name) as tls:
                cipher = tls.cipher()
                return Handshake(version=tls.version(), cipher=cipher[0] if cipher else None)
    except ssl.SSLCertVerificationError as exc:
        return Handshake(error=str(exc), verify_message=exc.verify_message or str(exc))
    except (OSError, ssl.SSLError) as exc:
        return Handshake(error=f"{type(exc).__name__}: {exc}")


def _lenient(
    version: ssl.TLSVersion | None = None, ciphers: str = "ALL:@SECLEVEL=0"
) -> ssl.SSLContext | None:
    """A non-verifying client context that offers exactly what is being tested."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if version is not None:
                context.minimum_version = version
                context.maximum_version = version
            else:
                context.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 has no weak suites
            context.set_ciphers(ciphers)
    except (ssl.SSLError, ValueError):
        return None  # this Python/OpenSSL cannot offer it, so it cannot be tested
    return context


def weak_tls_probe(host: str, port: int, timeout: float) -> list[tuple[str, Handshake]]:
    """Old versions and weak ciphers the server accepted, as (what, handshake) pairs."""
    accepted: list[tuple[str, Handshake]] = []
    for name, version in OLD_VERSIONS:
        context = _lenient(version)
        result = handshake(host, port, context, timeout=timeout) if context else Handshake()
        if result.version is not None:
            accepted.append((name, result))
    context = _lenient(ciphers=WEAK_CIPHERS)
    if context is not None:
        result = handshake(host, port, context, timeout=timeout)
        if result.cipher is not None:
            accepted.append(("cipher", result))
    return accepted


@check(
    "transport.weak-tls",
    category=Category.ENCRYPTION,
    severity=Severity.MEDIUM,
    confidence=Confidence.CERTAIN,
    cwe=327,
    remediation=(
        "Accept TLS 1.2 and 1.3 only, with AEAD cipher suites: on an AWS load balancer pick the "
        "`ELBSecurityPolicy-TLS13-1-2-2021-06` policy; in nginx `ssl_protocols TLSv1.2 "
        "TLSv1.3;` and the Mozilla 'intermediate' `ssl_ciphers`; in a Python server "
        "`context.minimum_version = ssl.TLSVersion.TLSv1_2` and never `@SECLEVEL=0`."
    ),
)
async def weak_tls(ctx: CheckContext) -> list[Finding]:
    """Obsolete TLS versions or weak cipher suites accepted

    TLS 1.0 and 1.1 are deprecated (RFC 8996) and anonymous, NULL, export, RC4, DES and 3DES
    suites are broken: a network attacker can downgrade or decrypt the connection.
    """
    if urlsplit(ctx.target).scheme != "https":
        return []
    host, port = _endpoint(ctx.target)
    timeout = min(HANDSHAKE_TIMEOUT, ctx.client.options.timeout)
    accepted = await asyncio.to_thread(weak_tls_probe, host, port, timeout)
    findings: list[Finding] = []
    versions = [name for name, _ in accepted if name != "cipher"]
    if versions:
        findings.append(
            ctx.finding(
                title=f"{' and '.join(versions)} accepted",
                description=(
                    f"{host}:{port} completed TLS handshakes restricted to {', '.join(versions)} "
                    "(deprecated by RFC 8996: no modern client needs them, and they allow "
                    "downgrade attacks such as BEAST and POODLE on CBC suites)."
                ),
                discriminator="protocol",
            )
        )
    ciphers = [h for name, h in accepted if name == "cipher"]
    if ciphers:
        findings.append(
            ctx.finding(
                title=f"Weak TLS cipher suite accepted ({ciphers[0].cipher})",
                description=(
                    f"{host}:{port} agreed to {ciphers[0].cipher} over {ciphers[0].version} when "
                    "offered only anonymous, NULL, export, RC4, DES or 3DES suites: the "
                    "connection can be read or impersonated by a network attacker."
                ),
                severity=Severity.HIGH,
                discriminator="cipher",
            )
        )
    return findings


@check(
    "transport.bad-certificate",
    category=Category.ENCRYPTION,
    severity=Severity.HIGH,
    confidence=Confidence.CERTAIN,
    cwe=295,
    remediation=(
        "Serve a certificate from a public CA that covers the API's host name and is in date: "
        "AWS Certificate Manager on the load balancer or CloudFront renews it automatically; "
        "elsewhere use Let's Encrypt with automatic renewal (certbot, cert-manager). Never ask "
        "clients to disable verification (`verify=False`)."
    ),
)
async def bad_certificate(ctx: CheckContext) -> list[Finding]:
    """TLS certificate that clients cannot verify (self-signed, expired or wrong host)

    Clients either refuse the API or are told to skip verification, and a client that skips
    it accepts any attacker's certificate just as well (man-in-the-middle).
    """
    if urlsplit(ctx.target).scheme != "https":
        return []
    host, port = _endpoint(ctx.target)
    timeout = min(HANDSHAKE_TIMEOUT, ctx.client.options.timeout)
    # The same trust store as the scan's HTTP client: certifi, or SSL_CERT_FILE/SSL_CERT_DIR.
    context = httpx.create_ssl_context()
    result = await asyncio.to_thread(handshake, host, port, context, timeout=timeout)
    if result.verify_message is None:
        return []
    insecure = " (the scan itself ran with --insecure)" if not ctx.client.options.verify_tls else ""
    return [
        ctx.finding(
            title=f"TLS certificate not trusted: {result.verify_message}",
            description=(
                f"A verifying TLS handshake with {host}:{port} failed: {result.verify_message}"
                f"{insecure}. Clients that verify certificates cannot use the API; clients "
                "told to skip verification accept any certificate, an attacker's included."
            ),
            discriminator="verify",
        )
    ]
