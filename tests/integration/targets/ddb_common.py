"""What the ddb_* test targets share: boto3 clients for the lab's local DynamoDB server, and
tables under a prefix of their own (so targets never touch the lab's or each other's)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

REGION = "us-east-1"
# One attempt: a failing request should fail now, not after botocore's back-off.
_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2,
                 read_timeout=10, proxies={})  # fmt: skip


def session() -> boto3.session.Session:
    """Dummy credentials, nothing read from ~/.aws or the environment."""
    isolated = botocore.session.Session(session_vars={
        "profile": (None, None, None, None),
        "config_file": (None, None, "/dev/null", None),
        "credentials_file": (None, None, "/dev/null", None),
    })  # fmt: skip
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing",
        region_name=REGION, botocore_session=isolated,
    )  # fmt: skip


def client(endpoint: str) -> Any:
    return session().client("dynamodb", endpoint_url=endpoint, config=_CONFIG)


def resource(endpoint: str) -> Any:
    return session().resource("dynamodb", endpoint_url=endpoint, config=_CONFIG)


def unique_prefix(name: str) -> str:
    return f"t{secrets.token_hex(3)}_{name}_"


def create_table(
    ddb: Any, name: str, hash_key: str, range_key: str | None = None, items: Sequence[Any] = ()
) -> None:
    """Create an on-demand table (string keys) and put `items` (plain client-format items)."""
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    attributes = [{"AttributeName": hash_key, "AttributeType": "S"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
        attributes.append({"AttributeName": range_key, "AttributeType": "S"})
    ddb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attributes,
                     BillingMode="PAY_PER_REQUEST")  # fmt: skip
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1})
    for item in items:
        ddb.put_item(TableName=name, Item=item)


def s(value: str) -> dict[str, str]:
    return {"S": value}
