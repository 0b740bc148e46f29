"""A small HTTPS API on loopback, with certificates made here by `cryptography`.

Vulnerable: a self-signed certificate, TLS 1.0/1.1 accepted, no HSTS, a session cookie without
Secure. Fixed: a certificate from a test CA (trusted through SSL_CERT_FILE), TLS 1.2 or newer,
HSTS for two years, and Secure/HttpOnly/SameSite cookies.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask, jsonify, session
from werkzeug.serving import make_server

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Pem:
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(folder: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Pem:
    pem = Pem(folder / f"{stem}.crt", folder / f"{stem}.key")
    pem.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pem


def make_certificates(folder: Path) -> tuple[Pem, Pem, Pem]:
    """(self-signed server, test CA, server signed by the CA), all for 127.0.0.1."""
    now = datetime.datetime.now(datetime.UTC)
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))])

    def build(subject: str, issuer: str, key: Any, signer: Any, *, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(_name(issuer))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(san, critical=False)
        return builder.sign(signer, hashes.SHA256())

    self_key, ca_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    self_signed = build(HOST, HOST, self_key, self_key, ca=False)
    ca = build("middlebrick test CA", "middlebrick test CA", ca_key, ca_key, ca=True)
    leaf = build(HOST, "middlebrick test CA", leaf_key, ca_key, ca=False)
    return (
        _write(folder, "self", self_signed, self_key),
        _write(folder, "ca", ca, ca_key),
        _write(folder, "leaf", leaf, leaf_key),
    )


def server_context(pem: Pem, *, fixed: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem.cert, pem.key)
    if not fixed:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1  # the legacy-clients setting
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def create_app(*, fixed: bool) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "exp-tls-test-key"
    if fixed:
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Strict")

    @app.get("/")
    def index() -> Any:
        session["visits"] = session.get("visits", 0) + 1
        return jsonify(service="ping")

    @app.get("/ping")
    def ping() -> Any:
        return jsonify(pong=True)

    if fixed:

        @app.after_request
        def hsts(response: Any) -> Any:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
            return response

    return app


@contextmanager
def serve_https(app: Flask, context: ssl.SSLContext) -> Iterator[str]:
    """Serve `app` over HTTPS on 127.0.0.1 for the length of a test."""
    server = make_server(HOST, 0, app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://{HOST}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
