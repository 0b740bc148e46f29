"""A Flask API using flask-cors, either reflecting every origin or with a fixed allow-list."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

TRUSTED_ORIGIN = "https://app.example.com"


def create_app(*, allow_list: bool) -> Flask:
    app = Flask("foundation_cors")

    @app.get("/")
    def index() -> dict[str, str]:
        return {"service": "profile"}

    @app.get("/me")
    def me() -> dict[str, str]:
        return {"user": "alice", "email": "alice@example.com"}

    if allow_list:
        CORS(app, origins=[TRUSTED_ORIGIN], supports_credentials=True)
    else:
        # Credentials plus the default origins="*": flask-cors echoes whatever Origin arrives.
        CORS(app, supports_credentials=True)
    return app
