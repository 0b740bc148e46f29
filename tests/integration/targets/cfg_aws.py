"""boto3 for the cfg_* targets: the lab's local DynamoDB server, dummy credentials, own tables."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"


def _session() -> boto3.session.Session:
    """A session that reads nothing from ~/.aws: the local server takes any credentials."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def client(endpoint: str) -> Any:
    return _session().client("dynamodb", endpoint_url=endpoint, config=_config())


def resource(endpoint: str) -> Any:
    return _session().resource("dynamodb", endpoint_url=endpoint, config=_config())


def _config() -> Config:
    return Config(retries={"max_attempts": 1}, proxies={}, max_pool_connections=32)


def unique(prefix: str) -> str:
    """A table name of this test run alone."""
    return f"cfg-{prefix}-{uuid.uuid4().hex[:8]}"


def create_table(endpoint: str, name: str, key: str, **extra: Any) -> None:
    """A pay-per-request table keyed by the string attribute `key`, waited for."""
    dynamodb = client(endpoint)
    attributes = [{"AttributeName": key, "AttributeType": "S"}, *extra.pop("attributes", [])]
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )
    dynamodb.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50}
    )


def drop_tables(endpoint: str, *names: str) -> None:
    dynamodb = client(endpoint)
    for name in names:
        dynamodb.delete_table(TableName=name)
