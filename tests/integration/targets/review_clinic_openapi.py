"""The review_clinic target's OpenAPI 3.0 document: relative server `/api/v3`, paths written
below it, an `X-Api-Key` scheme, integer and ULID ids, an `{"error": {...}}` envelope."""

from __future__ import annotations

from typing import Any

_ULID = "^[0-9A-HJKMNP-TV-Z]{26}$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/E{code}"} for code in codes}


def _page(name: str, maximum: int = 50) -> list[dict[str, Any]]:
    return [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                   "maximum": 1000, "default": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                       "maximum": maximum, "default": 20}},
    ]  # fmt: skip


def _listing(item: str) -> dict[str, Any]:
    schema = {"type": "object", "required": ["items", "page", "per_page"],
              "additionalProperties": False, "properties": {
                  "items": {"type": "array", "items": _ref(item)},
                  "page": {"type": "integer"}, "per_page": {"type": "integer"}}}  # fmt: skip
    response = _json(schema)
    response["headers"] = {"Link": {"schema": {"type": "string"}, "description": "RFC 8288"}}
    return response


def _string(max_length: int, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, **extra}


def _id(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


_PET_ID = _id("pet_id", {"type": "integer", "minimum": 1, "maximum": 10**9})
_PET_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "pet_name": _string(40, minLength=1, example="Nori"),
    "species": {"type": "string", "enum": ["dog", "cat", "rabbit", "bird"]},
    "weight_kg": {"type": "number", "minimum": 0.1, "maximum": 200}}}  # fmt: skip
SCHEMAS: dict[str, Any] = {
    "Owner": {"type": "object", "additionalProperties": False, "properties": {
        "owner_id": {"type": "integer"}, "full_name": {"type": "string"},
        "email": {"type": "string"}, "phone": {"type": "string"},
        "role": {"type": "string", "enum": ["client", "staff"]}}},
    "Pet": {"type": "object", "additionalProperties": False, "properties": {
        "pet_id": {"type": "integer"}, "owner_id": {"type": "integer"},
        "pet_name": {"type": "string"}, "species": {"type": "string"},
        "weight_kg": {"type": "number"}, "microchip": {"type": "string"}}},
    "Visit": {"type": "object", "additionalProperties": False, "properties": {
        "visit_id": {"type": "string"}, "owner_id": {"type": "integer"},
        "pet_id": {"type": "integer"}, "urgency": {"type": "string"},
        "vet": {"type": "string"}, "diagnosis": {"type": "string"},
        "invoice_cents": {"type": "integer"}}},
    "Slot": {"type": "object", "additionalProperties": False, "properties": {
        "slot_id": {"type": "string"}, "vet": {"type": "string"}, "free": {"type": "boolean"}}},
    "Problem": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "detail"],
        "properties": {"code": {"type": "string"}, "detail": {"type": "string"}}}}},
}  # fmt: skip
PUBLIC: list[dict[str, Any]] = []
_PATHS: dict[str, Any] = {
    "/health": {"get": {"operationId": "health", "security": PUBLIC, "responses": {
        "200": _json({"type": "object", "properties": {"status": {"type": "string"}}})}}},
    "/csrf-token": {"get": {"operationId": "csrfToken", "security": PUBLIC, "responses": {
        "200": _json({"type": "object", "properties": {"csrf_token": {"type": "string"}}})}}},
    "/sessions": {"post": {
        "operationId": "signIn", "security": PUBLIC,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["email", "password"], "additionalProperties": False,
            "properties": {"email": _string(254, format="email", example="ines@clinic.test"),
                           "password": _string(128, minLength=1)}}}}},
        "responses": {"200": _json(_ref("Owner")), **_errors("400", "401", "429")}}},
    "/account": {"get": {"operationId": "account", "responses": {
        "200": _json(_ref("Owner")), **_errors("401")}}},
    "/pets": {
        "get": {"operationId": "listPets", "parameters": [
            *_page("pets"),
            {"name": "species", "in": "query", "schema": _PET_BODY["properties"]["species"]}],
            "responses": {"200": _listing("Pet"), **_errors("400", "401")}},
        "post": {"operationId": "createPet", "requestBody": {"required": True, "content": {
            "application/json": {"schema": {**_PET_BODY, "required": ["pet_name", "species"]}}}},
            "responses": {"201": _json(_ref("Pet"), "created"), **_errors("400", "401")}}},
    "/pets/{pet_id}": {
        "get": {"operationId": "getPet", "parameters": [_PET_ID], "responses": {
            "200": _json(_ref("Pet")), **_errors("400", "401", "404")}},
        "patch": {"operationId": "updatePet", "parameters": [_PET_ID], "requestBody": {
            "required": True, "content": {"application/json": {"schema": _PET_BODY}}},
            "responses": {"200": _json(_ref("Pet")), **_errors("400", "401", "404")}},
        "delete": {"operationId": "deletePet", "parameters": [_PET_ID], "responses": {
            "204": {"description": "deleted"}, **_errors("400", "401", "404")}}},
    "/visit-records": {"get": {"operationId": "listVisits", "parameters": [
        {"name": "filter", "in": "query", "description": "attribute:value",
         "schema": _string(64, pattern="^[a-z_]+:[A-Za-z0-9 _-]+$", example="urgency:routine")},
        *_page("visits")], "responses": {"200": _listing("Visit"), **_errors("400", "401")}}},
    "/visit-records/{visit_id}": {"get": {
        "operationId": "getVisit",
        "parameters": [_id("visit_id", _string(26, minLength=26, pattern=_ULID))],
        "responses": {"200": _json(_ref("Visit")), **_errors("400", "401", "404")}}},
    "/clinic-reports/vet-workload": {"get": {
        "operationId": "vetWorkload",
        "parameters": [{"name": "vet", "in": "query", "required": True,
                        "schema": _string(64, minLength=1, example="Dr Okafor")}],
        "responses": {"200": _json({"type": "object", "properties": {
            "vet": {"type": "string"}, "visits": {"type": "array", "items": _ref("Visit")}}}),
            **_errors("400", "401", "429")}}},
    "/exports": {"get": {
        "operationId": "exportDataset",
        "parameters": [{"name": "dataset", "in": "query", "required": True,
                        "schema": {"type": "string", "enum": ["pets", "visits"]}}],
        "responses": {"200": _json({"type": "object", "properties": {
            "dataset": {"type": "string"},
            "rows": {"type": "array", "items": {"type": "object"}}}}),
            **_errors("400", "401")}}},
    "/appointment-slots": {"get": {
        "operationId": "listSlots", "security": PUBLIC, "parameters": _page("slots"),
        "responses": {"200": _listing("Slot"), **_errors("400")}}},
    "/pet-owners": {"get": {"operationId": "listOwners", "parameters": _page("owners"),
                            "responses": {"200": _listing("Owner"),
                                          **_errors("400", "401", "403")}}},
}  # fmt: skip


def document() -> dict[str, Any]:
    errors = {"400": "bad request", "401": "no or bad API key", "403": "staff only",
              "404": "not found", "429": "too many attempts"}  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "vet clinic", "version": "3.2.0"},
        "servers": [{"url": "/api/v3"}],
        "security": [{"apiKey": []}],
        "paths": _PATHS,
        "components": {
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
            "schemas": SCHEMAS,
            "responses": {f"E{code}": _json(_ref("Problem"), text)
                          for code, text in errors.items()},
        },
    }  # fmt: skip
