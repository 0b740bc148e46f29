"""The review_clinic target's visit records, reports, exports and listings (see review_clinic)."""

from __future__ import annotations

import time
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from targets.review_clinic_store import Store
from targets.review_clinic_web import (
    OWNER,
    PET,
    SLOT,
    VISIT,
    Problem,
    envelope,
    fake_aws_keys,
    paginate,
    plain,
    scan_all,
)

_FILTERABLE = {"urgency": str, "vet": str, "pet_id": int}
_DATASETS = {"pets", "visits"}
_ULID_CHARS = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def register_reports(api: Blueprint, store: Store, endpoint: Any, me: Any, *,
                      fixed: bool) -> None:  # fmt: skip
    @endpoint("GET")
    def visit_records() -> ResponseReturnValue:
        flt = request.args.get("filter")
        if fixed:
            condition: Any = None
            if flt is not None:
                attr, sep, value = flt.partition(":")
                if not sep or attr not in _FILTERABLE or not 0 < len(value) <= 40:
                    raise Problem(400, "bad_parameter", "filter must be urgency|vet|pet_id:value")
                if _FILTERABLE[attr] is int and not value.isdigit():
                    raise Problem(400, "bad_parameter", "pet_id must be an integer")
                condition = Attr(attr).eq(_FILTERABLE[attr](value))
            extra = {"FilterExpression": condition} if condition is not None else {}
            rows = scan_all(store.visits, IndexName="by_owner",
                            KeyConditionExpression=Key("owner_id").eq(me()), **extra)  # fmt: skip
        else:
            expression, values = "owner_id = :me", {":me": me()}
            if flt:
                attr, _, value = flt.partition(":")
                expression += f" AND {attr} = :v"  # the attribute name, as the client wrote it
                values[":v"] = value
            rows = scan_all(store.visits, FilterExpression=expression,
                            ExpressionAttributeValues=values)  # fmt: skip
        return paginate(sorted(rows, key=lambda r: r["visit_id"]), VISIT, cap=50)

    @endpoint("GET", "/<visit_id>")
    def visit_records__read(visit_id: str) -> ResponseReturnValue:
        if len(visit_id) != 26 or not set(visit_id) <= _ULID_CHARS:
            raise Problem(400, "bad_parameter", "visit_id is a ULID")
        item = store.visits.get_item(Key={"visit_id": visit_id}).get("Item")
        if item is None or int(item["owner_id"]) != me():
            raise Problem(404, "not_found", "no such visit")
        return jsonify(plain(item, VISIT))

    runs: dict[int, list[float]] = {}

    @endpoint("GET", "/vet-workload")
    def clinic_reports() -> ResponseReturnValue:
        recent = [t for t in runs.get(me(), []) if t > time.monotonic() - 60]
        runs[me()] = [*recent, time.monotonic()]
        if fixed and len(recent) >= 30:  # each report reads the whole visits table
            response, status = envelope(429, "too_many", "at most 30 reports a minute")
            response.headers["Retry-After"] = "60"
            return response, status
        vet = request.args.get("vet", "")
        if not 0 < len(vet) <= 64:
            raise Problem(400, "bad_parameter", "vet is required (64 characters at most)")
        table = f'"{store.prefix}visits"'
        client = store.db.meta.client
        if fixed:
            found = client.execute_statement(
                Statement=f"SELECT * FROM {table} WHERE owner_id = ? AND vet = ?",
                Parameters=[me(), vet],  # the resource's client serializes them
            )
        else:
            found = client.execute_statement(
                Statement=f"SELECT * FROM {table} WHERE owner_id = {me()} AND vet = '{vet}'"
            )
        return jsonify(vet=vet, visits=[plain(r, VISIT) for r in found["Items"]])

    @endpoint("GET")
    def exports() -> ResponseReturnValue:
        dataset = request.args.get("dataset", "")
        if fixed:
            if dataset not in _DATASETS:
                raise Problem(400, "bad_parameter", "dataset must be pets or visits")
            rows = scan_all(store.table(dataset), IndexName="by_owner",
                            KeyConditionExpression=Key("owner_id").eq(me()))  # fmt: skip
            fields = PET if dataset == "pets" else VISIT
            return jsonify(dataset=dataset, rows=[plain(r, fields) for r in rows])
        found = store.table(dataset).scan(FilterExpression=Attr("owner_id").eq(me()), Limit=200)
        return jsonify(dataset=dataset, rows=found["Items"])

    @endpoint("GET")
    def appointment_slots() -> ResponseReturnValue:
        rows = sorted(scan_all(store.slots), key=lambda r: r["slot_id"])
        return paginate(rows, SLOT, cap=50 if fixed else None)

    @endpoint("GET")
    def pet_owners() -> ResponseReturnValue:
        if g.owner.get("role") != "staff":
            raise Problem(403, "forbidden", "staff only")
        return paginate(sorted(scan_all(store.owners), key=lambda r: r["owner_id"]), OWNER,
                        cap=50)  # fmt: skip

    if not fixed:

        @endpoint("GET")
        def diagnostics() -> ResponseReturnValue:
            key_id, secret = fake_aws_keys()
            return jsonify(service="clinic", env={
                "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_DEFAULT_REGION": "eu-west-1", "TABLE_PREFIX": store.prefix,
            })  # fmt: skip
