"""The lab's DynamoDB tables: names, key schemas, creation, and item conversion."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from middlebrick.lab.dynamodb import DynamoClient

Item = dict[str, Any]
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


@dataclass(frozen=True, kw_only=True)
class Tables:
    """The physical names of one twin's tables: the same logical tables under a prefix."""

    prefix: str

    @property
    def users(self) -> str:
        return f"{self.prefix}users"

    @property
    def products(self) -> str:
        return f"{self.prefix}products"

    @property
    def orders(self) -> str:
        return f"{self.prefix}orders"

    def all(self) -> tuple[str, str, str]:
        return (self.users, self.products, self.orders)


USERNAME_INDEX = "username_index"
OWNER_INDEX = "owner_index"


def create_tables(client: DynamoClient, tables: Tables) -> None:
    """Create the three tables (on-demand capacity) and wait until they are active."""
    _create(client, tables.users, "user_id", [_gsi(USERNAME_INDEX, "username")], ["username"])
    _create(client, tables.products, "product_id", [], [])
    _create(
        client,
        tables.orders,
        "order_id",
        [_gsi(OWNER_INDEX, "owner_id", "created_at")],
        ["owner_id", "created_at"],
    )
    waiter = client.get_waiter("table_exists")
    for name in tables.all():
        waiter.wait(TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})


def drop_tables(client: DynamoClient, tables: Tables) -> None:
    """Delete the tables if they exist; used when the server outlives the lab."""
    for name in tables.all():
        try:
            client.delete_table(TableName=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise


def put_items(client: DynamoClient, table: str, items: list[Item]) -> None:
    """Write items in batches of 25 (BatchWriteItem's limit), retrying unprocessed ones."""
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": to_item(i)}} for i in items[start : start + 25]]
        pending: dict[str, Any] = {table: requests}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems", {})


def to_item(value: Item) -> dict[str, Any]:
    """A plain dict as a DynamoDB item (attribute values with type tags)."""
    return {k: _SERIALIZER.serialize(v) for k, v in value.items()}


def from_item(item: dict[str, Any]) -> Item:
    """A DynamoDB item as a plain JSON-ready dict; whole numbers become int."""
    return {k: _plain(_DESERIALIZER.deserialize(v)) for k, v in item.items()}


def encode_page_token(last_key: dict[str, Any] | None) -> str | None:
    """LastEvaluatedKey as an opaque cursor for the client, or None on the last page."""
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key).encode()).decode()


def decode_page_token(token: str, key_names: set[str]) -> dict[str, Any] | None:
    """A cursor back into ExclusiveStartKey: only string key attributes, else None (invalid)."""
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(value, dict) or set(value) - key_names or not value:
        return None
    for attr in value.values():
        if not (isinstance(attr, dict) and set(attr) == {"S"} and isinstance(attr["S"], str)):
            return None
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def _gsi(name: str, hash_key: str, range_key: str | None = None) -> dict[str, Any]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}}


def _create(
    client: DynamoClient, name: str, key: str, indexes: list[dict[str, Any]], extra: list[str]
) -> None:
    params: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": attr, "AttributeType": "S"} for attr in [key, *extra]
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        params["GlobalSecondaryIndexes"] = indexes
    client.create_table(**params)
