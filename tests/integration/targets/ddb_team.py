"""A team directory: class-based views (`MethodView`), boto3's resource API, camelCase routes and
fields, and one generic error body for every failure ("Something went wrong", 500).

Vulnerable: `GET /teams/{teamId}/members?sortField=joinedAt&since=...` builds the Query's
KeyConditionExpression string from `sortField`; `GET /directory?attrName=jobTitle&attrValue=...`
builds the Scan's FilterExpression from `attrName` (hidden members become visible with an
always-true clause). Fixed: `Key`/`Attr` conditions on allow-listed attribute names.
Serves a Swagger 2.0 document at /docs/swagger.json.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView

from targets.ddb_common import client, create_table, resource, s, unique_prefix

SORT_FIELDS = {"joinedAt"}
FILTER_FIELDS = {"jobTitle", "teamId"}
SPEC: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "team directory", "version": "3"},
    "basePath": "/",
    "produces": ["application/json"],
    "paths": {
        "/teams/{teamId}/members": {"get": {
            "operationId": "listTeamMembers",
            "parameters": [
                {"name": "teamId", "in": "path", "required": True, "type": "string",
                 "x-example": "core"},
                {"name": "sortField", "in": "query", "type": "string", "default": "joinedAt"},
                {"name": "since", "in": "query", "type": "string", "default": "2020-01-01"},
            ],
            "responses": {"200": {"description": "members"}},
        }},
        "/directory": {"get": {
            "operationId": "searchDirectory",
            "parameters": [
                {"name": "attrName", "in": "query", "type": "string", "default": "jobTitle"},
                {"name": "attrValue", "in": "query", "type": "string", "default": "engineer"},
            ],
            "responses": {"200": {"description": "members"}},
        }},
    },
}  # fmt: skip


def create_app(endpoint: str, *, vulnerable: bool) -> Flask:
    ddb = resource(endpoint)
    table_name = unique_prefix("team") + "members"
    members = [
        {"teamId": s(team), "memberId": s(f"m{i}"), "jobTitle": s(title), "joinedAt": s(joined),
         "listed": {"BOOL": listed}, "level": {"N": str(i)}}
        for i, (team, title, joined, listed) in enumerate([
            ("core", "engineer", "2021-03-01", True), ("core", "engineer", "2022-05-01", True),
            ("core", "manager", "2020-02-01", True), ("core", "engineer", "2023-01-01", False),
            ("web", "designer", "2021-07-01", True), ("web", "engineer", "2024-01-01", False),
        ])
    ]  # fmt: skip
    create_table(client(endpoint), table_name, "teamId", "joinedAt", items=members)
    table = ddb.Table(table_name)

    class TeamMembers(MethodView):
        def get(self, team_id: str) -> ResponseReturnValue:
            field = request.args.get("sortField", "joinedAt")
            since = request.args.get("since", "2020-01-01")
            if vulnerable:
                found = table.query(
                    KeyConditionExpression=f"teamId = :team AND {field} >= :since",
                    ExpressionAttributeValues={":team": team_id, ":since": since},
                )
            else:
                if field not in SORT_FIELDS:
                    return jsonify(message="unknown sortField"), 400
                condition = Key("teamId").eq(team_id) & Key(field).gte(since)
                found = table.query(KeyConditionExpression=condition)
            return jsonify(members=[_public(m) for m in found["Items"]])

    class Directory(MethodView):
        def get(self) -> ResponseReturnValue:
            name = request.args.get("attrName", "jobTitle")
            value = request.args.get("attrValue", "")
            if vulnerable:
                found = table.scan(
                    FilterExpression=f"{name} = :value AND listed = :yes",
                    ExpressionAttributeValues={":value": value, ":yes": True},
                )
            else:
                if name not in FILTER_FIELDS:
                    return jsonify(message="unknown attrName"), 400
                found = table.scan(FilterExpression=Attr(name).eq(value) & Attr("listed").eq(True))
            return jsonify(members=[_public(m) for m in found["Items"]])

    app = Flask(__name__)
    app.add_url_rule("/teams/<team_id>/members", view_func=TeamMembers.as_view("teamMembers"))
    app.add_url_rule("/directory", view_func=Directory.as_view("directory"))
    app.add_url_rule("/docs/swagger.json", view_func=lambda: jsonify(SPEC))

    @app.errorhandler(ClientError)
    def client_error(exc: ClientError) -> ResponseReturnValue:
        return jsonify(message="Something went wrong"), 500

    return app


def _public(member: dict[str, Any]) -> dict[str, Any]:
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in member.items()}
