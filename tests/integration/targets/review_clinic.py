"""A vet clinic API written unlike the lab and the other targets, to review the checks with.

An app factory and one Blueprint under `/api/v3`, views named in snake_case and served in
kebab-case (`visit_records` -> `/visit-records`), integer pet ids and ULID visit ids, an
`X-Api-Key` header (or a browser session with a CSRF token), boto3's resource API, page/per_page
pagination with `Link` headers, and every error in one envelope `{"error": {"code", "detail"}}`.
The OpenAPI 3.0 document is served at /api/v3/openapi.json with a relative server `/api/v3`.

The vulnerable build (`fixed=False`) has, and the fixed build lacks:
- GET /visit-records?filter=attr:value pastes `attr` into the Scan's FilterExpression;
- GET /clinic-reports/vet-workload?vet= pastes `vet` into a PartiQL statement;
- GET /exports?dataset= scans the table `<prefix><dataset>` (its documented enum not enforced);
- botocore's `str(ClientError)` in the envelope's `detail`;
- SECRET_KEY "my-super-secret-key" on the session that carries the CSRF token and, after a
  browser sign-in, the user id;
- GET /api/v3/diagnostics (undocumented) answers anyone with the environment, AWS keys included;
- GET /pets/{pet_id} serves any owner's pet (BOLA on sequential integers);
- POST /pets stores every body field (owner_id included: mass assignment);
- GET /account returns the stored item (password hash, API key digest);
- GET /appointment-slots honours any per_page (the documented maximum is 50);
- POST /sessions has no attempt limit; no security headers; the server names itself.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from flask import Blueprint, Flask, g, jsonify, request, session
from flask.typing import ResponseReturnValue
from werkzeug.security import check_password_hash, generate_password_hash

from targets.review_clinic_openapi import document
from targets.review_clinic_reports import register_reports
from targets.review_clinic_store import Store, key_digest
from targets.review_clinic_web import (
    OWNER,
    PET,
    Problem,
    envelope,
    paginate,
    plain,
    register_errors,
    scan_all,
    serve,
)

__all__ = ["WEAK_KEY", "create_app", "serve"]
WEAK_KEY = "my-super-secret-key"
_PUBLIC = {"health", "csrf_token", "sessions", "appointment_slots", "openapi", "diagnostics"}


def create_app(store: Store, *, fixed: bool) -> Flask:
    app = Flask("review_clinic")
    app.config["SECRET_KEY"] = secrets.token_hex(32) if fixed else WEAK_KEY
    if fixed:
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Strict")
    api = Blueprint("v3", __name__, url_prefix="/api/v3")
    owners_by_key = {r["api_key_sha256"]: int(r["owner_id"]) for r in scan_all(store.owners)}
    attempts: dict[str, list[float]] = {}
    dummy_hash = generate_password_hash(secrets.token_hex(8))

    def endpoint(method: str, suffix: str = "") -> Callable[[Callable[..., Any]], Any]:
        """Register a view at its name in kebab case (`visit_records__one` -> `/visit-records`)."""

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            name = view.__name__.partition("__")[0]
            path = "/" + name.replace("_", "-") + suffix
            api.add_url_rule(path, f"{method}_{view.__name__}", view, methods=[method])
            return view

        return register

    @api.before_request
    def identify() -> ResponseReturnValue | None:
        g.owner, via_session = None, False
        if key := request.headers.get("X-Api-Key"):
            owner_id = owners_by_key.get(key_digest(key))
        else:
            owner_id, via_session = session.get("uid"), True
        if owner_id is not None:
            g.owner = store.owners.get_item(Key={"owner_id": owner_id}).get("Item")
        view = (request.endpoint or "").partition(".")[2].partition("_")[2].partition("__")[0]
        if g.owner is None and view not in _PUBLIC:
            return envelope(401, "unauthenticated", "a valid X-Api-Key is required")
        if via_session and g.owner is not None and request.method not in ("GET", "HEAD"):
            if request.headers.get("X-CSRF-Token") != session.get("csrf"):
                return envelope(403, "csrf", "X-CSRF-Token does not match the session")
        return None

    def me() -> int:
        return int(g.owner["owner_id"])

    def body() -> dict[str, Any]:
        try:
            data = json.loads(request.get_data() or b"null", parse_float=Decimal)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise Problem(400, "bad_body", "the body must be a JSON object")
        return data

    @endpoint("GET")
    def health() -> ResponseReturnValue:
        return jsonify(status="ok")

    @endpoint("GET", ".json")
    def openapi() -> ResponseReturnValue:
        return jsonify(document())

    @endpoint("GET")
    def csrf_token() -> ResponseReturnValue:
        session.setdefault("csrf", secrets.token_urlsafe(16))
        return jsonify(csrf_token=session["csrf"])

    @endpoint("POST")
    def sessions() -> ResponseReturnValue:
        client = request.remote_addr or "?"
        recent = [t for t in attempts.get(client, []) if t > time.monotonic() - 60]
        attempts[client] = [*recent, time.monotonic()]
        if fixed and len(recent) >= 5:
            response, status = envelope(429, "too_many", "too many sign-in attempts")
            response.headers["Retry-After"] = "60"
            return response, status
        data = body()
        email, password = data.get("email"), data.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or len(email) > 254:
            raise Problem(400, "bad_body", "email and password are required strings")
        rows = scan_all(store.owners, FilterExpression=Attr("email").eq(email))
        if fixed and not rows:  # as slow as a wrong password: the time tells no account apart
            check_password_hash(dummy_hash, password[:128])
        if not rows or not check_password_hash(rows[0]["secret_hash"], password[:128]):
            return envelope(401, "bad_credentials", "wrong email or password")
        session["uid"] = int(rows[0]["owner_id"])
        session.setdefault("csrf", secrets.token_urlsafe(16))
        return jsonify(plain(rows[0], OWNER))

    @endpoint("GET")
    def account() -> ResponseReturnValue:
        return jsonify(plain(g.owner, OWNER) if fixed else g.owner)

    @endpoint("GET")
    def pets() -> ResponseReturnValue:
        condition = Key("owner_id").eq(me())
        species = request.args.get("species")
        kwargs: dict[str, Any] = {}
        if species is not None:
            if species not in ("dog", "cat", "rabbit", "bird"):
                raise Problem(400, "bad_parameter", "unknown species")
            kwargs["FilterExpression"] = Attr("species").eq(species)
        rows = scan_all(store.pets, IndexName="by_owner", KeyConditionExpression=condition,
                        **kwargs)  # fmt: skip
        return paginate(sorted(rows, key=lambda r: r["pet_id"]), PET, cap=50)

    @endpoint("POST")
    def pets__create() -> ResponseReturnValue:
        data = body()
        name, species = data.get("pet_name"), data.get("species")
        weight = data.get("weight_kg", Decimal("1"))
        if (
            not isinstance(name, str)
            or not 0 < len(name) <= 40
            or species not in ("dog", "cat", "rabbit", "bird")
        ):
            raise Problem(400, "bad_body", "pet_name and species are required")
        if not isinstance(weight, Decimal | int) or not 0 < weight <= 200:
            raise Problem(400, "bad_body", "weight_kg must be a number up to 200")
        if fixed and set(data) - {"pet_name", "species", "weight_kg"}:
            raise Problem(400, "bad_body", "unexpected fields")
        item = {"pet_id": store.next_pet_id(), "owner_id": me(), "pet_name": name,
                "species": species, "weight_kg": Decimal(weight), "microchip": ""}  # fmt: skip
        if not fixed:
            item.update(data)  # every field of the body, owner_id included
        store.pets.put_item(Item=item)
        return jsonify(plain(item, PET)), 201

    def own_pet(pet_id: int) -> dict[str, Any]:
        item = store.pets.get_item(Key={"pet_id": pet_id}).get("Item")
        if item is None or (int(item["owner_id"]) != me() and fixed):
            raise Problem(404, "not_found", f"no pet {pet_id}")
        return dict(item)

    @endpoint("GET", "/<int:pet_id>")
    def pets__read(pet_id: int) -> ResponseReturnValue:
        return jsonify(plain(own_pet(pet_id), PET))

    _register_writes(api, store, endpoint, me, body, own_pet)
    register_reports(api, store, endpoint, me, fixed=fixed)

    app.register_blueprint(api)
    register_errors(app, fixed=fixed)
    return app


def _register_writes(api: Blueprint, store: Store, endpoint: Any, me: Any, body: Any,
                     own_pet: Any) -> None:  # fmt: skip
    @endpoint("PATCH", "/<int:pet_id>")
    def pets__update(pet_id: int) -> ResponseReturnValue:
        item = own_pet(pet_id)
        if int(item["owner_id"]) != me():
            raise Problem(404, "not_found", f"no pet {pet_id}")
        data = body()
        if set(data) - {"pet_name", "weight_kg"} or not data:
            raise Problem(400, "bad_body", "only pet_name and weight_kg can change")
        name = data.get("pet_name", item["pet_name"])
        weight = data.get("weight_kg", item["weight_kg"])
        if not isinstance(name, str) or not 0 < len(name) <= 40:
            raise Problem(400, "bad_body", "pet_name must be 1 to 40 characters")
        if not isinstance(weight, Decimal | int) or not 0 < weight <= 200:
            raise Problem(400, "bad_body", "weight_kg must be a number up to 200")
        item.update(pet_name=name, weight_kg=Decimal(weight))
        store.pets.put_item(Item=item)
        return jsonify(plain(item, PET))

    @endpoint("DELETE", "/<int:pet_id>")
    def pets__delete(pet_id: int) -> ResponseReturnValue:
        item = own_pet(pet_id)
        if int(item["owner_id"]) != me():
            raise Problem(404, "not_found", f"no pet {pet_id}")
        store.pets.delete_item(Key={"pet_id": pet_id})
        return "", 204
