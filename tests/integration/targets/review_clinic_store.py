"""The review_clinic target's data: four DynamoDB tables under a prefix of its own, seeded with
owners (integer ids, API keys, werkzeug password hashes), pets (integer ids), visits (ULIDs)
and appointment slots, all through boto3's resource API."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from werkzeug.security import generate_password_hash

from targets.ddb_common import client, resource, unique_prefix

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PASSWORDS = {"ines@clinic.test": "ines-pw-1", "omar@clinic.test": "omar-pw-2"}


def ulid() -> str:
    """A ULID: 48 bits of milliseconds and 80 random bits in Crockford base32 (26 chars)."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def key_digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Store:
    """The tables of one app, and the API keys of its seeded owners."""

    prefix: str
    db: Any  # boto3 DynamoDB service resource
    keys: dict[str, str]  # owner email -> API key

    def table(self, name: str) -> Any:
        return self.db.Table(self.prefix + name)

    @property
    def owners(self) -> Any:
        return self.table("owners")

    @property
    def pets(self) -> Any:
        return self.table("pets")

    @property
    def visits(self) -> Any:
        return self.table("visits")

    @property
    def slots(self) -> Any:
        return self.table("slots")

    def next_pet_id(self) -> int:
        """An atomic counter item, the usual way to number things in DynamoDB."""
        found = self.table("counters").update_item(
            Key={"counter": "pet"}, UpdateExpression="ADD current_value :one",
            ExpressionAttributeValues={":one": 1}, ReturnValues="UPDATED_NEW",
        )  # fmt: skip
        return int(found["Attributes"]["current_value"])


_TABLES = {  # name -> (hash key, its type, an owner index?)
    "owners": ("owner_id", "N", False),
    "pets": ("pet_id", "N", True),
    "visits": ("visit_id", "S", True),
    "slots": ("slot_id", "S", False),
    "counters": ("counter", "S", False),
}


def _create(ddb: Any, name: str, key: str, kind: str, owner_index: bool) -> None:
    extra: dict[str, Any] = {}
    attributes = [{"AttributeName": key, "AttributeType": kind}]
    if owner_index:
        attributes.append({"AttributeName": "owner_id", "AttributeType": "N"})
        extra["GlobalSecondaryIndexes"] = [{
            "IndexName": "by_owner",
            "KeySchema": [{"AttributeName": "owner_id", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }]  # fmt: skip
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1})


def create_store(endpoint: str) -> Store:
    """Create and seed the tables; three owners, six pets, six visits, 120 slots."""
    prefix = unique_prefix("clinic")
    ddb = client(endpoint)
    for name, (key, kind, index) in _TABLES.items():
        _create(ddb, prefix + name, key, kind, index)
    store = Store(prefix=prefix, db=resource(endpoint), keys={})
    people = [(1, "Ines Duarte", "ines@clinic.test", "+351 912 345 678", "client"),
              (2, "Omar Haddad", "omar@clinic.test", "+44 7700 900123", "client"),
              (3, "Dr Kim Okafor", "kim@clinic.test", "+1 415 555 0134", "staff")]  # fmt: skip
    with store.owners.batch_writer() as batch:
        for owner_id, name, email, phone, role in people:
            api_key = "vc3_" + secrets.token_hex(20)
            store.keys[email] = api_key
            password = PASSWORDS.get(email, secrets.token_hex(8))
            batch.put_item(Item={
                "owner_id": owner_id, "full_name": name, "email": email, "phone": phone,
                "role": role, "secret_hash": generate_password_hash(password),
                "api_key_sha256": key_digest(api_key),
            })  # fmt: skip
    pets = [(1, 1, "Biscuit", "dog"), (2, 1, "Mochi", "cat"), (3, 1, "Pip", "rabbit"),
            (4, 2, "Rex", "dog"), (5, 2, "Luna", "cat"), (6, 3, "Tofu", "dog")]  # fmt: skip
    with store.pets.batch_writer() as batch:
        for pet_id, owner_id, name, species in pets:
            batch.put_item(Item={"pet_id": pet_id, "owner_id": owner_id, "pet_name": name,
                                 "species": species, "microchip": f"98514100{pet_id:07d}",
                                 "weight_kg": Decimal("4.5") + pet_id})  # fmt: skip
    store.table("counters").put_item(Item={"counter": "pet", "current_value": len(pets)})
    visits = [(1, 1, "routine", "Dr Okafor"), (1, 2, "urgent", "Dr Okafor"),
              (1, 3, "routine", "Dr Lindqvist"), (2, 4, "routine", "Dr Okafor"),
              (2, 5, "urgent", "Dr Lindqvist"), (2, 4, "routine", "Dr Okafor")]  # fmt: skip
    with store.visits.batch_writer() as batch:
        for owner_id, pet_id, urgency, vet in visits:
            batch.put_item(Item={"visit_id": ulid(), "owner_id": owner_id, "pet_id": pet_id,
                                 "urgency": urgency, "vet": vet, "diagnosis": "under review",
                                 "invoice_cents": 4500})  # fmt: skip
    with store.slots.batch_writer() as batch:
        for day in range(1, 25):
            for hour in (9, 10, 11, 14, 15):
                batch.put_item(Item={"slot_id": f"2031-03-{day:02d}T{hour:02d}:00",
                                     "vet": "Dr Okafor" if hour < 12 else "Dr Lindqvist",
                                     "free": (day + hour) % 3 != 0})  # fmt: skip
    return store


def drop_store(endpoint: str, store: Store) -> None:
    ddb = client(endpoint)
    for name in _TABLES:
        ddb.delete_table(TableName=store.prefix + name)
