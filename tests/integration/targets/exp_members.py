"""A members API built from MethodViews that returns stored rows: bcrypt hashes under `pwd_hash`,
emails and phones, as a bare JSON array, to anyone. The fixed version wants an X-Api-Key and
returns public fields only.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, jsonify, request
from flask.views import MethodView

API_KEY = "club-key-" + "7c1e9a"
_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def bcrypt_shaped(seed: str) -> str:
    """A bcrypt-formatted string (cost 12, 22-char salt + 31-char digest) that hashes nothing."""
    digest = hashlib.sha512(seed.encode()).digest()
    return "$2b$12$" + "".join(_BCRYPT_ALPHABET[b % 64] for b in digest[:53])


ROWS = [
    {"memberId": f"M{n:03d}", "nickname": f"rower{n}", "mail": f"rower{n}@rowing.example",
     "mobile": f"+61 4{n:02d} 555 {n:03d}", "pwd_hash": bcrypt_shaped(f"member-{n}")}
    for n in range(1, 13)
]  # fmt: skip

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "rowing club", "version": "1"},
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                               "name": "X-Api-Key"}}},  # fmt: skip
    "security": [{"key": []}],
    "paths": {
        "/members": {"get": {"responses": {"200": {"description": "members"}}}},
        "/members/{member_id}": {
            "get": {
                "parameters": [{"name": "member_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],  # fmt: skip
                "responses": {"200": {"description": "member"}, "404": {"description": "no"}},
            }
        },
    },
}


def create_app(*, fixed: bool) -> Flask:
    app = Flask(__name__)

    def view(row: dict[str, Any]) -> dict[str, Any]:
        return {"memberId": row["memberId"], "nickname": row["nickname"]} if fixed else row

    class MemberList(MethodView):
        def get(self) -> Any:
            if fixed and request.headers.get("X-Api-Key") != API_KEY:
                return jsonify(message="missing or bad key"), 401
            return jsonify([view(r) for r in ROWS])

    class Member(MethodView):
        def get(self, member_id: str) -> Any:
            if fixed and request.headers.get("X-Api-Key") != API_KEY:
                return jsonify(message="missing or bad key"), 401
            row = next((r for r in ROWS if r["memberId"] == member_id), None)
            return (jsonify(view(row)), 200) if row else (jsonify(message="no member"), 404)

    app.add_url_rule("/members", view_func=MemberList.as_view("members"))
    app.add_url_rule("/members/<member_id>", view_func=Member.as_view("member"))
    app.add_url_rule("/openapi.json", "spec", lambda: jsonify(SPEC))
    return app
