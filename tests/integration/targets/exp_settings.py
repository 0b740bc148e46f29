"""A config service (blueprint under /api) whose settings route dumps an os.environ-like mapping.

The environment is a fake mapping shaped like `os.environ`, so the real one never leaks. The
fixed version returns feature flags and the region only.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Blueprint, Flask, jsonify

ACCOUNT = "4938172" + "64510"


def fake_keys() -> tuple[str, str]:
    """A correctly shaped, fake key pair, derived here so nothing key-like is committed."""
    key_id = "AKIA" + base64.b32encode(hashlib.sha256(b"exp-settings-id").digest()).decode()[:16]
    secret = base64.b64encode(hashlib.sha256(b"exp-settings-secret").digest()).decode()[:40]
    return key_id, secret


class FakeEnviron(Mapping[str, str]):
    """Looks like os.environ to the app; holds only made-up values."""

    def __init__(self) -> None:
        key_id, secret = fake_keys()
        self._values = {
            "PATH": "/usr/local/bin:/usr/bin",
            "AWS_ACCESS_KEY_ID": key_id,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": "ap-southeast-2",
            "ORDERS_TABLE_ARN": f"arn:aws:dynamodb:ap-southeast-2:{ACCOUNT}:table/orders",
            "FEATURE_BETA": "on",
        }

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "config service", "version": "1"},
    "servers": [{"url": "/api"}],
    "paths": {"/features": {"get": {"responses": {"200": {"description": "feature flags"}}}}},
}


def create_app(*, fixed: bool) -> Flask:
    app = Flask(__name__)
    api = Blueprint("api", __name__, url_prefix="/api")
    environ = FakeEnviron()

    @api.get("/features")
    def features() -> Any:
        return jsonify({k: v for k, v in environ.items() if k.startswith("FEATURE_")})

    @api.get("/settings")
    def settings() -> Any:
        if fixed:
            return jsonify(region=environ["AWS_DEFAULT_REGION"], beta=environ["FEATURE_BETA"])
        return jsonify(dict(environ))  # the classic mistake: the whole environment

    app.register_blueprint(api)

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(SPEC)

    return app
